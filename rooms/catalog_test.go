package rooms

import (
	"errors"
	"fmt"
	"reflect"
	"slices"
	"strings"
	"sync"
	"testing"
)

func catalogRooms() []Room {
	return []Room{
		{ID: "ratssaal", Name: "Ratssaal", Capacity: 80, Hours: AlwaysOpen()},
		{ID: "interviewraum", Name: "Interviewraum", Capacity: 8, Hours: AlwaysOpen()},
		{ID: "sitzungszimmer-2", Name: "Sitzungszimmer 2", Capacity: 20, Hours: AlwaysOpen()},
	}
}

func ids(rs []Room) []string {
	out := make([]string, len(rs))
	for i, r := range rs {
		out[i] = r.ID
	}
	return out
}

// futureOf is a future() backed by a fixed map, recording which rooms it
// was asked about.
type futureOf struct {
	bookings map[string][]Booking
	err      error
	asked    []string
}

func (f *futureOf) future(room string) ([]Booking, error) {
	f.asked = append(f.asked, room)
	if f.err != nil {
		return nil, f.err
	}
	return f.bookings[room], nil
}

func TestCatalogGetAll(t *testing.T) {
	in := catalogRooms()
	c := NewCatalog(in)
	if got, want := ids(c.All()), []string{"interviewraum", "ratssaal", "sitzungszimmer-2"}; !slices.Equal(got, want) {
		t.Errorf("All = %v, want %v (by id)", got, want)
	}
	if r, ok := c.Get("ratssaal"); !ok || r.Name != "Ratssaal" {
		t.Errorf("Get(ratssaal) = %v, %v", r, ok)
	}
	if _, ok := c.Get("keller"); ok {
		t.Error("Get(keller) found a room")
	}
	// Neither the input nor All's result is shared with the catalog.
	in[0].Name = "changed"
	all := c.All()
	all[0].Name = "changed"
	if r, _ := c.Get("ratssaal"); r.Name != "Ratssaal" {
		t.Errorf("catalog changed through its input: %q", r.Name)
	}
	if got := c.All()[0].Name; got != "Interviewraum" {
		t.Errorf("catalog changed through All: %q", got)
	}
}

