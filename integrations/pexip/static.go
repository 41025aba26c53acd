package pexip

import (
	"errors"
	"fmt"
	"sort"
	"sync"
	"time"
)

// StaticRoom is a DFNconf room created by hand in the DFN portal. DFNconf
// offers customers no provisioning API, so Kogge can only assign rooms that
// already exist ([[providers.pexip.static_rooms]] in the config).
type StaticRoom struct {
	Alias            string
	HostPIN          string
	GuestPIN         string
	JoinURL          string
	ParticipantLimit int
}

// Errors returned by StaticPool.
var (
	ErrNoFreeRoom      = errors.New("pexip: no free static room for the interval")
	ErrInvalidInterval = errors.New("pexip: interval end must be after start")
	ErrOwnerHasRoom    = errors.New("pexip: owner already holds a static room")
	ErrUnknownRoom     = errors.New("pexip: unknown static room")
)

// Lease is one room held by one owner (normally a booking ID) for the
// half-open interval [Start, End). Buffers are the caller's business: it
// passes the interval it wants blocked.
type Lease struct {
	Owner      string
	Room       StaticRoom
	Start, End time.Time
}

// StaticPool allocates static rooms like licences: a room is free for an
// interval when no lease on it overlaps. It does no I/O and reads no clock,
// so callers decide what "now" is and may persist leases in their own
// transactions; Restore reloads them.
type StaticPool struct {
	mu     sync.Mutex
	rooms  []StaticRoom       // config order, used as tie-break
	leases map[string][]Lease // by room alias
	owners map[string]Lease   // by owner
}

// NewStaticPool validates the rooms (non-empty unique aliases, positive
// limits) because a typo in the config would otherwise double-book a room.
func NewStaticPool(rooms []StaticRoom) (*StaticPool, error) {
	seen := map[string]bool{}
	for i, r := range rooms {
		switch {
		case r.Alias == "":
			return nil, fmt.Errorf("pexip: static room %d: empty alias", i)
		case seen[r.Alias]:
			return nil, fmt.Errorf("pexip: static room %q listed twice", r.Alias)
		case r.ParticipantLimit <= 0:
			return nil, fmt.Errorf("pexip: static room %q: participant_limit must be > 0", r.Alias)
		}
		seen[r.Alias] = true
	}
	return &StaticPool{
		rooms:  append([]StaticRoom(nil), rooms...),
		leases: map[string][]Lease{},
		owners: map[string]Lease{},
	}, nil
}

// Size is the number of rooms in the pool.
func (p *StaticPool) Size() int { return len(p.rooms) }

// Allocate reserves a room with at least participants places for
// [start, end). Among free rooms it picks the smallest sufficient one so
// that large rooms stay available for large meetings; ties go to config
// order, which keeps the choice deterministic.
func (p *StaticPool) Allocate(owner string, start, end time.Time, participants int) (Lease, error) {
	if !end.After(start) {
		return Lease{}, ErrInvalidInterval
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if _, ok := p.owners[owner]; ok {
		return Lease{}, ErrOwnerHasRoom
	}
	best := -1
	for i, r := range p.rooms {
		if r.ParticipantLimit < participants || !p.freeLocked(r.Alias, start, end) {
			continue
		}
		if best < 0 || r.ParticipantLimit < p.rooms[best].ParticipantLimit {
			best = i
		}
	}
	if best < 0 {
		return Lease{}, ErrNoFreeRoom
	}
	l := Lease{Owner: owner, Room: p.rooms[best], Start: start, End: end}
	p.addLocked(l)
	return l, nil
}

// Restore re-registers a lease loaded from storage after a restart. It
// refuses overlaps so that a corrupted store cannot silently double-book.
func (p *StaticPool) Restore(owner, alias string, start, end time.Time) (Lease, error) {
	if !end.After(start) {
		return Lease{}, ErrInvalidInterval
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if _, ok := p.owners[owner]; ok {
		return Lease{}, ErrOwnerHasRoom
	}
	for _, r := range p.rooms {
		if r.Alias != alias {
			continue
		}
		if !p.freeLocked(alias, start, end) {
			return Lease{}, ErrNoFreeRoom
		}
		l := Lease{Owner: owner, Room: r, Start: start, End: end}
		p.addLocked(l)
		return l, nil
	}
	return Lease{}, ErrUnknownRoom
}

// Release frees the owner's room. Releasing twice is harmless because
// cancellation and end-of-meeting cleanup may both fire.
func (p *StaticPool) Release(owner string) bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	l, ok := p.owners[owner]
	if !ok {
		return false
	}
	delete(p.owners, owner)
	ls := p.leases[l.Room.Alias]
	for i := range ls {
		if ls[i].Owner == owner {
			p.leases[l.Room.Alias] = append(ls[:i:i], ls[i+1:]...)
			break
		}
	}
	return true
}

// Lookup returns the owner's lease, if any.
func (p *StaticPool) Lookup(owner string) (Lease, bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	l, ok := p.owners[owner]
	return l, ok
}

// InUse counts rooms leased at instant t (a gauge for metrics).
func (p *StaticPool) InUse(t time.Time) int {
	p.mu.Lock()
	defer p.mu.Unlock()
	n := 0
	for _, ls := range p.leases {
		for _, l := range ls {
			if !t.Before(l.Start) && t.Before(l.End) {
				n++
				break
			}
		}
	}
	return n
}

// Leases returns a snapshot sorted by start, then owner.
func (p *StaticPool) Leases() []Lease {
	p.mu.Lock()
	out := make([]Lease, 0, len(p.owners))
	for _, l := range p.owners {
		out = append(out, l)
	}
	p.mu.Unlock()
	sort.Slice(out, func(i, j int) bool {
		if !out[i].Start.Equal(out[j].Start) {
			return out[i].Start.Before(out[j].Start)
		}
		return out[i].Owner < out[j].Owner
	})
	return out
}

func (p *StaticPool) freeLocked(alias string, start, end time.Time) bool {
	for _, l := range p.leases[alias] {
		if start.Before(l.End) && l.Start.Before(end) {
			return false
		}
	}
	return true
}

func (p *StaticPool) addLocked(l Lease) {
	p.leases[l.Room.Alias] = append(p.leases[l.Room.Alias], l)
	p.owners[l.Owner] = l
}
