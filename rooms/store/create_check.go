package store

// The read phase of Create: everything that can refuse a booking, and the
// allocator's choice of licence, decided in a read transaction before the
// booking enters the write transaction. A refusal (room taken, reference
// taken, no provider fits) then costs no commit and no fsync, and the
// write transaction holds only the checks that must be repeated there:
// the room's collisions and the chosen licence's one index scan
// (writeAlloc). bench/storevspg measures the difference.

import (
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/oklog/ulid/v2"

	"github.com/kogge-project/kogge/rooms"
	"github.com/kogge-project/kogge/rooms/store/kv"
)

// precheck is what the read phase found for one booking.
type precheck struct {
	conflict *rooms.ConflictError
	taken    error
	// refused is the allocator's refusal, final unless sawClaim.
	refused error
	// alloc is the allocator's choice (nil: none or not asked).
	alloc *Allocation
	// sawClaim: a licence looked busy only because another create in
	// flight claimed it. Such a refusal is not final: the claim may come
	// to nothing, so the write transaction decides again.
	sawClaim bool
}

// precheckCreate runs the checks of Create's write transaction in a read
// transaction: the external reference, the room's collisions and, with
// an allocator, its choice, seeing both the committed licences and those
// claimed by creates in flight.
func (s *Store) precheckCreate(b *rooms.Booking, id ulid.ULID, alloc Allocator) (precheck, error) {
	var p precheck
	err := s.view("create_check", func(tx *kv.Tx) error {
		p = precheck{}
		if b.External != "" {
			if owner := tx.Bucket(bucketByExternal).Get([]byte(b.External)); owner != nil {
				p.taken = fmt.Errorf("external reference %q is booking %s's: %w", b.External, ownerText(owner), ErrExternalExists)
				return nil
			}
		}
		cs, err := collisions(tx, b)
		if err != nil {
			return err
		}
		if len(cs) > 0 {
			p.conflict = &rooms.ConflictError{Conflicts: cs}
			return nil
		}
		if alloc == nil || !b.Status.Blocks() {
			return nil
		}
		busy := func(provider, licence string, from, to time.Time) (bool, error) {
			held, err := busy(tx, id, provider, licence, from, to)
			if err != nil || held {
				return held, err
			}
			if s.claims.held(id, provider, licence, from, to) {
				p.sawClaim = true
				return true, nil
			}
			return false, nil
		}
		next, aerr := alloc(*b, nil, busy)
		if aerr != nil {
			p.refused = aerr
			return nil
		}
		if next != nil {
			c := next.Clone()
			p.alloc = &c
		}
		return nil
	})
	return p, err
}

// claims are the licences chosen by creates between their read phase and
// their commit: the read phase of another create treats them as held, so
// that concurrent creates choose different licences instead of racing for
// the first free one and losing all but one in the write transaction.
// A claim is only a hint; writeAlloc's check in the write transaction
// remains what guarantees that no licence is held twice.
type claims struct {
	mu sync.Mutex
	m  map[string][]claim // provider|0|licence
}

type claim struct {
	id       ulid.ULID
	from, to time.Time
}

func claimKey(provider, licence string) string { return provider + "\x00" + licence }

// held reports whether a create other than self claimed the licence at
// some instant of [from, to).
func (c *claims) held(self ulid.ULID, provider, licence string, from, to time.Time) bool {
	if licence == "" {
		return false
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, o := range c.m[claimKey(provider, licence)] {
		if o.id != self && o.from.Before(to) && from.Before(o.to) {
			return true
		}
	}
	return false
}

// add claims a's licence for booking id unless another create claimed it
// over the interval since the read phase looked; the returned func drops
// the claim. ok is false (and nothing claimed) on such a clash.
func (c *claims) add(id ulid.ULID, a *Allocation) (drop func(), ok bool) {
	if a == nil || !a.holds() || a.Licence == "" {
		return func() {}, true
	}
	k := claimKey(a.Provider, a.Licence)
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, o := range c.m[k] {
		if o.id != id && o.from.Before(a.To) && a.From.Before(o.to) {
			return nil, false
		}
	}
	if c.m == nil {
		c.m = map[string][]claim{}
	}
	c.m[k] = append(c.m[k], claim{id, a.From, a.To})
	return func() {
		c.mu.Lock()
		defer c.mu.Unlock()
		list := c.m[k]
		for i, o := range list {
			if o.id == id {
				list = append(list[:i], list[i+1:]...)
				break
			}
		}
		if len(list) == 0 {
			delete(c.m, k)
		} else {
			c.m[k] = list
		}
	}, true
}

// maxPrecheck bounds the read phases of one create that lost its chosen
// licence to a concurrent claim; after that the write transaction decides.
const maxPrecheck = 3

// precheckAndClaim runs the read phase and claims the licence it chose.
// claimed reports whether the choice stands for the write transaction
// (false: decide there, as the allocator's contract allows).
func (s *Store) precheckAndClaim(b *rooms.Booking, id ulid.ULID, alloc Allocator) (p precheck, drop func(), claimed bool, err error) {
	for range maxPrecheck {
		p, err = s.precheckCreate(b, id, alloc)
		if err != nil || p.conflict != nil || p.taken != nil || p.refused != nil || p.alloc == nil {
			return p, func() {}, false, err
		}
		if drop, ok := s.claims.add(id, p.alloc); ok {
			return p, drop, true, nil
		}
	}
	return p, func() {}, false, nil
}

// placeAlloc stores the allocation the read phase chose, re-checking only
// its licence (writeAlloc: one bounded index scan). If a concurrent
// writer took it meanwhile (a create that bypassed the claims, an update,
// the worker) the allocator decides again inside the transaction.
func placeAlloc(tx *kv.Tx, alloc Allocator, chosen *Allocation, b *rooms.Booking, id ulid.ULID, now time.Time) (refused, err error) {
	_, refused, err = writeAlloc(tx, id, nil, chosen.Clone(), now)
	if err != nil || refused == nil || !errors.Is(refused, ErrLicenceTaken) {
		return refused, err
	}
	return allocate(tx, alloc, b, id, now)
}
