package oparl

import (
	"errors"
	"fmt"
	"sort"
	"sync"

	"github.com/kogge-project/kogge/rooms"
)

// memStore is a Store with rooms/store's semantics that matter to Sync:
// conflicts are refused and leave the booking alone, versions are checked,
// a change that changes nothing writes nothing.
type memStore struct {
	mu       sync.Mutex
	bookings map[string]rooms.Booking
	refs     map[string]string
	seq      int
	writes   int
	// beforeUpdate runs before each Update, to simulate a concurrent editor.
	beforeUpdate func(id string)
}

func newMemStore() *memStore {
	return &memStore{bookings: map[string]rooms.Booking{}, refs: map[string]string{}}
}

func (s *memStore) FindByExternal(ref string) (rooms.Booking, bool, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	id, ok := s.refs[ref]
	if !ok {
		return rooms.Booking{}, false, nil
	}
	return s.bookings[id], true, nil
}

func (s *memStore) conflicts(b *rooms.Booking) error {
	var cs []rooms.Booking
	for _, o := range s.bookings {
		if b.Collides(&o) {
			cs = append(cs, o)
		}
	}
	if len(cs) > 0 {
		sort.Slice(cs, func(i, j int) bool { return cs[i].Start.Before(cs[j].Start) })
		return &rooms.ConflictError{Conflicts: cs}
	}
	return nil
}

func (s *memStore) Create(ref string, b rooms.Booking, actor string) (rooms.Booking, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if ref != "" {
		if _, dup := s.refs[ref]; dup {
			return rooms.Booking{}, fmt.Errorf("external reference %s is taken", ref)
		}
	}
	if err := s.conflicts(&b); err != nil {
		return rooms.Booking{}, err
	}
	s.seq++
	b.ID, b.Version, b.CreatedBy, b.External = fmt.Sprintf("b%02d", s.seq), 1, actor, ref
	s.bookings[b.ID] = b
	if ref != "" {
		s.refs[ref] = b.ID
	}
	s.writes++
	return b, nil
}

func (s *memStore) Update(id string, version uint64, actor string, change func(*rooms.Booking) error) (rooms.Booking, error) {
	if s.beforeUpdate != nil {
		s.beforeUpdate(id)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	old, ok := s.bookings[id]
	if !ok {
		return rooms.Booking{}, rooms.ErrNotFound
	}
	if version != old.Version {
		return rooms.Booking{}, fmt.Errorf("booking %s: %w", id, rooms.ErrVersionMismatch)
	}
	nb := old
	if err := change(&nb); err != nil {
		return rooms.Booking{}, err
	}
	if nb == old {
		return old, nil
	}
	if err := s.conflicts(&nb); err != nil {
		return rooms.Booking{}, err
	}
	nb.Version++
	s.bookings[id] = nb
	s.writes++
	return nb, nil
}

func (s *memStore) Cancel(id string, version uint64, actor string) (rooms.Booking, error) {
	return s.Update(id, version, actor, func(b *rooms.Booking) error {
		b.Status = rooms.StatusCancelled
		return nil
	})
}

func (s *memStore) get(ref string) rooms.Booking {
	b, _, _ := s.FindByExternal(ref)
	return b
}

func (s *memStore) count() (writes, bookings int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.writes, len(s.bookings)
}

var errBroken = errors.New("disk on fire")
