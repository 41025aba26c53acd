package signaling

import (
	"sync"
	"time"
)

// A meeting's memory outlives its goroutine: who was in it, who waited,
// whose hand was up since when, who may present, and the lock. The
// meeting hands its latest memo to Config.Memory (the daemon keeps it in
// the store, which a cluster replicates), so a meeting that opens again —
// after a restart, or on another node once its node died — lets its
// participants resume (signaling/resume.go) instead of starting over.

// Memory keeps meetings' memos. Its methods are called off the meeting
// goroutines (Save and Forget from one saver goroutine per meeting, in
// order; Load from the connection of a join that may open the meeting,
// several at once) and may take as long as a durable write; errors are
// the implementation's to log.
type Memory interface {
	// Load returns the memo saved for the meeting (false: none).
	Load(meetingID string) (MeetingMemo, bool)
	// Save replaces the meeting's memo.
	Save(meetingID string, memo MeetingMemo)
	// Forget deletes the memo of a meeting that is over for good (past
	// its closing time).
	Forget(meetingID string)
}

// MeetingMemo is what a meeting remembers for resuming, or that it ended.
type MeetingMemo struct {
	Locked       bool              `json:"locked"`
	Participants []ParticipantMemo `json:"participants"`
	// Ended: the meeting was ended (by a host, End or its closing time,
	// not by a shutdown) and stays ended until this time; the memo then
	// holds nobody. A hub that opens the meeting — on another node, or
	// after a restart — refuses it (ended) as the hub that ran it does.
	Ended time.Time `json:"ended,omitzero"`
}

// endedAt reports whether the memo says the meeting is ended at now.
func (mm MeetingMemo) endedAt(now time.Time) bool {
	return !mm.Ended.IsZero() && now.Before(mm.Ended)
}

// ParticipantMemo is one participant, joined, waiting in the lobby or
// away (its connection dropped within the grace period). Resume secrets
// are kept only as SHA-256 hashes.
type ParticipantMemo struct {
	// SecretHash is the SHA-256 of the resume secret its latest welcome
	// handed out (32 bytes).
	SecretHash []byte `json:"secret_sha256"`
	// PrevSecretHash (none, or 32 bytes) is the SHA-256 of the secret its
	// latest resume came with, good until the client shows it has the
	// new one (its first ping, or a resume with it): its welcome may
	// have been lost (signaling/resume.go).
	PrevSecretHash []byte `json:"prev_secret_sha256,omitempty"`
	ID             string `json:"id"`
	Name           string `json:"name"`
	// Link is the Ticket.Link the participant came with; a resume must
	// come with the same.
	Link string `json:"link"`
	// Admitted: joined (else waiting in the lobby since LobbySince).
	Admitted   bool      `json:"admitted"`
	LobbySince time.Time `json:"lobby_since,omitzero"`
	Hand       bool      `json:"hand,omitempty"`
	HandAt     time.Time `json:"hand_at,omitzero"`
	Allowed    bool      `json:"allowed,omitempty"`
	Muted      bool      `json:"muted,omitempty"`
	// Away is when its connection dropped (zero: connected when saved).
	Away time.Time `json:"away,omitzero"`
}

// saver writes one meeting's memos off the meeting goroutine: offer never
// blocks, a memo offered while a write runs replaces any that waits
// (latest wins), and finish does the last write after the one under way,
// then what comes after it (the claim's release). Its goroutine runs
// only while there is work, counted in the hub's closers so that a
// shutdown waits for the last memo.
type saver struct {
	mem Memory
	id  string
	hub *Hub

	mu   sync.Mutex
	next *MeetingMemo
	// finished: the meeting closed; last (nil: none) is its last write,
	// then runs after it.
	finished bool
	last     func(Memory)
	then     func()
	running  bool
	// ready hears that the writer has nothing left to do: the meeting
	// builds its next memo only then, one build per write however busy
	// the meeting is.
	ready chan struct{}
}

func newSaver(h *Hub, id string) *saver {
	if h.cfg.Memory == nil {
		return nil
	}
	return &saver{mem: h.cfg.Memory, id: id, hub: h, ready: make(chan struct{}, 1)}
}

// busy: a write runs; the meeting keeps its changes for the next memo.
func (s *saver) busy() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.running
}

func (s *saver) offer(memo MeetingMemo) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.finished {
		return // closed: nothing more to remember
	}
	s.next = &memo
	s.start()
}

// finish runs last (nil: nothing) once the write under way is done, then
// then (nil: nothing); memos waiting and later offers are dropped.
func (s *saver) finish(last func(Memory), then func()) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.finished, s.next, s.last, s.then = true, nil, last, then
	s.start()
}

// start runs the writer unless it runs. s.mu held.
func (s *saver) start() {
	if s.running {
		return
	}
	s.running = true
	s.hub.closers.Add(1)
	go s.loop()
}

func (s *saver) loop() {
	defer s.hub.closers.Done()
	for {
		s.mu.Lock()
		memo, finished, last, then := s.next, s.finished, s.last, s.then
		s.next, s.last, s.then = nil, nil, nil
		if memo == nil && !finished {
			s.running = false
			s.mu.Unlock()
			select {
			case s.ready <- struct{}{}:
			default:
			}
			return
		}
		s.mu.Unlock()
		if finished {
			if last != nil {
				last(s.mem)
			}
			if then != nil {
				then()
			}
			s.mu.Lock()
			s.running = false
			s.mu.Unlock()
			return
		}
		s.mem.Save(s.id, *memo)
	}
}
