package broker

import (
	"context"
	"errors"
	"strings"
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"

	"github.com/kogge-project/kogge/integrations/gotomeeting"
	"github.com/kogge-project/kogge/rooms"
	"github.com/kogge-project/kogge/rooms/store"
)

func TestPoolExhaustionSpills(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		e := newEnv(t, []Provider{builtinP(10), gotoP("org1", "org2"), pexipP()}, nil, nil)
		in := func(room string, b rooms.Booking) rooms.Booking { b.Room = room; return e.create(b) }
		small := in("r0", hybrid("Klein", 24*time.Hour, 3))
		a := in("r1", hybrid("A", 24*time.Hour, 40))
		b := in("r2", hybrid("B", 24*time.Hour+time.Hour, 40))
		c := in("r3", hybrid("C", 24*time.Hour+30*time.Minute, 40))
		later := in("r1", hybrid("D", 30*time.Hour, 40))
		for _, x := range []struct {
			id, p, lic string
		}{{small.ID, "builtin", ""}, {a.ID, "gotomeeting", "org1"}, {b.ID, "gotomeeting", "org2"}, {c.ID, "pexip", ""}, {later.ID, "gotomeeting", "org1"}} {
			if got := e.alloc(x.id); got.Provider != x.p || got.Licence != x.lic || got.Ref != x.id+"-1" {
				t.Errorf("%s: %s/%s ref %s, want %s/%s", x.id, got.Provider, got.Licence, got.Ref, x.p, x.lic)
			}
		}
		// A non-hybrid booking gets no allocation.
		plain := hybrid("Präsenz", 24*time.Hour, 0)
		plain.Hybrid.Enabled, plain.Room = false, "saal2"
		plain = e.create(plain)
		if _, ok, _ := e.st.Allocation(plain.ID); ok {
			t.Error("non-hybrid booking has an allocation")
		}
		st, err := e.br.Status()
		if err != nil || st[1].PoolSize != 2 || st[1].Peak7d != 2 || st[1].Health != "up" {
			t.Fatalf("status %+v %v", st, err)
		}
	})
}

// GoTo answers 500 (the first after creating: the answer is lost); the
// broker retries with the same reference and no duplicate appears.
func TestGoTo500ThenRecovery(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		e := newEnv(t, []Provider{gotoP("org1")}, nil, nil)
		e.gemu.Inject(1, gotomeeting.Fault{Status: 500, AfterCommit: true})
		e.gemu.Inject(5, gotomeeting.Fault{Status: 500})
		bk := e.create(hybrid("Bauausschuss", 24*time.Hour, 20))
		e.run()
		e.waitFor("provisioned", time.Minute, e.provisioned(bk.ID))
		a := e.alloc(bk.ID)
		if n := e.gemu.MeetingCount("org1"); n != 1 {
			t.Fatalf("%d meetings at GoTo, want 1", n)
		}
		if a.JoinURL == "" || a.ExternalID == "" || a.Attempts != 0 || a.LastError != "" || a.Provider != "gotomeeting" {
			t.Fatalf("allocation %+v", a)
		}
		if e.gemu.Hits(500) != 6 {
			t.Errorf("500s served: %d", e.gemu.Hits(500))
		}
	})
}

func TestGoTo429RetryAfter(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		e := newEnv(t, []Provider{gotoP("org1")}, nil, nil)
		e.gemu.Inject(1, gotomeeting.Fault{Status: 429, RetryAfter: "7"})
		start := time.Now()
		bk := e.create(hybrid("Rat", 24*time.Hour, 20))
		e.run()
		e.waitFor("provisioned", time.Minute, e.provisioned(bk.ID))
		if waited := time.Since(start); waited < 7*time.Second {
			t.Fatalf("provisioned after %s, before Retry-After", waited)
		}
		if e.gemu.Hits(429) != 1 || e.gemu.MeetingCount("org1") != 1 {
			t.Fatalf("429s %d, meetings %d", e.gemu.Hits(429), e.gemu.MeetingCount("org1"))
		}
	})
}

// A provisioned GoTo meeting; GoTo marked down: the booking moves to
// Pexip keeping its id, and the GoTo meeting is deleted.
func TestProviderDownFailover(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		e := newEnv(t, []Provider{gotoP("org1"), pexipP()}, nil, nil)
		bk := e.create(hybrid("Rat", 24*time.Hour, 20))
		e.run()
		e.waitFor("provisioned", time.Minute, e.provisioned(bk.ID))
		e.br.MarkDown("gotomeeting", true)
		e.waitFor("moved and cleaned", time.Minute, func() bool {
			a := e.alloc(bk.ID)
			return a.Provider == "pexip" && a.State == store.AllocProvisioned && len(a.Cleanup) == 0
		})
		a := e.alloc(bk.ID)
		if a.Booking != bk.ID || a.Ref != bk.ID+"-2" || !strings.HasPrefix(a.JoinURL, "https://meet.example/webapp/m/kogge-"+bk.ID+"-2?pin=") ||
			!strings.HasPrefix(a.HostURL, "https://meet.example/webapp/m/kogge-"+bk.ID+"-2?pin=") || a.HostURL == a.JoinURL {
			t.Fatalf("allocation %+v", a)
		}
		if len(a.Excluded) != 1 || a.Excluded[0] != "gotomeeting" {
			t.Fatalf("excluded %v", a.Excluded)
		}
		if n := e.gemu.MeetingCount("org1"); n != 0 {
			t.Fatalf("old GoTo meeting not deleted: %d", n)
		}
		m := <-e.moves
		if m.booking != bk.ID || m.from != "gotomeeting" || m.to != "pexip" {
			t.Fatalf("move %+v", m)
		}
		if st, _ := e.br.Status(); st[0].Health != "down" {
			t.Fatalf("status %+v", st[0])
		}
	})
}

