package store

import (
	"errors"

	"github.com/kogge-project/kogge/rooms/store/kv"
)

// errNoAllocator: Reallocate needs an installed allocator.
var errNoAllocator = errors.New("store: no allocator installed")

// Reallocate runs the allocator for a booking as it is, in one write
// transaction, and stores the result: for bookings written before an
// allocator was installed (an upgrade), and after the provider
// configuration changed. refused is the allocator's refusal (e.g. no
// provider fits), returned apart from errors: the booking is untouched
// either way.
func (s *Store) Reallocate(bookingID string) (a Allocation, ok bool, refused, err error) {
	uid, err := parseID(bookingID)
	if err != nil {
		return a, false, nil, err
	}
	alloc := s.allocatorFn()
	if alloc == nil {
		return a, false, nil, errNoAllocator
	}
	now := s.now().UTC()
	err = s.update("reallocate", func(tx *kv.Tx) error {
		b, err := load(tx, uid)
		if err != nil {
			return err
		}
		if refused, err = allocate(tx, alloc, &b, uid, now); err != nil || refused != nil {
			return err
		}
		p, err := loadAlloc(tx, uid)
		if err != nil || p == nil {
			return err
		}
		a, ok = *p, true
		return nil
	})
	return a, ok, refused, err
}
