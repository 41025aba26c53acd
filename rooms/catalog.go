package rooms

import (
	"fmt"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// Catalog is the set of rooms currently declared in the configuration. It is
// read on every request and replaced as a whole on reload, so readers never
// lock and never see half a reload.
type Catalog struct {
	current atomic.Pointer[catalogSnapshot]
	// held is read-locked while a booking is written (Hold) and
	// write-locked by Replace, so a reload cannot remove a room between
	// "the room exists" and "the booking is stored".
	held sync.RWMutex
}

type catalogSnapshot struct {
	list []Room
	byID map[string]Room
}

// NewCatalog returns a catalog holding rs.
func NewCatalog(rs []Room) *Catalog {
	c := &Catalog{}
	c.current.Store(snapshot(rs))
	return c
}

func snapshot(rs []Room) *catalogSnapshot {
	s := &catalogSnapshot{list: append([]Room(nil), rs...), byID: make(map[string]Room, len(rs))}
	for _, r := range rs {
		s.byID[r.ID] = r
	}
	sort.Slice(s.list, func(i, j int) bool { return s.list[i].ID < s.list[j].ID })
	return s
}

// Get returns the room with the given id.
func (c *Catalog) Get(id string) (Room, bool) {
	r, ok := c.current.Load().byID[id]
	return r, ok
}

// All returns every room, ordered by id. The slice is the caller's.
func (c *Catalog) All() []Room {
	return append([]Room(nil), c.current.Load().list...)
}

// Hold runs fn, which may look up rooms and store bookings in them, with
// no reload in between. Many fn run at once; a reload waits for them.
func (c *Catalog) Hold(fn func() error) error {
	c.held.RLock()
	defer c.held.RUnlock()
	return fn()
}

// RoomsInUseError refuses a reload that would remove rooms future bookings
// still use. Bookings maps each such room id to those bookings.
type RoomsInUseError struct {
	Bookings map[string][]Booking
}

func (e *RoomsInUseError) Error() string {
	var parts []string
	ids := make([]string, 0, len(e.Bookings))
	for id := range e.Bookings {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	for _, id := range ids {
		var bs []string
		for _, b := range e.Bookings[id] {
			// Ids and times only: this message goes to the log, titles are
			// meeting content (docs/security.md §4).
			bs = append(bs, fmt.Sprintf("%s on %s", b.ID, b.Start.UTC().Format(time.RFC3339)))
		}
		parts = append(parts, fmt.Sprintf("room %q is still booked by %s", id, strings.Join(bs, ", ")))
	}
	return "cannot remove rooms that future bookings use: " + strings.Join(parts, "; ") + " (cancel or move those bookings first)"
}

// Replace swaps in a new set of rooms. Removing a room is refused while
// future bookings use it: future returns a room's bookings that have not
// ended and are not cancelled.
func (c *Catalog) Replace(rs []Room, future func(room string) ([]Booking, error)) error {
	c.held.Lock()
	defer c.held.Unlock()
	next := snapshot(rs)
	inUse := map[string][]Booking{}
	for _, old := range c.current.Load().list {
		if _, kept := next.byID[old.ID]; kept {
			continue
		}
		bs, err := future(old.ID)
		if err != nil {
			return fmt.Errorf("checking bookings of room %q: %w", old.ID, err)
		}
		if len(bs) > 0 {
			inUse[old.ID] = bs
		}
	}
	if len(inUse) > 0 {
		return &RoomsInUseError{Bookings: inUse}
	}
	c.current.Store(next)
	return nil
}
