package oparl

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/kogge-project/kogge/rooms"
)

// Importer keeps the council information system's meetings booked, one
// Sync at a time. It remembers the last report (for the status page),
// where the next delta starts, and each meeting's agenda (for the panels
// and join pages); all three are in memory, so a restart begins with a
// full sync, which changes nothing that is already in step.
type Importer struct {
	client  *Client
	mapping Mapping
	store   Store

	run    sync.Mutex // one sync at a time: cron and a manual trigger must not race
	mu     sync.Mutex
	last   *Report
	lastEr string
	since  time.Time
	agenda map[string][]AgendaItem // meeting id -> agenda
}

// NewImporter imports from the OParl system object at endpoint (pages on
// otherHosts may be followed too) into st as m says. st is the booking
// service's view for imports (rooms/bookings.Imports): it applies the
// rooms' rules to every meeting.
func NewImporter(endpoint string, otherHosts []string, m Mapping, st Store) (*Importer, error) {
	c, err := NewClient(endpoint, Options{HTTPClient: &http.Client{Timeout: 30 * time.Second}, UserAgent: "Kogge", OtherHosts: otherHosts})
	if err != nil {
		return nil, err
	}
	return &Importer{client: c, mapping: m, store: st, agenda: map[string][]AgendaItem{}}, nil
}

// Sync runs one import: a delta from where the last good one ended.
func (o *Importer) Sync(ctx context.Context) (Report, error) {
	o.run.Lock()
	defer o.run.Unlock()
	o.mu.Lock()
	since := o.since
	o.mu.Unlock()
	rep, err := Sync(ctx, o.client, o.mapping, o.store, since,
		WithAgenda(func(id string, items []AgendaItem) {
			o.mu.Lock()
			o.agenda[id] = items
			o.mu.Unlock()
		}))
	o.mu.Lock()
	defer o.mu.Unlock()
	o.last, o.lastEr = &rep, ""
	if err != nil {
		o.lastEr = err.Error()
	} else {
		o.since = rep.NextSince
	}
	return rep, err
}

// AgendaFor returns the agenda of the meeting a booking mirrors.
func (o *Importer) AgendaFor(b rooms.Booking) ([]AgendaItem, bool) {
	id, ok := strings.CutPrefix(b.External, ExternalRef(""))
	if !ok {
		return nil, false
	}
	o.mu.Lock()
	defer o.mu.Unlock()
	items, ok := o.agenda[id]
	return items, ok
}

// Status is the last import's report, its error and where the next delta
// starts (GET /api/v1/integrations/oparl).
func (o *Importer) Status() map[string]any {
	o.mu.Lock()
	defer o.mu.Unlock()
	return map[string]any{"last": o.last, "error": o.lastEr, "next_since": o.since}
}

// Summary is the report in one line, for the job history and the log.
func (r Report) Summary() string {
	return fmt.Sprintf("%d meetings read: %d created, %d updated, %d cancelled, %d unchanged, %d unmapped, %d problems",
		r.Fetched, r.Created, r.Updated, r.Cancelled, r.Unchanged, r.Unmapped, len(r.Problems))
}