func TestCatalogReplace(t *testing.T) {
	inUse := map[string][]Booking{
		"ratssaal": {
			booking("01JBOOKING1", "ratssaal", utc(2026, 12, 1, 15, 0), utc(2026, 12, 1, 17, 0)),
			func() Booking {
				b := booking("01JBOOKING2", "ratssaal", utc(2026, 12, 8, 15, 0), utc(2026, 12, 8, 17, 0))
				b.Title = `Haushalt "2027"`
				return b
			}(),
		},
		"interviewraum": {booking("01JBOOKING3", "interviewraum", utc(2026, 12, 2, 9, 0), utc(2026, 12, 2, 10, 0))},
	}
	without := func(drop ...string) []Room {
		var out []Room
		for _, r := range catalogRooms() {
			if !slices.Contains(drop, r.ID) {
				out = append(out, r)
			}
		}
		return out
	}
	keller := Room{ID: "keller", Name: "Keller", Capacity: 5, Hours: AlwaysOpen()}
	renamed := catalogRooms()
	renamed[1].Name = "Ratssaal (renoviert)"
	storeDown := errors.New("store is closed")

	tests := []struct {
		name      string
		next      []Room
		future    futureOf
		wantIDs   []string // after Replace; nil means unchanged
		wantAsked []string
		wantInUse map[string][]string // room -> booking ids in the RoomsInUseError
		wantErr   error
		wantInMsg []string
	}{
		{name: "add a room", next: append(catalogRooms(), keller), future: futureOf{bookings: inUse},
			wantIDs: []string{"interviewraum", "keller", "ratssaal", "sitzungszimmer-2"}},
		{name: "change a room", next: renamed, future: futureOf{bookings: inUse},
			wantIDs: []string{"interviewraum", "ratssaal", "sitzungszimmer-2"}},
		{name: "remove an unused room", next: without("sitzungszimmer-2"), future: futureOf{bookings: inUse},
			wantIDs: []string{"interviewraum", "ratssaal"}, wantAsked: []string{"sitzungszimmer-2"}},
		{name: "remove a room in use", next: without("ratssaal"), future: futureOf{bookings: inUse},
			wantAsked: []string{"ratssaal"},
			wantInUse: map[string][]string{"ratssaal": {"01JBOOKING1", "01JBOOKING2"}},
			wantInMsg: []string{
				`cannot remove rooms that future bookings use: room "ratssaal" is still booked by `,
				`01JBOOKING1 on 2026-12-01T15:00:00Z`,
				`01JBOOKING2 on 2026-12-08T15:00:00Z`,
				"(cancel or move those bookings first)",
			}},
		{name: "remove two rooms in use and one unused, add one", next: []Room{keller}, future: futureOf{bookings: inUse},
			wantAsked: []string{"interviewraum", "ratssaal", "sitzungszimmer-2"},
			wantInUse: map[string][]string{"ratssaal": {"01JBOOKING1", "01JBOOKING2"}, "interviewraum": {"01JBOOKING3"}},
			wantInMsg: []string{`room "interviewraum" is still booked by 01JBOOKING3 on 2026-12-02T09:00:00Z; room "ratssaal" is still booked by 01JBOOKING1`}},
		{name: "store fails", next: without("sitzungszimmer-2"), future: futureOf{err: storeDown},
			wantAsked: []string{"sitzungszimmer-2"}, wantErr: storeDown,
			wantInMsg: []string{`checking bookings of room "sitzungszimmer-2": store is closed`}},
		{name: "nothing removed, store not asked", next: catalogRooms(), future: futureOf{err: storeDown},
			wantIDs: []string{"interviewraum", "ratssaal", "sitzungszimmer-2"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := NewCatalog(catalogRooms())
			before := c.All()
			err := c.Replace(tt.next, tt.future.future)
			if !slices.Equal(tt.future.asked, tt.wantAsked) {
				t.Errorf("future asked about %v, want %v", tt.future.asked, tt.wantAsked)
			}
			if tt.wantIDs != nil {
				if err != nil {
					t.Fatalf("Replace = %v, want nil", err)
				}
				if got := ids(c.All()); !slices.Equal(got, tt.wantIDs) {
					t.Errorf("after Replace: %v, want %v", got, tt.wantIDs)
				}
				for _, r := range tt.next {
					if got, ok := c.Get(r.ID); !ok || !reflect.DeepEqual(got, r) {
						t.Errorf("Get(%s) = %+v, %v; want %+v", r.ID, got, ok, r)
					}
				}
				return
			}
			if err == nil {
				t.Fatal("Replace = nil, want a refusal")
			}
			if tt.wantErr != nil && !errors.Is(err, tt.wantErr) {
				t.Errorf("Replace = %v, want it to wrap %v", err, tt.wantErr)
			}
			if tt.wantInUse != nil {
				var ie *RoomsInUseError
				if !errors.As(err, &ie) {
					t.Fatalf("Replace = %T %v, want *RoomsInUseError", err, err)
				}
				got := map[string][]string{}
				for room, bs := range ie.Bookings {
					for _, b := range bs {
						got[room] = append(got[room], b.ID)
					}
				}
				if !reflect.DeepEqual(got, tt.wantInUse) {
					t.Errorf("rooms in use = %v, want %v", got, tt.wantInUse)
				}
			}
			for _, s := range tt.wantInMsg {
				if !strings.Contains(err.Error(), s) {
					t.Errorf("error %q does not contain %q", err, s)
				}
			}
			// A refused reload changes nothing.
			if after := c.All(); !reflect.DeepEqual(after, before) {
				t.Errorf("catalog changed by a refused Replace: %v, was %v", ids(after), ids(before))
			}
			for _, r := range tt.next {
				if _, ok := c.Get(r.ID); ok && !slices.Contains(ids(before), r.ID) {
					t.Errorf("room %s added by a refused Replace", r.ID)
				}
			}
		})
	}
}

// TestCatalogConcurrent reads while reloads swap the catalog; run with -race.
// Every read sees one whole generation: All's rooms all carry the same name
// suffix, and Get never misses a room every generation has.
func TestCatalogConcurrent(t *testing.T) {
	gen := func(n int) []Room {
		rs := catalogRooms()
		for i := range rs {
			rs[i].Name = fmt.Sprintf("%s #%d", rs[i].Name, n)
		}
		if n%2 == 1 {
			rs = append(rs, Room{ID: "keller", Name: fmt.Sprintf("Keller #%d", n)})
		}
		return rs
	}
	c := NewCatalog(gen(0))
	none := func(string) ([]Booking, error) { return nil, nil }
	var wg sync.WaitGroup
	stop := make(chan struct{})
	for range 4 {
		wg.Go(func() {
			for {
				select {
				case <-stop:
					return
				default:
				}
				all := c.All()
				suffix := all[0].Name[strings.LastIndex(all[0].Name, " #"):]
				for _, r := range all {
					if !strings.HasSuffix(r.Name, suffix) {
						t.Errorf("torn read: %q and %q", all[0].Name, r.Name)
						return
					}
				}
				if _, ok := c.Get("ratssaal"); !ok {
					t.Error("ratssaal missing during a reload")
					return
				}
			}
		})
	}
	for n := 1; n <= 500; n++ {
		if err := c.Replace(gen(n), none); err != nil {
			t.Fatal(err)
		}
	}
	close(stop)
	wg.Wait()
}

func TestConflictError(t *testing.T) {
	err := &ConflictError{Conflicts: []Booking{
		booking("01JA", "ratssaal", utc(2026, 12, 1, 15, 0), utc(2026, 12, 1, 17, 0)),
		booking("01JB", "ratssaal", utc(2026, 12, 1, 17, 0), utc(2026, 12, 1, 18, 30)),
	}}
	want := "the room is already booked: 01JA (2026-12-01T15:00Z–17:00Z), 01JB (2026-12-01T17:00Z–18:30Z)"
	if got := err.Error(); got != want {
		t.Errorf("ConflictError = %q, want %q", got, want)
	}
}
