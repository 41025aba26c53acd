package cocon

import (
	"context"
	"crypto/rand"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"
)

// EmulatorOptions describe the emulated CoCon server; the zero value is a
// chamber of eight seats, four microphones on at most.
type EmulatorOptions struct {
	Seats     int // 8 when zero
	MaxActive int // microphones on at once; 4 when zero (§5.1 MaxNrActive)
	Delegates map[int]Delegate
	// PollTimeout is when an open notification request is answered 408
	// (30 s like the server when zero; tests make it short).
	PollTimeout time.Duration
	// Expire forgets a connection that has not polled for this long (60 s
	// when zero, §3.2).
	Expire time.Duration
}

// Emulator is an in-process CoCon server: the Connect/Subscribe/
// Notification API, the Microphone model with its request list, and the
// Delegate model's seating. What delegates do at their units (press the
// request button, sit down) are its methods.
type Emulator struct {
	opts EmulatorOptions

	mu        sync.Mutex
	speakers  []int
	requests  []int
	delegates map[int]Delegate
	clients   map[string]*emuClient
	commands  []string
	polls     int // notification requests taken
	timeouts  int // of them answered 408
	srv       *http.Server
	addr      string
}

type emuClient struct {
	models   map[string]bool
	pending  []Event
	wake     chan struct{} // closed and replaced when an event is queued
	lastPoll time.Time
}

// NewEmulator builds an emulator; Start puts it to work.
func NewEmulator(opts EmulatorOptions) *Emulator {
	if opts.Seats <= 0 {
		opts.Seats = 8
	}
	if opts.MaxActive <= 0 {
		opts.MaxActive = 4
	}
	if opts.PollTimeout <= 0 {
		opts.PollTimeout = 30 * time.Second
	}
	if opts.Expire <= 0 {
		opts.Expire = 60 * time.Second
	}
	d := map[int]Delegate{}
	for k, v := range opts.Delegates {
		d[k] = v
	}
	return &Emulator{opts: opts, delegates: d, clients: map[string]*emuClient{}}
}

// Start listens on addr ("127.0.0.1:0" in tests). After Close it may be
// started again, on the same address: a restarted server that has
// forgotten every connection id.
func (e *Emulator) Start(addr string) error {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return err
	}
	mux := http.NewServeMux()
	mux.HandleFunc("/CoCon/", e.serve)
	mux.HandleFunc("/units", e.ServeUnits)
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 5 * time.Second}
	e.mu.Lock()
	e.srv, e.addr = srv, ln.Addr().String()
	e.mu.Unlock()
	go srv.Serve(ln)
	return nil
}

// Addr is the address the emulator listens on.
func (e *Emulator) Addr() string {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.addr
}

// Close stops the server; the connection ids die with it.
func (e *Emulator) Close() {
	e.mu.Lock()
	srv := e.srv
	e.srv = nil
	for _, c := range e.clients {
		close(c.wake) // end the open polls
	}
	e.clients = map[string]*emuClient{}
	e.mu.Unlock()
	if srv != nil {
		ctx, cancel := context.WithTimeout(context.Background(), time.Second)
		defer cancel()
		srv.Shutdown(ctx)
		srv.Close()
	}
}

// Commands lists the requests the emulator took, "SetState On 3" (tests).
func (e *Emulator) Commands() []string {
	e.mu.Lock()
	defer e.mu.Unlock()
	return slices.Clone(e.commands)
}

// Polls counts the notification requests the emulator took and how many
// of them it answered 408 (tests).
func (e *Emulator) Polls() (polls, timeouts int) {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.polls, e.timeouts
}

// reply writes body as the server does: a JSON string holding the JSON
// text (§3.3).
func reply(w http.ResponseWriter, code int, body string) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(code)
	b, _ := json.Marshal(body)
	w.Write(b)
}

