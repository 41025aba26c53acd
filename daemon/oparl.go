package main

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/kogge-project/kogge/daemon/config"
	"github.com/kogge-project/kogge/integrations/oparl"
	"github.com/kogge-project/kogge/rooms"
	"github.com/kogge-project/kogge/rooms/store"
)

// oparlImport keeps the council information system's meetings booked. It
// remembers the last report (GET /api/v1/integrations/oparl) and where the
// next delta starts; a restart begins with a full sync, which changes
// nothing that is already in step.
type oparlImport struct {
	client  *oparl.Client
	mapping oparl.Mapping
	store   oparlStore
	catalog *rooms.Catalog

	run    sync.Mutex // one sync at a time: cron and a manual trigger must not race
	mu     sync.Mutex
	last   *oparl.Report
	lastEr string
	since  time.Time
	agenda map[string][]oparl.AgendaItem // meeting id -> agenda, for panels and join pages
}

func newOParlImport(cfg config.OParl, st *store.Store, catalog *rooms.Catalog) (*oparlImport, error) {
	c, err := oparl.NewClient(cfg.Endpoint, oparl.Options{HTTPClient: &http.Client{Timeout: 30 * time.Second}, UserAgent: "Kogge", OtherHosts: cfg.OtherHosts})
	if err != nil {
		return nil, err
	}
	return &oparlImport{client: c, mapping: cfg.Mapping(), store: oparlStore{st: st, hold: catalog.Hold},
		catalog: catalog, agenda: map[string][]oparl.AgendaItem{}}, nil
}

// sync runs one import (the "oparl-import" job action).
func (o *oparlImport) sync(ctx context.Context) (oparl.Report, error) {
	o.run.Lock()
	defer o.run.Unlock()
	o.mu.Lock()
	since := o.since
	o.mu.Unlock()
	rep, err := oparl.Sync(ctx, o.client, o.mapping, o.store, since,
		oparl.WithValidate(o.validate),
		oparl.WithAgenda(func(id string, items []oparl.AgendaItem) {
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

// validate applies the room's rules to an imported meeting, as to any
// booking (times in the past are the importer's business: it skips them).
// A new booking (no ID yet) gets the room's setup and teardown, as one
// booked on the page does; an existing one keeps what people set.
func (o *oparlImport) validate(b *rooms.Booking) error {
	room, ok := o.catalog.Get(b.Room)
	if !ok {
		return rooms.UnknownRoom(b.Room)
	}
	if b.ID == "" {
		b.Setup, b.Teardown = room.Setup, room.Teardown
	}
	return rooms.Validate(b, room, time.Now(), false)
}

// AgendaFor returns the agenda of the meeting a booking mirrors.
func (o *oparlImport) AgendaFor(b rooms.Booking) ([]oparl.AgendaItem, bool) {
	id, ok := strings.CutPrefix(b.External, oparl.ExternalRef(""))
	if !ok {
		return nil, false
	}
	o.mu.Lock()
	defer o.mu.Unlock()
	items, ok := o.agenda[id]
	return items, ok
}

// Status is the last import's report for GET /api/v1/integrations/oparl.
func (o *oparlImport) Status() map[string]any {
	o.mu.Lock()
	defer o.mu.Unlock()
	return map[string]any{"last": o.last, "error": o.lastEr, "next_since": o.since}
}

// oparlStore is the booking store as the importer sees it. Its changes
// reach the timeline and the rest through the store's change feed, like
// any other; they are made while no reload can remove the room (hold).
type oparlStore struct {
	st   *store.Store
	hold func(func() error) error
}

func (a oparlStore) FindByExternal(ref string) (rooms.Booking, bool, error) {
	return a.st.FindByExternal(ref)
}

func (a oparlStore) Create(ref string, b rooms.Booking, actor string) (out rooms.Booking, err error) {
	b.External = ref
	err = a.hold(func() error { out, err = a.st.Create(b, actor); return err })
	return out, err
}

func (a oparlStore) Update(id string, version uint64, actor string, change func(*rooms.Booking) error) (out rooms.Booking, err error) {
	err = a.hold(func() error { out, err = a.st.Update(id, version, actor, change); return err })
	return out, err
}

func (a oparlStore) Cancel(id string, version uint64, actor string) (rooms.Booking, error) {
	return a.st.Cancel(id, version, actor)
}

// oparlJob is the "oparl-import" action.
func (d *daemonProcess) oparlJob(config.Job) (string, error) {
	if d.oparl == nil {
		return "", errNoOParl
	}
	parent := d.ctx
	if parent == nil {
		parent = context.Background()
	}
	ctx, cancel := context.WithTimeout(parent, 10*time.Minute)
	defer cancel()
	rep, err := d.oparl.sync(ctx)
	if err != nil {
		return "", err
	}
	return oparlSummary(rep), nil
}

var errNoOParl = errors.New("no [oparl] endpoint is configured")

func oparlSummary(r oparl.Report) string {
	return fmt.Sprintf("%d meetings read: %d created, %d updated, %d cancelled, %d unchanged, %d unmapped, %d problems",
		r.Fetched, r.Created, r.Updated, r.Cancelled, r.Unchanged, r.Unmapped, len(r.Problems))
}