// GoTo is out: the booking fails over within 10 s.
func TestOutageFailsOverFast(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		e := newEnv(t, []Provider{gotoP("org1"), pexipP()}, nil, nil)
		e.gemu.SetOutage(true)
		start := time.Now()
		bk := e.create(hybrid("Rat", 24*time.Hour, 20))
		e.run()
		e.waitFor("on pexip", time.Minute, e.provisioned(bk.ID))
		if took := time.Since(start); took > 10*time.Second {
			t.Fatalf("failover took %s", took)
		}
		if a := e.alloc(bk.ID); a.Provider != "pexip" || len(a.Excluded) != 1 {
			t.Fatalf("allocation %+v", a)
		}
		if m := <-e.moves; m.from != "gotomeeting" || m.reason == "" {
			t.Fatalf("move %+v", m)
		}
	})
}

func TestCancelDeletesMeeting(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		e := newEnv(t, []Provider{gotoP("org1")}, nil, nil)
		bk := e.create(hybrid("Rat", 24*time.Hour, 20))
		e.run()
		e.waitFor("provisioned", time.Minute, e.provisioned(bk.ID))
		if _, err := e.st.Cancel(bk.ID, 0, "tester"); err != nil {
			t.Fatal(err)
		}
		e.br.Kick(bk.ID)
		e.waitFor("deleted", time.Minute, func() bool { return e.gemu.MeetingCount("org1") == 0 })
		e.waitFor("cleanup done", time.Minute, func() bool { return len(e.alloc(bk.ID).Cleanup) == 0 })
		if a := e.alloc(bk.ID); a.State != store.AllocReleased {
			t.Fatalf("allocation %+v", a)
		}
		// The organizer is free again.
		next := e.create(hybrid("Nachfolger", 24*time.Hour, 20))
		if a := e.alloc(next.ID); a.Licence != "org1" {
			t.Fatalf("licence not freed: %+v", a)
		}
	})
}

// A time change keeps the provider and updates the meeting in place.
func TestTimeChangeUpdates(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		e := newEnv(t, []Provider{gotoP("org1")}, nil, nil)
		bk := e.create(hybrid("Rat", 24*time.Hour, 20))
		e.run()
		e.waitFor("provisioned", time.Minute, e.provisioned(bk.ID))
		before := e.alloc(bk.ID)
		if _, err := e.st.Update(bk.ID, 0, "tester", func(b *rooms.Booking) error {
			b.Start, b.End = b.Start.Add(time.Hour), b.End.Add(time.Hour)
			return nil
		}); err != nil {
			t.Fatal(err)
		}
		if a := e.alloc(bk.ID); a.State != store.AllocReserved || a.ExternalID != before.ExternalID {
			t.Fatalf("after the change: %+v", a)
		}
		e.br.Kick(bk.ID)
		e.waitFor("updated", time.Minute, e.provisioned(bk.ID))
		after := e.alloc(bk.ID)
		if after.ExternalID != before.ExternalID || after.Ref != before.Ref || e.gemu.MeetingCount("org1") != 1 {
			t.Fatalf("before %+v after %+v", before, after)
		}
		c := gotomeeting.New(e.gcfg, "org1")
		id, _ := parseMeetingID(after.ExternalID)
		m, err := c.GetMeeting(context.Background(), id)
		if err != nil || !m.StartTime.Equal(bk.Start.Add(time.Hour)) {
			t.Fatalf("meeting %+v %v", m, err)
		}
	})
}

// failing is a backend that always fails (with a 5xx-like error).
type failing struct{ calls atomic.Int32 }

func (f *failing) Create(context.Context, store.Allocation, rooms.Booking) (Meeting, error) {
	f.calls.Add(1)
	return Meeting{}, errors.New("sfu: connection refused")
}
func (f *failing) Update(context.Context, store.Allocation, rooms.Booking) error { return nil }
func (f *failing) Delete(context.Context, store.ExternalRef) error               { return nil }
func (f *failing) List(context.Context) ([]Meeting, error)                       { return nil, nil }