func (e *Emulator) serve(w http.ResponseWriter, r *http.Request) {
	path := strings.TrimSuffix(strings.TrimPrefix(r.URL.Path, "/CoCon/"), "/")
	q := r.URL.Query()
	if id, ok := strings.CutPrefix(path, "Notification/id="); ok {
		e.notification(w, r, id)
		return
	}
	switch path {
	case "Connect":
		id := newID()
		e.mu.Lock()
		// Clients start subscribed to every model but the button events
		// (§4): Subscribe is how a careful client makes sure.
		e.clients[id] = &emuClient{models: map[string]bool{"*": true}, wake: make(chan struct{}), lastPoll: time.Now()}
		e.mu.Unlock()
		reply(w, http.StatusOK, `{"Connect":true,"id":"`+id+`"}`)
	case "Disconnect":
		e.mu.Lock()
		if c := e.clients[q.Get("Id")]; c != nil {
			close(c.wake)
			delete(e.clients, q.Get("Id"))
		}
		e.mu.Unlock()
		reply(w, http.StatusOK, `{"Disconnect":true}`)
	case "Subscribe", "Unsubscribe":
		e.mu.Lock()
		c := e.client(q.Get("id"))
		if c != nil {
			c.models[q.Get("Model")] = path == "Subscribe"
		}
		e.mu.Unlock()
		if c == nil {
			reply(w, http.StatusBadRequest, `{"`+path+`":"Error 400"}`)
			return
		}
		reply(w, http.StatusOK, `{"`+path+`":true}`)
	case "Microphone/GetState":
		e.mu.Lock()
		st := e.micState()
		e.mu.Unlock()
		reply(w, http.StatusOK, `{"GetState":{"State":`+st+`}}`)
	case "Microphone/SetState":
		seat, err := strconv.Atoi(q.Get("SeatNr"))
		state := MicState(q.Get("State"))
		if err != nil || seat < 1 || seat > e.opts.Seats || !slices.Contains([]MicState{MicOn, MicOff, MicRequest}, state) {
			reply(w, http.StatusOK, "1") // wrong parameter (§3.4)
			return
		}
		e.mu.Lock()
		e.commands = append(e.commands, fmt.Sprintf("SetState %s %d", state, seat))
		e.mu.Unlock()
		e.setState(seat, state)
		reply(w, http.StatusOK, "0")
	default:
		reply(w, http.StatusNotFound, `{"Error":"unknown command"}`)
	}
}

// client returns a live connection (nil: unknown or expired). e.mu held.
func (e *Emulator) client(id string) *emuClient {
	c := e.clients[id]
	if c != nil && time.Since(c.lastPoll) > e.opts.Expire {
		close(c.wake)
		delete(e.clients, id)
		return nil
	}
	return c
}

// notification is the long poll: the next queued event at once, else
// wait for one until the poll timeout (408).
func (e *Emulator) notification(w http.ResponseWriter, r *http.Request, id string) {
	timer := time.NewTimer(e.opts.PollTimeout)
	defer timer.Stop()
	first := true
	for {
		e.mu.Lock()
		c := e.client(id)
		if c == nil {
			e.mu.Unlock()
			reply(w, http.StatusBadRequest, `{"Notification":"Error 400"}`)
			return
		}
		c.lastPoll = time.Now()
		if first {
			e.polls++
			first = false
		}
		if len(c.pending) > 0 {
			// One event per reply; the client asks again at once and
			// nothing is lost in between.
			ev := c.pending[0]
			c.pending = c.pending[1:]
			e.mu.Unlock()
			reply(w, http.StatusOK, `{"`+ev.Name+`":`+string(ev.Data)+`}`)
			return
		}
		wake := c.wake
		e.mu.Unlock()
		select {
		case <-wake:
		case <-timer.C:
			e.mu.Lock()
			if c := e.clients[id]; c != nil {
				c.lastPoll = time.Now()
			}
			e.timeouts++
			e.mu.Unlock()
			reply(w, http.StatusRequestTimeout, "Notification request timeout")
			return
		case <-r.Context().Done():
			return
		}
	}
}

