package signaling

import (
	"testing"
	"testing/synctest"
	"time"
)

// A MediaPeer or MediaRoom whose Close hangs must not stop the meeting.
func TestMediaCloseOffMeetingGoroutine(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		media := &fakeMedia{block: make(chan struct{})}
		h := NewHub(Config{}, nil, media)
		m, _ := h.open(MeetingSpec{ID: "m"}, nil)
		host := joinFake(m, "host", RoleHost)
		joinFake(m, "guest", RoleGuest)
		m.post(leaveReq{id: "guest"}) // its peer's Close hangs
		m.post(inboundReq{id: "host", typ: "hand", msg: &handMsg{Raised: new(true)}})
		synctest.Wait()
		if s := host.last(); s.Type != "state" || len(s.Queue) != 1 || s.has("guest") {
			t.Fatalf("host got %+v: the meeting is stuck", s)
		}
		h.End("m", ReasonEnded) // the room's Close hangs too
		if r := <-host.closed; r.Reason != ReasonEnded {
			t.Fatalf("closed %+v", r)
		}
		<-m.done
		close(media.block)
		h.Close()
	})
}

// Update, End and Meetings give up on a meeting that does not answer.
func TestStuckMeetingDoesNotHangHub(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		stuck := make(chan struct{})
		h := NewHub(Config{Hooks: Hooks{Audit: func(_, _, action, _ string) {
			if action == "lock" {
				<-stuck // a hook that blocks, against the contract
			}
		}}}, nil, &fakeMedia{})
		m, _ := h.open(MeetingSpec{ID: "m"}, nil)
		joinFake(m, "host", RoleHost)
		m.post(inboundReq{id: "host", typ: "lock", msg: &lockMsg{Locked: new(true)}})
		start := time.Now()
		if got := h.Meetings(); len(got) != 0 {
			t.Fatalf("Meetings() = %+v", got)
		}
		h.Update(MeetingSpec{ID: "m", Title: "x"})
		h.End("m", ReasonEnded)
		if d := time.Since(start); d > 3*postTimeout {
			t.Fatalf("took %v", d)
		}
		close(stuck)
		h.Close()
	})
}
