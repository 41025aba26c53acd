package council

import (
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/kogge-project/kogge/rooms/store"
)

// Store is what the service needs of the booking store (*store.Store).
type Store interface {
	CouncilGet(bookingID string) ([]byte, error)
	CouncilUpdate(bookingID string, fn func(cur []byte) (next []byte, audit []store.AuditEntry, err error)) error
}

// Options configure a Service.
type Options struct {
	Store Store
	// Agenda returns the imported agenda of a booking's meeting (nil if
	// none); a new session is seeded with it.
	Agenda func(bookingID string) []ItemInput
	// Changed hears every stored change (after the commit); it must not
	// block and must not call back into the service.
	Changed func(bookingID string, v View)
	// Sitting says when a booking's session sits (Proceed refuses its
	// proceedings outside that); an error is the store's. Nil: always
	// (tests, and the demo writing a past session's history).
	Sitting func(bookingID string) (Sitting, error)
	Now     func() time.Time
}

// Sitting is when a session's proceedings can be recorded: from Opens
// until (not including) Closes, unless Off. The daemon gives its meeting's
// window (signaling/admission: the room's preparation lead before the
// start, the end grace after the end), so that the record and the
// meeting agree on when the session is open.
type Sitting struct {
	Opens, Closes time.Time
	// Off: the booking was cancelled or released; nothing is recorded.
	Off bool
}

// Refusals of proceedings outside the session's sitting.
var (
	errNotBegun  = refuse("session-not-begun", "The session has not begun yet: agenda items, votes and attendance are recorded only while it sits.")
	errEnded     = refuse("session-ended", "The session has ended: its record can no longer be changed.")
	errCancelled = refuse("session-cancelled", "The session does not take place: nothing can be recorded for it.")
)

// check refuses a proceeding at now outside the sitting.
func (t Sitting) check(now time.Time) error {
	switch {
	case t.Off:
		return errCancelled
	case now.Before(t.Opens):
		return errNotBegun
	case !now.Before(t.Closes):
		return errEnded
	}
	return nil
}

// Service keeps the sessions. Each change is one store transaction;
// bbolt serialises them, so two changes of one session never interleave.
type Service struct {
	o Options
}

// NewService returns a service; Now defaults to time.Now.
func NewService(o Options) *Service {
	if o.Now == nil {
		o.Now = time.Now
	}
	return &Service{o: o}
}

// Get returns a booking's session (a new, seeded one if it has none yet;
// nothing is stored until a change).
func (s *Service) Get(bookingID string) (*Session, error) {
	raw, agenda, err := s.load(bookingID)
	if err != nil {
		return nil, err
	}
	return s.decode(bookingID, raw, agenda)
}

// load reads a booking's stored session and, when it has none yet, the
// imported agenda to seed it with.
func (s *Service) load(bookingID string) (raw []byte, agenda []ItemInput, err error) {
	raw, err = s.o.Store.CouncilGet(bookingID)
	if err == nil && raw == nil && s.o.Agenda != nil {
		agenda = s.o.Agenda(bookingID)
	}
	return raw, agenda, err
}

func (s *Service) decode(bookingID string, raw []byte, agenda []ItemInput) (*Session, error) {
	if raw == nil {
		ses := New(bookingID)
		if s.o.Agenda != nil {
			ses.Seed(agenda)
		}
		ses.notes = nil // seeding is audited with the first stored change
		if ses.Seeded {
			ses.note("council_agenda_seed", "%d items from the council information system", len(ses.Agenda))
		}
		return ses, nil
	}
	ses := new(Session)
	if err := json.Unmarshal(raw, ses); err != nil {
		return nil, fmt.Errorf("council session of %s: %w", bookingID, err)
	}
	return ses, nil
}

// Update runs change on a booking's session and stores the result with
// its audit lines (actor: who did it, as the audit names people). A change
// that notes nothing stores nothing. The returned session is what was
// stored; an *Error from change is returned as is.
func (s *Service) Update(bookingID, actor string, change func(ses *Session, now time.Time) error) (*Session, error) {
	// The agenda a new session is seeded with is read before the write
	// transaction: Agenda reads the store, and a read transaction opened
	// inside a write transaction of the same goroutine can deadlock bbolt
	// (the write may need to remap the file).
	_, agenda, err := s.load(bookingID)
	if err != nil {
		return nil, err
	}
	var out *Session
	err = s.o.Store.CouncilUpdate(bookingID, func(cur []byte) ([]byte, []store.AuditEntry, error) {
		ses, err := s.decode(bookingID, cur, agenda)
		if err != nil {
			return nil, nil, err
		}
		now := s.o.Now()
		if err := change(ses, now); err != nil {
			return nil, nil, err
		}
		if len(ses.notes) == 0 {
			out = ses
			return nil, nil, errUnchanged
		}
		ses.Rev++
		entries := make([]store.AuditEntry, 0, len(ses.notes))
		for _, n := range ses.notes {
			entries = append(entries, store.AuditEntry{Time: now, Actor: actor, Action: n.action, Detail: n.detail})
		}
		ses.notes = nil
		raw, err := json.Marshal(ses)
		if err != nil {
			return nil, nil, err
		}
		out = ses
		return raw, entries, nil
	})
	if errors.Is(err, errUnchanged) {
		return out, nil
	}
	if err != nil {
		return nil, err
	}
	if s.o.Changed != nil {
		s.o.Changed(bookingID, out.View())
	}
	return out, nil
}

// Proceed is Update for the session's proceedings, which only happen
// while it sits (Options.Sitting): opening and closing agenda items,
// votes and ballots, speakers, presence in the room. Preparing the
// session (members, agenda, quorum) goes through Update at any time.
func (s *Service) Proceed(bookingID, actor string, change func(ses *Session, now time.Time) error) (*Session, error) {
	if s.o.Sitting == nil {
		return s.Update(bookingID, actor, change)
	}
	// Read before the write transaction, as the agenda in Update is.
	t, err := s.o.Sitting(bookingID)
	if err != nil {
		return nil, err
	}
	return s.Update(bookingID, actor, func(ses *Session, now time.Time) error {
		if err := t.check(now); err != nil {
			return err
		}
		return change(ses, now)
	})
}

// NotSitting says why a booking's session takes no proceedings now: ""
// while it sits, else the code Proceed refuses with ("session-not-begun",
// "session-ended", "session-cancelled"), for the page to show the record
// only.
func (s *Service) NotSitting(bookingID string) (string, error) {
	if s.o.Sitting == nil {
		return "", nil
	}
	t, err := s.o.Sitting(bookingID)
	if err != nil {
		return "", err
	}
	if e, ok := t.check(s.o.Now()).(*Error); ok {
		return e.Code, nil
	}
	return "", nil
}

// errUnchanged aborts the transaction of a change that changed nothing.
var errUnchanged = errors.New("council: unchanged")
