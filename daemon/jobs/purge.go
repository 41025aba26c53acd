package jobs

import (
	"context"
	"fmt"
	"time"

	"github.com/kogge-project/kogge/daemon/config"
)

// accountAuditRetention is how long account events (logins, password
// changes, tokens) stay in the audit log. They hold no addresses, but they
// are personal data all the same: a year covers any security review.
const accountAuditRetention = 365 * 24 * time.Hour

// purge deletes bookings, their audit entries and finished series once
// their kind's retention has passed ([retention] in the config; interviews
// go first), through the booking service, as the daemon. Backups taken
// later no longer contain them (they compact).
func (d Deps) purge(ctx context.Context, cfg config.Job) (string, error) {
	rep, err := d.bookingsFor(ctx).Purge(jobActor(cfg), d.Retention.For, accountAuditRetention)
	if err != nil {
		return "", err
	}
	return fmt.Sprintf("%d bookings, %d audit entries, %d series deleted; %d rooms' overlap bounds lowered", rep.Bookings, rep.AuditEntries, rep.Series, rep.SpansLowered), nil
}
