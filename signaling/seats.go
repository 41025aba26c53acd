package signaling

import (
	"context"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"
)

// A council chamber's discussion system has its own request list: members
// press a button at their seat to ask to speak. The list joins the remote
// participants' raised hands in one speaker queue per meeting, ordered by
// the time of request, and the chair's "next" gives the floor to whoever
// comes first: a seat's microphone is switched on, a hand is lowered.

// SeatRequest is one seat on a room's request list.
type SeatRequest struct {
	Seat  int
	Name  string    // who sits there ("": not known)
	Since time.Time // when the seat asked to speak
}

// Seats switches a room's seat microphones; the room's AV implements it.
type Seats interface {
	// Speak switches a seat's microphone on (the chair's "next") or off
	// (the chair took the seat off the queue). It is called off the
	// meeting goroutine and should return within ctx.
	Speak(ctx context.Context, seat int, on bool) error
}

// seatTimeout bounds one Speak call.
const seatTimeout = 10 * time.Second

// SetRoomRequests sets a room's request list, for the meetings in that
// room now and for those that open later. seats switches the room's
// microphones (nil: the queue shows the seats, "next" passes them by).
func (h *Hub) SetRoomRequests(room string, reqs []SeatRequest, seats Seats) {
	reqs = slices.Clone(reqs)
	h.seats.set(room, reqs, seats)
	h.mu.Lock()
	ms := make([]*meeting, 0, len(h.meetings))
	for _, m := range h.meetings {
		ms = append(ms, m)
	}
	h.mu.Unlock()
	// Each meeting knows its room; the ones elsewhere ignore the list.
	ctx, cancel := context.WithTimeout(context.Background(), postTimeout)
	defer cancel()
	for _, m := range ms {
		m.postCtx(ctx, seatsReq{room: room, reqs: reqs, seats: seats})
	}
}

// seatBoard keeps the rooms' lists for the meetings that open later.
type seatBoard struct {
	mu    sync.Mutex
	rooms map[string]seatsReq
}

func (b *seatBoard) set(room string, reqs []SeatRequest, seats Seats) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.rooms == nil {
		b.rooms = map[string]seatsReq{}
	}
	if len(reqs) == 0 && seats == nil {
		delete(b.rooms, room)
		return
	}
	b.rooms[room] = seatsReq{room: room, reqs: reqs, seats: seats}
}

