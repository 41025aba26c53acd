package pexip

import (
	"encoding/json"
	"fmt"
	"maps"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"
)

// Emulator is an in-memory Pexip Management Node (net/http handler) for
// tests and demo mode. It follows docs/protocols/pexip.md §3–§5 and §7:
// trailing slashes, Tastypie envelopes and pagination, 201 + Location,
// 202/204, field-error maps, Basic auth, 405 for PUT/DELETE on list URLs,
// and a 1000 requests / 60 s rate limit. Faults are switched with SetFaults.
type Emulator struct {
	Username, Password string
	// Now drives the rate-limit window; tests inject a fake clock.
	Now func() time.Time
	// RateLimit requests per RateWindow before 429 (0 disables).
	RateLimit  int
	RateWindow time.Duration
	// PortTotal is the licensing port_total reported by the status API.
	PortTotal int

	mu           sync.Mutex
	nextConfID   int
	nextAliasID  int
	nextPartID   int
	confs        map[int]*Conference
	participants []emuParticipant
	reqTimes     []time.Time
	faults       Faults
	hanging      chan struct{}
	requests     []string
	created      map[string]int // conferences made, by name
}

// Faults are injected failures. Counters are consumed one per request, in
// the order Down, Hang, Fail500, Fail429.
type Faults struct {
	Down    bool // outage: every request gets 503 with no JSON
	Hang    int  // next N requests block until the client gives up
	Fail500 int  // next N requests get 500
	Fail429 int  // next N requests get 429
}

type emuParticipant struct {
	id, conference, role, name string
}

// NewEmulator returns an emulator accepting the given Basic credentials.
func NewEmulator(username, password string) *Emulator {
	return &Emulator{
		Username: username, Password: password,
		Now:       time.Now,
		RateLimit: 1000, RateWindow: 60 * time.Second,
		PortTotal: 100,
		confs:     map[int]*Conference{},
		created:   map[string]int{},
		hanging:   make(chan struct{}, 64),
	}
}

// SetFaults replaces the fault knobs.
func (e *Emulator) SetFaults(f Faults) {
	e.mu.Lock()
	e.faults = f
	e.mu.Unlock()
}

// Hanging receives one value each time a request starts hanging, so tests
// can react without sleeping.
func (e *Emulator) Hanging() <-chan struct{} { return e.hanging }

// Created is how many conferences were created per name, deleted ones
// included: more than one is a duplicate create.
func (e *Emulator) Created() map[string]int {
	e.mu.Lock()
	defer e.mu.Unlock()
	return maps.Clone(e.created)
}

// Requests returns "METHOD path?query" for every request seen.
func (e *Emulator) Requests() []string {
	e.mu.Lock()
	defer e.mu.Unlock()
	return append([]string(nil), e.requests...)
}

func (e *Emulator) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	e.mu.Lock()
	e.requests = append(e.requests, r.Method+" "+r.URL.RequestURI())
	if fault := e.takeFault(); fault != 0 {
		e.mu.Unlock()
		switch fault {
		case -1:
			e.hanging <- struct{}{}
			<-r.Context().Done()
		case http.StatusServiceUnavailable:
			http.Error(w, "Service Unavailable", fault)
		default:
			writeJSON(w, fault, map[string]string{"error": http.StatusText(fault)})
		}
		return
	}
	defer e.mu.Unlock()
	if u, p, ok := r.BasicAuth(); !ok || u != e.Username || p != e.Password {
		w.Header().Set("WWW-Authenticate", `Basic realm="Pexip"`)
		writeJSON(w, http.StatusUnauthorized, map[string]string{"error": "Authentication credentials were not provided or are invalid."})
		return
	}
	if e.rateLimited() {
		writeJSON(w, http.StatusTooManyRequests, map[string]string{"error": "Too many requests"})
		return
	}
	e.route(w, r)
}

// takeFault returns the status to fail with, -1 to hang, or 0.
func (e *Emulator) takeFault() int {
	f := &e.faults
	switch {
	case f.Down:
		return http.StatusServiceUnavailable
	case f.Hang > 0:
		f.Hang--
		return -1
	case f.Fail500 > 0:
		f.Fail500--
		return http.StatusInternalServerError
	case f.Fail429 > 0:
		f.Fail429--
		return http.StatusTooManyRequests
	}
	return 0
}

func (e *Emulator) rateLimited() bool {
	if e.RateLimit <= 0 {
		return false
	}
	now := e.Now()
	keep := e.reqTimes[:0]
	for _, t := range e.reqTimes {
		if now.Sub(t) < e.RateWindow {
			keep = append(keep, t)
		}
	}
	e.reqTimes = keep
	if len(e.reqTimes) >= e.RateLimit {
		return true
	}
	e.reqTimes = append(e.reqTimes, now)
	return false
}

func (e *Emulator) route(w http.ResponseWriter, r *http.Request) {
	p := r.URL.Path
	if !strings.HasSuffix(p, "/") {
		// Django's APPEND_SLASH redirects safe requests; anything else
		// cannot be redirected without losing the body, so it is a 404.
		if r.Method == http.MethodGet || r.Method == http.MethodHead {
			http.Redirect(w, r, p+"/", http.StatusMovedPermanently)
			return
		}
		writeJSON(w, http.StatusNotFound, map[string]string{"error": "Not Found"})
		return
	}
	switch {
	case p == Conferences.path:
		e.conferenceList(w, r)
	case p == ConferenceAliases.path:
		e.aliasList(w, r)
	case strings.HasPrefix(p, Conferences.path):
		e.conferenceObject(w, r, strings.TrimPrefix(p, Conferences.path))
	case p == StatusLicensing.path, p == StatusConferences.path, p == StatusParticipant.path:
		e.status(w, r, p)
	default:
		writeJSON(w, http.StatusNotFound, map[string]string{"error": "Not Found"})
	}
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

func methodNotAllowed(w http.ResponseWriter, allow string) {
	w.Header().Set("Allow", allow)
	writeJSON(w, http.StatusMethodNotAllowed, map[string]string{"error": "Method not allowed"})
}

// objectID parses "42/" (the remainder after the list path).
func objectID(rest string) (int, bool) {
	s, ok := strings.CutSuffix(rest, "/")
	if !ok || strings.Contains(s, "/") {
		return 0, false
	}
	id, err := strconv.Atoi(s)
	return id, err == nil && id > 0
}

func uuidFor(prefix string, n int) string {
	return fmt.Sprintf("%08x-0000-4000-8000-%012x", len(prefix), n)
}
