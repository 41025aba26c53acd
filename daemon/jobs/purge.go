package jobs

import (
	"fmt"
	"time"

	"github.com/kogge-project/kogge/daemon/config"
	"github.com/kogge-project/kogge/rooms"
)

// accountAuditRetention is how long account events (logins, password
// changes, tokens) stay in the audit log. They hold no addresses, but they
// are personal data all the same: a year covers any security review.
const accountAuditRetention = 365 * 24 * time.Hour

// purge deletes bookings, their audit entries and finished series once
// their kind's retention has passed ([retention] in the config; interviews
// go first). Backups taken later no longer contain them (they compact).
func (d Deps) purge(config.Job) (string, error) {
	now := time.Now()
	st, err := d.Store.Purge(func(k rooms.Kind) time.Time {
		return now.Add(-d.Retention.For(k))
	}, now.Add(-accountAuditRetention))
	if err != nil {
		return "", err
	}
	// With old (and mistaken) bookings gone, the rooms' overlap bounds can
	// shrink back to what the bookings left need.
	lowered, err := d.Store.RecomputeSpans()
	if err != nil {
		return "", fmt.Errorf("recomputing overlap bounds: %w", err)
	}
	return fmt.Sprintf("%d bookings, %d audit entries, %d series deleted; %d rooms' overlap bounds lowered", st.Bookings, st.AuditEntries, st.Series, lowered), nil
}