func (b *seatBoard) get(room string) ([]SeatRequest, Seats) {
	if room == "" {
		return nil, nil
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	r := b.rooms[room]
	return slices.Clone(r.reqs), r.seats
}

// seatsReq is a new request list for the meetings in room; a seatsReq
// with failed set says a Speak for that seat did not work.
type seatsReq struct {
	room   string
	reqs   []SeatRequest
	seats  Seats
	failed *SeatRequest
}

// chamberQueue is a meeting's view of its room's request list.
type chamberQueue struct {
	reqs  []SeatRequest
	seats Seats
	// hidden are seats the chair already dealt with (given the floor,
	// removed) by the time of their request: they leave the queue at
	// once, not only when the discussion system reports back.
	hidden map[int]time.Time
}

func (c *chamberQueue) hide(r SeatRequest) {
	if c.hidden == nil {
		c.hidden = map[int]time.Time{}
	}
	c.hidden[r.Seat] = r.Since
}

func (c *chamberQueue) visible() []SeatRequest {
	var out []SeatRequest
	for _, r := range c.reqs {
		if at, ok := c.hidden[r.Seat]; ok && at.Equal(r.Since) {
			continue
		}
		out = append(out, r)
	}
	return out
}

const seatIDPrefix = "seat:"

// queued is one entry of the speaker queue with its time.
type queued struct {
	entry QueueEntry
	at    time.Time
	seat  *SeatRequest // nil: a raised hand
}

// speakerQueue merges hands and seats by time of request (a tie: the
// hand first, it was seen by Kogge itself).
func (m *meeting) speakerQueue() []queued {
	q := make([]queued, 0, len(m.queue)+len(m.chamber.reqs))
	for _, p := range m.queue {
		q = append(q, queued{entry: QueueEntry{ID: p.id, Name: p.name}, at: p.handAt})
	}
	for _, r := range m.chamber.visible() {
		r := r
		q = append(q, queued{entry: QueueEntry{ID: seatIDPrefix + strconv.Itoa(r.Seat), Name: r.Name, Seat: r.Seat}, at: r.Since, seat: &r})
	}
	slices.SortStableFunc(q, func(a, b queued) int { return a.at.Compare(b.at) })
	return q
}

// setSeats takes the room's new request list (or a failed Speak).
func (m *meeting) setSeats(req seatsReq) {
	if req.room != m.spec.Room || m.spec.Room == "" {
		return
	}
	before := m.queueEntries()
	if req.failed != nil {
		// The seat was not switched on: it is back in the queue, if the
		// discussion system still lists it.
		if at, ok := m.chamber.hidden[req.failed.Seat]; ok && at.Equal(req.failed.Since) {
			delete(m.chamber.hidden, req.failed.Seat)
		}
	} else {
		m.chamber.reqs, m.chamber.seats = req.reqs, req.seats
		for seat, at := range m.chamber.hidden {
			if !slices.ContainsFunc(req.reqs, func(r SeatRequest) bool { return r.Seat == seat && r.Since.Equal(at) }) {
				delete(m.chamber.hidden, seat) // the system has caught up
			}
		}
	}
	if !slices.Equal(before, m.queueEntries()) {
		m.queueChanged()
		m.broadcast(false)
	}
}

// seatAction handles a host's queue action where it concerns the room's
// seats; false leaves it to the raised hands' handling.
func (m *meeting) seatAction(host *participant, msg *queueMsg) bool {
	switch msg.Action {
	case "next":
		q := m.speakerQueue()
		if len(q) == 0 || q[0].seat == nil {
			return false // a hand comes first (or nobody)
		}
		seat := *q[0].seat
		m.seatSpeak(host, seat, true)
		// A member at a seat speaks as one from home does: in the minutes.
		name := seat.Name
		if name == "" {
			name = "Platz " + strconv.Itoa(seat.Seat) // the minutes are German
		}
		m.recordSpeaker(name)
	case "remove":
		if !strings.HasPrefix(msg.ID, seatIDPrefix) {
			return false
		}
		i := slices.IndexFunc(m.chamber.visible(), func(r SeatRequest) bool { return seatIDPrefix+strconv.Itoa(r.Seat) == msg.ID })
		if i < 0 {
			host.ep.sendError(codeNotFound, "nobody with that id is in the queue", "queue")
			return true
		}
		m.seatSpeak(host, m.chamber.visible()[i], false)
	case "clear":
		seats := m.chamber.visible()
		if len(seats) == 0 {
			return false
		}
		for _, r := range seats {
			m.seatSpeak(host, r, false)
		}
		if len(m.queue) > 0 {
			return false // the hands' clearing publishes the queue
		}
	default:
		return false
	}
	m.queueChanged()
	m.broadcast(false)
	return true
}

// seatSpeak takes a seat off the queue and switches its microphone at the
// discussion system, off the meeting goroutine.
func (m *meeting) seatSpeak(host *participant, r SeatRequest, on bool) {
	m.chamber.hide(r)
	what := "floor"
	if !on {
		what = "dequeue"
	}
	detail := "seat " + strconv.Itoa(r.Seat)
	if r.Name != "" {
		detail = r.Name + " (" + detail + ")"
	}
	m.audit(host, "seat."+what, detail)
	seats := m.chamber.seats
	if seats == nil {
		return
	}
	room := m.spec.Room
	go func() {
		ctx, cancel := context.WithTimeout(context.Background(), seatTimeout)
		defer cancel()
		if err := seats.Speak(ctx, r.Seat, on); err != nil {
			m.log.Warn("switching a seat's microphone failed", "seat", r.Seat, "on", on, "err", err)
			if on {
				m.post(seatsReq{room: room, failed: &r})
			}
		}
	}()
}