// publish queues an event for the connections subscribed to its model.
// e.mu held.
func (e *Emulator) publish(model, name, data string) {
	for _, c := range e.clients {
		if on, set := c.models[model]; (set && !on) || (!set && !c.models["*"]) {
			continue
		}
		c.pending = append(c.pending, Event{Name: name, Data: json.RawMessage(data)})
		close(c.wake)
		c.wake = make(chan struct{})
	}
}

func (e *Emulator) micState() string {
	b, _ := json.Marshal(Microphones{Speakers: nonNil(e.speakers), Requests: nonNil(e.requests), Replies: []int{}})
	return string(b)
}

func nonNil(s []int) []int {
	if s == nil {
		return []int{}
	}
	return slices.Clone(s)
}

// setState changes a seat as the central unit does: on leaves the request
// list and joins the speakers (the longest speaking goes off past
// MaxActive); off leaves both; request joins the end of the list.
func (e *Emulator) setState(seat int, state MicState) {
	e.mu.Lock()
	defer e.mu.Unlock()
	before := e.micState()
	switch state {
	case MicOn:
		e.requests = slices.DeleteFunc(e.requests, func(s int) bool { return s == seat })
		if !slices.Contains(e.speakers, seat) {
			e.speakers = append(e.speakers, seat)
		}
		if len(e.speakers) > e.opts.MaxActive {
			e.speakers = e.speakers[len(e.speakers)-e.opts.MaxActive:]
		}
	case MicOff:
		e.requests = slices.DeleteFunc(e.requests, func(s int) bool { return s == seat })
		e.speakers = slices.DeleteFunc(e.speakers, func(s int) bool { return s == seat })
	case MicRequest:
		if !slices.Contains(e.requests, seat) && !slices.Contains(e.speakers, seat) {
			e.requests = append(e.requests, seat)
		}
	}
	if st := e.micState(); st != before {
		e.publish(ModelMicrophone, "MicrophoneState", st)
	}
}

// Request is a delegate pressing the request-to-speak button at a seat.
func (e *Emulator) Request(seat int) { e.setState(seat, MicRequest) }

// Speak is a delegate (or the chair) switching a seat's microphone on at
// the unit; Mute switches it off.
func (e *Emulator) Speak(seat int) { e.setState(seat, MicOn) }
func (e *Emulator) Mute(seat int)  { e.setState(seat, MicOff) }

// Speakers and Requests are the seats on and in request, in order.
func (e *Emulator) Speakers() []int {
	e.mu.Lock()
	defer e.mu.Unlock()
	return slices.Clone(e.speakers)
}

func (e *Emulator) Requests() []int {
	e.mu.Lock()
	defer e.mu.Unlock()
	return slices.Clone(e.requests)
}

// Seat puts a delegate on a seat (a badge inserted), or takes the seat's
// delegate away with a zero Delegate.
func (e *Emulator) Seat(seat int, d Delegate) {
	e.mu.Lock()
	defer e.mu.Unlock()
	if d == (Delegate{}) {
		delete(e.delegates, seat)
		e.publish(ModelDelegate, "DelegateOnSeat", fmt.Sprintf(`{"SeatNr":%d,"Delegate":"","OnSeat":false}`, seat))
		return
	}
	e.delegates[seat] = d
	b, _ := json.Marshal(d)
	e.publish(ModelDelegate, "DelegateOnSeat", fmt.Sprintf(`{"SeatNr":%d,"Delegate":%s,"OnSeat":true}`, seat, b))
}

// Delegates are who sits where now.
func (e *Emulator) Delegates() map[int]Delegate {
	e.mu.Lock()
	defer e.mu.Unlock()
	out := map[int]Delegate{}
	for k, v := range e.delegates {
		out[k] = v
	}
	return out
}

// newID is a connection id in the server's form (a GUID, §3.1).
func newID() string {
	b := make([]byte, 16)
	if _, err := rand.Read(b); err != nil {
		panic(errors.New("cocon emulator: no randomness"))
	}
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:16])
}
