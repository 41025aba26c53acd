package store

import (
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/kogge-project/kogge/rooms"
)

// heard collects what the feed publishes.
type heard struct {
	mu  sync.Mutex
	got []rooms.Change
}

func listen(t *testing.T, s *Store) *heard {
	h := &heard{}
	t.Cleanup(s.Subscribe(func(c rooms.Change) {
		h.mu.Lock()
		h.got = append(h.got, c)
		h.mu.Unlock()
	}))
	return h
}

// take returns what was heard since the last take, as "actor action
// before→after" lines.
func (h *heard) take() []string {
	h.mu.Lock()
	defer h.mu.Unlock()
	var out []string
	for _, c := range h.got {
		state := func(b *rooms.Booking) string {
			if b == nil {
				return "-"
			}
			return string(b.Status)
		}
		out = append(out, fmt.Sprintf("%s %s %s→%s", c.Actor, c.Action, state(c.Before), state(c.After)))
	}
	h.got = nil
	return out
}

// Every committed operation on bookings, whatever its source, is heard
// exactly once, after its commit, with before, after, actor and action; a
// refused or rolled-back one is never heard.
func TestEveryCommittedChangeIsPublishedOnce(t *testing.T) {
	s := MustOpen(t)
	h := listen(t, s)
	var base rooms.Booking
	var sr rooms.Series
	var seriesBookings []rooms.Booking
	steps := []struct {
		source string
		op     func() error
		want   []string // one line per change; empty: none
	}{
		{"API: book", func() (err error) {
			base, err = s.Create(at("a", t0.Add(time.Hour), time.Hour), "anna")
			return err
		}, []string{"anna create -→confirmed"}},
		{"council import: a meeting long past (for the purge below)", func() error {
			_, err := s.Create(at("p", t0.Add(-100*week), time.Hour), "oparl")
			return err
		}, []string{"oparl create -→confirmed"}},
		{"API: a conflict is refused", func() error {
			_, err := s.Create(at("a", t0.Add(time.Hour), time.Hour), "anna")
			var ce *rooms.ConflictError
			if !errors.As(err, &ce) {
				return fmt.Errorf("want a conflict, got %v", err)
			}
			return nil
		}, nil},
		{"API: update", func() (err error) {
			base, err = s.Update(base.ID, base.Version, "anna", func(b *rooms.Booking) error { b.Title = "Neu"; return nil })
			return err
		}, []string{"anna update confirmed→confirmed"}},
		{"API: a stale update is refused", func() error {
			_, err := s.Update(base.ID, base.Version-1, "anna", func(b *rooms.Booking) error { b.Title = "Alt"; return nil })
			if err == nil {
				return errors.New("a stale version was accepted")
			}
			return nil
		}, nil},
		{"panel: check in", func() (err error) {
			base, err = s.Transition(base.ID, "checkin", "panel:Tür (p1)", func(b *rooms.Booking) (bool, error) {
				b.CheckedIn = t0
				return true, nil
			})
			return err
		}, []string{"panel:Tür (p1) checkin confirmed→confirmed"}},
		{"timeline: a transition that decides nothing writes nothing", func() error {
			_, err := s.Transition(base.ID, "end", "timeline", func(*rooms.Booking) (bool, error) { return false, nil })
			return err
		}, nil},
		{"timeline: release", func() (err error) {
			base, err = s.Transition(base.ID, "release", "timeline", func(b *rooms.Booking) (bool, error) {
				b.Status = rooms.StatusReleased
				return true, nil
			})
			return err
		}, []string{"timeline release confirmed→released"}},
		{"API: series", func() (err error) {
			sr, seriesBookings, _, err = s.CreateSeries(newSeries("b", t0.Add(24*time.Hour)), weekly("b", t0.Add(24*time.Hour), 3, week, 3*time.Hour), false, "bernd")
			return err
		}, []string{"bernd create -→confirmed", "bernd create -→confirmed", "bernd create -→confirmed"}},
		{"job: series extension", func() error {
			beyond := sr.MaterialisedUntil.Add(week)
			_, _, err := s.AppendOccurrences(sr.ID, sr.Version, weekly("b", beyond, 1, week, 3*time.Hour), beyond.Add(4*week), "job:extend-series")
			return err
		}, []string{"job:extend-series create -→confirmed"}},
		{"API: series cancelled from its second meeting", func() error {
			_, err := s.CancelSeries(sr.ID, seriesBookings[1].Start, "bernd", func(*rooms.Series) error { return nil })
			return err
		}, []string{"bernd cancel confirmed→cancelled", "bernd cancel confirmed→cancelled", "bernd cancel confirmed→cancelled"}}, // the 2nd, the 3rd and the extension
		{"preview: a dry run is never heard", func() error {
			_, _, err := s.PreviewSeries(weekly("c", t0.Add(24*time.Hour), 2, week, time.Hour), "bernd")
			return err
		}, nil},
		{"purge", func() error {
			_, err := s.Purge(func(rooms.Kind) time.Time { return t0.Add(-week) }, time.Time{})
			return err
		}, nil}, // checked below: every booking, deleted
	}
	for _, st := range steps {
		if err := st.op(); err != nil {
			t.Fatalf("%s: %v", st.source, err)
		}
		got := h.take()
		if st.source == "purge" {
			if len(got) != 1 {
				t.Errorf("purge: %d changes, want one per booking: %q", len(got), got)
			}
			for _, g := range got {
				if !strings.HasPrefix(g, "purge purge ") || !strings.HasSuffix(g, "→-") {
					t.Errorf("purge: %q", g)
				}
			}
			continue
		}
		if strings.Join(got, "\n") != strings.Join(st.want, "\n") {
			t.Errorf("%s: heard\n  %q\nwant\n  %q", st.source, got, st.want)
		}
	}
}

// A provider move is a change of the booking's meeting: heard once, the
// booking itself as it was; an allocation change that moves nothing is not.
func TestProviderMoveIsPublished(t *testing.T) {
	s := MustOpen(t)
	s.SetAllocator(firstFree("gotomeeting", pool(2)))
	b := at("a", t0.Add(time.Hour), time.Hour)
	b.Hybrid = rooms.Hybrid{Enabled: true, ExpectedRemote: 3}
	b = mustCreate(t, s, b)
	h := listen(t, s)
	if _, err := s.UpdateAllocation(b.ID, "broker", func(_ rooms.Booking, a *Allocation) error { a.Attempts++; return nil }); err != nil {
		t.Fatal(err)
	}
	if got := h.take(); len(got) != 0 {
		t.Fatalf("an attempt count was heard: %q", got)
	}
	if _, err := s.UpdateAllocation(b.ID, "broker", func(_ rooms.Booking, a *Allocation) error {
		a.Provider, a.Licence = "pexip", ""
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	if got := h.take(); len(got) != 1 || got[0] != "broker provider.move confirmed→confirmed" {
		t.Fatalf("heard %q", got)
	}
}

// Creates that share one commit (a group commit) are each heard once.
func TestBatchedCreatesArePublishedOnceEach(t *testing.T) {
	s := MustOpen(t)
	h := listen(t, s)
	const n = 32
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			// Every other one collides with its neighbour: refused ones
			// must not be heard, and must not cost the others their turn.
			start := t0.Add(time.Duration(i/2) * 2 * time.Hour)
			_, _ = s.Create(at("a", start, time.Hour), "anna")
		})
	}
	wg.Wait()
	if got := h.take(); len(got) != n/2 {
		t.Fatalf("%d changes heard for %d bookings made", len(got), n/2)
	}
}
