package main

import (
	"context"
	"log/slog"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/kogge-project/kogge/rooms"
	"github.com/kogge-project/kogge/rooms/av/roomav"
	"github.com/kogge-project/kogge/rooms/store"
	"github.com/kogge-project/kogge/rooms/timeline"
)

// testClock is a clock the test moves.
type testClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *testClock) now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *testClock) set(t time.Time) {
	c.mu.Lock()
	c.t = t
	c.mu.Unlock()
}

// hear runs collect over evs and returns once it has kept them all.
func hear(b *sceneBacklog, evs ...timeline.Event) {
	ch := make(chan timeline.Event, len(evs))
	for _, ev := range evs {
		ch <- ev
	}
	close(ch)
	b.collect(ch)
}

// received takes the next event from the follower, within 10 s.
func received(t *testing.T, out <-chan timeline.Event) timeline.Event {
	t.Helper()
	select {
	case ev := <-out:
		return ev
	case <-time.After(10 * time.Second):
		t.Fatal("no event within 10 s")
		return timeline.Event{}
	}
}

// nothingQueued fails if the follower has an event waiting: the replays
// are handed before follow and Set return (Set's within the follower's
// round, which the test waits for through a later event).
func nothingQueued(t *testing.T, out <-chan timeline.Event) {
	t.Helper()
	select {
	case ev := <-out:
		t.Fatalf("unexpected event %+v", ev)
	default:
	}
}

// The backlog keeps the prep and teardown events every node hears; a
// node's follower gets the kept events of the rooms it drives first, then
// the live ones of those rooms; a room it gains later has its kept events
// replayed; events older than sceneBacklogKeep are not replayed.
func TestSceneBacklogKeepsAndReplaysPerRoom(t *testing.T) {
	t0 := time.Date(2026, 11, 26, 8, 0, 0, 0, time.UTC)
	clock := &testClock{t: t0}
	own := &roomav.OwnedRooms{}
	own.Set("a")
	b := &sceneBacklog{now: clock.now, own: own}

	prepA := timeline.Event{Kind: timeline.Prep, Booking: "1", Room: "a", At: t0}
	teardownA := timeline.Event{Kind: timeline.Teardown, Booking: "0", Room: "a", At: t0}
	prepB := timeline.Event{Kind: timeline.Prep, Booking: "2", Room: "b", At: t0}
	hear(b, prepA, timeline.Event{Kind: timeline.Start, Booking: "1", Room: "a", At: t0}, teardownA, prepB)

	ctx, cancel := context.WithCancel(t.Context())
	out := b.follow(ctx)
	if ev := received(t, out); ev != prepA {
		t.Fatalf("first replayed %+v", ev)
	}
	if ev := received(t, out); ev != teardownA {
		t.Fatalf("second replayed %+v", ev)
	}
	nothingQueued(t, out) // not the start, not room b's

	live := timeline.Event{Kind: timeline.Prep, Booking: "3", Room: "a", At: t0.Add(time.Hour)}
	liveB := timeline.Event{Kind: timeline.Prep, Booking: "4", Room: "b", At: t0.Add(time.Hour)}
	hear(b, liveB, live)
	if ev := received(t, out); ev != live {
		t.Fatalf("live %+v", ev)
	}
	nothingQueued(t, out)

	// Room b gained: its kept events, in the order heard.
	own.Set("a", "b")
	if ev := received(t, out); ev != prepB {
		t.Fatalf("b's first replayed %+v", ev)
	}
	if ev := received(t, out); ev != liveB {
		t.Fatalf("b's second replayed %+v", ev)
	}
	cancel()

	// A later term (the node lost and regained its rooms after a long
	// while): what it heard is too old to run now.
	clock.set(t0.Add(sceneBacklogKeep + time.Minute))
	out = b.follow(t.Context())
	nothingQueued(t, out)
	fresh := timeline.Event{Kind: timeline.Teardown, Booking: "5", Room: "b", At: clock.now()}
	hear(b, fresh)
	if ev := received(t, out); ev != fresh {
		t.Fatalf("after the keep: %+v", ev)
	}
	b.mu.Lock()
	kept := len(b.kept)
	b.mu.Unlock()
	if kept != 1 {
		t.Fatalf("%d events kept past sceneBacklogKeep", kept-1)
	}
}

// Without room ownership (one machine) every room's events go to the
// follower, as the leader's did.
func TestSceneBacklogWithoutOwnership(t *testing.T) {
	t0 := time.Date(2026, 11, 26, 8, 0, 0, 0, time.UTC)
	b := &sceneBacklog{now: func() time.Time { return t0 }}
	ev := timeline.Event{Kind: timeline.Prep, Booking: "1", Room: "a", At: t0}
	hear(b, ev)
	out := b.follow(t.Context())
	if got := received(t, out); got != ev {
		t.Fatalf("replayed %+v", got)
	}
	ev2 := timeline.Event{Kind: timeline.Teardown, Booking: "2", Room: "z", At: t0}
	hear(b, ev2)
	if got := received(t, out); got != ev2 {
		t.Fatalf("live %+v", got)
	}
}

// A scene is claimed once per event in the store, whichever node asks and
// however often it is replayed; a prep whose meeting has begun (old news
// replayed) or was cancelled is not run.
func TestClaimSceneOnce(t *testing.T) {
	t0 := time.Date(2026, 11, 26, 8, 0, 0, 0, time.UTC)
	st, err := store.Open(filepath.Join(t.TempDir(), "kogge.db"), store.Options{Now: func() time.Time { return t0 }})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	book := func(room string, start time.Time) rooms.Booking {
		b, err := st.Create(rooms.Booking{Room: room, Title: "Sitzung", Kind: rooms.KindMeeting, Organizer: "Amt 10",
			Start: start, End: start.Add(time.Hour), Status: rooms.StatusConfirmed}, "tester")
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	ahead := book("a", t0.Add(30*time.Minute))
	begun := book("b", t0.Add(-10*time.Minute))
	claim := claimScene(st, func() time.Time { return t0 }, slog.New(slog.DiscardHandler))

	prep := timeline.Event{Kind: timeline.Prep, Booking: ahead.ID, Room: "a", At: t0.Add(15 * time.Minute)}
	if !claim(prep, "hybrid") {
		t.Fatal("the first claim of a prep was refused")
	}
	if claim(prep, "hybrid") {
		t.Fatal("a prep was claimed twice")
	}
	teardown := timeline.Event{Kind: timeline.Teardown, Booking: ahead.ID, Room: "a", At: t0.Add(100 * time.Minute)}
	if !claim(teardown, "off") || claim(teardown, "off") {
		t.Fatal("a teardown is claimed exactly once")
	}
	if claim(timeline.Event{Kind: timeline.Prep, Booking: begun.ID, Room: "b", At: t0.Add(-25 * time.Minute)}, "hybrid") {
		t.Fatal("a prep of a meeting that has begun was claimed")
	}
	later := book("a", t0.Add(3*time.Hour))
	if _, err := st.Cancel(later.ID, later.Version, "tester"); err != nil {
		t.Fatal(err)
	}
	if claim(timeline.Event{Kind: timeline.Prep, Booking: later.ID, Room: "a", At: t0.Add(2 * time.Hour)}, "hybrid") {
		t.Fatal("a prep of a cancelled meeting was claimed")
	}
}
