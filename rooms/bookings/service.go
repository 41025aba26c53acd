package bookings

import (
	"errors"
	"fmt"
	"time"

	"github.com/kogge-project/kogge/rooms"
)

// Actor is who asks for a change.
type Actor struct {
	// Name is who acts ("anna", "panel:Ratssaal-Tür (p1)", "timeline"):
	// a booking's creator may act on it even when it is confidential.
	Name string
	// AuditName, if set, is how the audit log names the actor instead of
	// Name (an API token acting for its user: "anna (token)").
	AuditName string
	// Admin may read and act on every booking.
	Admin bool
	// Room is set for a room panel: it acts on that room's bookings only,
	// whatever it may read.
	Room string
	// System is the daemon itself (the timeline, a job, the import).
	System bool
}

// MayRead says whether a may see b's details: confidential bookings only
// their creator, admins and the daemon.
func (a Actor) MayRead(b *rooms.Booking) bool {
	return !b.Confidential || a.Admin || a.System || a.Name == b.CreatedBy
}

// MayAct says whether a may check b in, extend or end it.
func (a Actor) MayAct(b *rooms.Booking) bool {
	if a.Room != "" {
		return a.Room == b.Room
	}
	return a.MayRead(b)
}

func (a Actor) audit() string {
	if a.AuditName != "" {
		return a.AuditName
	}
	return a.Name
}

// ErrForbidden: the actor may not act on this booking.
var ErrForbidden = errors.New("bookings: not allowed for this actor")

// Refusal is a rule saying no. Code is the stable problem type
// ("wrong-state", "invalid-field"), Field the request field it is about
// (if any), Key and Args the message (key/value pairs; times are in the
// room's zone).
type Refusal struct {
	Code  string
	Field string
	Key   string
	Args  []any
}

// MessageKey is a value of a Refusal that is itself a message (a status
// said in words), not text to show as it is.
type MessageKey string

func (r *Refusal) Error() string { return fmt.Sprintf("bookings: %s (%s)", r.Code, r.Key) }

func wrongState(key string, args ...any) *Refusal {
	return &Refusal{Code: "wrong-state", Key: key, Args: args}
}

// Store is what the service needs of the store: conditional transitions
// and versioned updates, each one write transaction (with its audit entry).
type Store interface {
	Transition(id, action, actor string, decide func(*rooms.Booking) (bool, error)) (rooms.Booking, error)
	Update(id string, version uint64, actor string, change func(*rooms.Booking) error) (rooms.Booking, error)
	Create(b rooms.Booking, actor string) (rooms.Booking, error)
	Get(id string) (rooms.Booking, error)
	Cancel(id string, version uint64, actor string) (rooms.Booking, error)
	FindByExternal(ref string) (rooms.Booking, bool, error)
	// Series (series.go, series_gaps.go): each operation is one transaction.
	GetSeries(id string) (rooms.Series, error)
	ListSeries() ([]rooms.Series, error)
	SeriesBookings(id string, from time.Time) ([]rooms.Booking, error)
	CreateSeries(sr rooms.Series, occ []rooms.Booking, skipConflicts bool, actor string) (rooms.Series, []rooms.Booking, []rooms.SkippedOccurrence, error)
	PreviewSeries(occ []rooms.Booking, actor string) ([]rooms.Booking, []rooms.SkippedOccurrence, error)
	EditSeries(id string, version uint64, from time.Time, actor string, seriesChange func(*rooms.Series) error, change func(*rooms.Booking) (bool, error)) (rooms.Series, []rooms.Booking, error)
	CancelSeriesChecked(id string, from time.Time, actor string, check func([]rooms.Booking) error, cut func(*rooms.Series) error) ([]rooms.Booking, error)
	AppendOccurrences(id string, version uint64, occ []rooms.Booking, until time.Time, actor string) ([]rooms.Booking, []rooms.SkippedOccurrence, error)
	Overlapping(room string, from, to time.Time) ([]rooms.Booking, error)
	// The purge (purge.go).
	Purge(cutoff func(rooms.Kind) time.Time, accountsCutoff time.Time) (rooms.PurgeStats, error)
	RecomputeSpans() (lowered int, err error)
}

// Options are the service's dependencies.
type Options struct {
	Store Store
	// Room looks a room up by id (the catalog).
	Room func(id string) (rooms.Room, bool)
	Now  func() time.Time
	// Hold runs fn while the rooms cannot change (a reload waits); nil: fn
	// runs as it is.
	Hold func(fn func() error) error
	// Closures are the closures in force now (nil: none): series skip
	// their days, and "book now" is refused while one closes the room.
	Closures func() []rooms.Closure
	// HorizonMonths is how far ahead series are stored (0:
	// DefaultHorizonMonths).
	HorizonMonths int
}

// Service is the booking service.
type Service struct{ o Options }

// New builds the service.
func New(o Options) *Service {
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.Hold == nil {
		o.Hold = func(fn func() error) error { return fn() }
	}
	return &Service{o: o}
}

func (s *Service) room(b *rooms.Booking) (rooms.Room, error) {
	r, ok := s.o.Room(b.Room)
	if !ok {
		return r, rooms.UnknownRoom(b.Room)
	}
	return r, nil
}

// inZone is t in the room's zone, for a message.
func inZone(r rooms.Room, t time.Time) time.Time {
	if r.Zone == nil {
		return t
	}
	return t.In(r.Zone)
}

// DefaultHorizonMonths is how far ahead series are stored when
// Options.HorizonMonths is not set.
const DefaultHorizonMonths = 18

// closures are the closures in force now.
func (s *Service) closures() []rooms.Closure {
	if s.o.Closures == nil {
		return nil
	}
	return s.o.Closures()
}

// horizon is how far ahead series are stored.
func (s *Service) horizon(now time.Time) time.Time {
	months := s.o.HorizonMonths
	if months <= 0 {
		months = DefaultHorizonMonths
	}
	return now.AddDate(0, months, 0).UTC()
}
