package signaling

import (
	"encoding/json"
	"sync"
	"testing"
	"testing/synctest"
	"time"
)

// fakeEndpoint stands in for a connection when the meeting actor is tested
// alone (under testing/synctest, where real sockets do not fit).
type fakeEndpoint struct {
	mu     sync.Mutex
	msgs   []wire
	closed chan *Refusal
	once   sync.Once
}

func newFakeEndpoint() *fakeEndpoint { return &fakeEndpoint{closed: make(chan *Refusal, 1)} }

func (f *fakeEndpoint) send(b []byte) {
	var w wire
	if err := json.Unmarshal(b, &w); err != nil {
		panic(err)
	}
	f.mu.Lock()
	f.msgs = append(f.msgs, w)
	f.mu.Unlock()
}

func (f *fakeEndpoint) sendState(b []byte) { f.send(b) }

func (f *fakeEndpoint) count() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return len(f.msgs)
}

func (f *fakeEndpoint) sendError(code, message, refType string) {
	f.send(errorMessage(code, message, refType))
}

func (f *fakeEndpoint) close(r *Refusal)    { f.once.Do(func() { f.closed <- r }) }
func (f *fakeEndpoint) setPeer(p MediaPeer) {}

func (f *fakeEndpoint) last() wire {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.msgs[len(f.msgs)-1]
}

func joinFake(m *meeting, id string, role Role) *fakeEndpoint {
	ep := newFakeEndpoint()
	m.post(joinReq{p: &participant{id: id, name: id, role: role, ep: ep}})
	return ep
}

func TestMeetingClosesAtClosingTime(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		var queues [][]QueueEntry
		h := NewHub(Config{Hooks: Hooks{Queue: func(_ string, q []QueueEntry) { queues = append(queues, q) }}}, nil, &fakeMedia{})
		defer h.Close()
		start := time.Now()
		m, _ := h.open(MeetingSpec{ID: "m", Lobby: true, Limit: 5, PublishQueue: true, Closes: start.Add(time.Hour)}, nil)
		host := joinFake(m, "host", RoleHost)
		waiter := joinFake(m, "waiter", RoleGuest)
		m.post(inboundReq{id: "host", typ: "hand", msg: &handMsg{Raised: new(true)}})
		synctest.Wait()
		if q := host.last().Queue; len(q) != 1 {
			t.Fatalf("queue %+v", q)
		}

		for _, ep := range []*fakeEndpoint{host, waiter} {
			if r := <-ep.closed; r.Reason != ReasonEnded {
				t.Fatalf("closed %+v", r)
			}
		}
		if got := time.Since(start); got != time.Hour {
			t.Fatalf("closed after %v, want 1h", got)
		}
		<-m.done
		if len(h.Meetings()) != 0 {
			t.Fatal("meeting still listed")
		}
		if len(queues) != 2 || len(queues[1]) != 0 {
			t.Fatalf("queue hook %v: the queue is not emptied at the end", queues)
		}
	})
}

func TestUpdateMovesClosingTime(t *testing.T) {
	for _, d := range []time.Duration{2 * time.Hour, 10 * time.Minute} {
		synctest.Test(t, func(t *testing.T) {
			h := NewHub(Config{}, nil, &fakeMedia{})
			defer h.Close()
			start := time.Now()
			spec := MeetingSpec{ID: "m", Title: "T", Closes: start.Add(time.Hour)}
			m, _ := h.open(spec, nil)
			ep := joinFake(m, "host", RoleHost)
			time.Sleep(time.Minute) // fake time: the update comes a minute in
			spec.Closes = start.Add(d)
			spec.Title = "T2"
			h.Update(spec)
			synctest.Wait()
			if ep.last().Meeting.Title != "T2" {
				t.Fatalf("state after update %+v", ep.last())
			}
			<-ep.closed
			if got := time.Since(start); got != d {
				t.Fatalf("closed after %v, want %v", got, d)
			}
		})
	}
}

func TestUpdateOpensLobby(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		h := NewHub(Config{}, nil, &fakeMedia{})
		defer h.Close()
		spec := MeetingSpec{ID: "m", Lobby: true, Limit: 2}
		m, _ := h.open(spec, nil)
		host := joinFake(m, "host", RoleHost)
		w1 := joinFake(m, "w1", RoleGuest)
		w2 := joinFake(m, "w2", RoleGuest)
		spec.Lobby = false
		h.Update(spec)
		synctest.Wait()
		if w1.last().Type != "state" || w2.last().Type != "welcome" {
			t.Fatalf("w1 %+v, w2 %+v", w1.last(), w2.last())
		}
		if s := host.last(); len(s.Participants) != 2 || len(s.Lobby) != 1 {
			t.Fatalf("host state %+v", s)
		}
	})
}