// Confidential bookings never reach GoTo: not when only GoTo has room,
// not on failover, not even when GoTo is configured confidential_ok.
func TestConfidentialNeverGoTo(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		gt := gotoP("org1")
		gt.ConfidentialOK = true // a configuration mistake Choose ignores
		fb := &failing{}
		e := newEnv(t, []Provider{builtinP(5), gt}, map[string]Backend{"builtin": fb}, nil)
		big := hybrid("Vorstellungsgespräch", 24*time.Hour, 20)
		big.Kind = rooms.KindInterview
		_, err := e.st.Create(big, "tester")
		var npe *NoProviderError
		if !errors.As(err, &npe) || len(npe.Reasons) != 2 {
			t.Fatalf("create: %v", err)
		}
		small := hybrid("Personalgespräch", 48*time.Hour, 2)
		small.Confidential = true
		small = e.create(small)
		e.run()
		e.waitFor("several failures", 2*time.Minute, func() bool { return fb.calls.Load() >= 6 })
		a := e.alloc(small.ID)
		if a.Provider != "builtin" || a.State != store.AllocReserved || a.Attempts < 5 || a.LastError == "" {
			t.Fatalf("allocation %+v", a)
		}
		if n := e.gemu.Requests(); n != 0 {
			t.Fatalf("GoTo got %d requests", n)
		}
		select {
		case m := <-e.moves:
			t.Fatalf("moved: %+v", m)
		default:
		}
	})
}

// The GoTo backend itself refuses confidential bookings (last line).
func TestGoToBackendRefusesConfidential(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		e := newEnv(t, []Provider{gotoP("org1")}, nil, nil)
		be := e.br.backends["gotomeeting"]
		b := hybrid("Geheim", time.Hour, 3)
		b.Confidential = true
		if _, err := be.Create(context.Background(), store.Allocation{Licence: "org1", Ref: "01JQ0000000000000000000000-1"}, b); err == nil {
			t.Fatal("created")
		}
		if e.gemu.Requests() != 0 {
			t.Fatal("request sent")
		}
	})
}

// GoTo dies 10 minutes before a meeting placed there; nobody touches the
// booking. Watch notices within a minute and the meeting moves to Pexip
// (same booking, so the same join link); a meeting next week stays until
// it comes near, and nothing moves back when GoTo returns.
func TestProviderDeathMovesTheComingMeeting(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		e := newEnv(t, []Provider{gotoP("org1", "org2"), pexipP()}, nil, nil)
		soon := e.create(hybrid("Rat", 10*time.Minute, 20))
		later := e.create(hybrid("Bauausschuss", 7*24*time.Hour, 20))
		e.run()
		e.waitFor("both on GoTo", time.Minute, func() bool {
			return e.provisioned(soon.ID)() && e.provisioned(later.ID)() &&
				e.alloc(soon.ID).Provider == "gotomeeting" && e.alloc(later.ID).Provider == "gotomeeting"
		})
		ctx, cancel := context.WithCancel(context.Background())
		watched := make(chan struct{})
		go func() { defer close(watched); _ = e.br.Watch(ctx) }()
		defer func() { cancel(); <-watched }()

		e.gemu.SetOutage(true)
		died := time.Now()
		e.waitFor("moved to pexip", 2*time.Minute, func() bool {
			a := e.alloc(soon.ID)
			return a.Provider == "pexip" && a.State == store.AllocProvisioned
		})
		if took := time.Since(died); took > time.Minute {
			t.Fatalf("the move took %s", took)
		}
		if m := <-e.moves; m.booking != soon.ID || m.from != "gotomeeting" || m.to != "pexip" {
			t.Fatalf("move %+v", m)
		}
		if a := e.alloc(later.ID); a.Provider != "gotomeeting" {
			t.Fatalf("next week's meeting moved at once: %+v", a)
		}
		e.gemu.SetOutage(false)
		e.waitFor("gotomeeting up again", time.Minute, func() bool { return !e.br.isDown("gotomeeting") })
		if a := e.alloc(soon.ID); a.Provider != "pexip" {
			t.Fatalf("moved back: %+v", a)
		}
	})
}

// A meeting a dead node made at GoTo without recording it (a cluster's
// leader killed between the POST and its commit: the allocation still says
// no attempt was made) is found by its reference and taken, not made a
// second time.
func TestGoToMeetingMadeButNotRecordedIsFound(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		e := newEnv(t, []Provider{gotoP("org1")}, nil, nil)
		bk := e.create(hybrid("Bauausschuss", 24*time.Hour, 20))
		a := e.alloc(bk.ID)
		if a.Attempts != 0 || a.Ref == "" {
			t.Fatalf("allocation before the worker: %+v", a)
		}
		made, err := e.gotoClients([]string{a.Licence})[a.Licence].CreateMeeting(t.Context(), a.Ref, meetingRequest(bk))
		if err != nil {
			t.Fatal(err)
		}
		e.run()
		e.waitFor("provisioned", time.Minute, e.provisioned(bk.ID))
		a = e.alloc(bk.ID)
		if n := e.gemu.MeetingCount("org1"); n != 1 {
			t.Fatalf("%d meetings at GoTo, want the one already made", n)
		}
		if a.ExternalID != made.MeetingID.String() || a.HostURL == "" {
			t.Fatalf("allocation %+v, want meeting %s with its host link", a, made.MeetingID)
		}
	})
}
