package gotomeeting

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"golang.org/x/time/rate"
)

// EmulatorOptions configures an Emulator. Zero values give GoTo's defaults.
type EmulatorOptions struct {
	ClientID, ClientSecret string
	AccessTTL              time.Duration // default 3600s
	// RotateRefresh makes every refresh return a new refresh token and kill
	// the old one (GoTo does this only sometimes).
	RotateRefresh bool
	// InvalidTokenStatus is the status for a bad/expired access token:
	// 403 (observed on the gateway, default) or 401.
	InvalidTokenStatus int
	// RateLimit is requests/s over the whole meeting API (default 10); the
	// burst equals it. Negative disables limiting.
	RateLimit       float64
	MaxParticipants int    // default 250
	JoinURLBase     string // default DefaultJoinURLBase
	// MaxRunTime after which a started meeting stops counting as running
	// (default 8h).
	MaxRunTime time.Duration
}

// Emulator is an in-process GoToMeeting: OAuth server under /oauth, the
// meeting API under /G2M/rest, identity under /identity/v1. Point
// OAuthConfig.TokenURL at {base}/oauth/token and Config.BaseURL at
// {base}/G2M/rest.
type Emulator struct {
	opt     EmulatorOptions
	mux     *http.ServeMux
	limiter *rate.Limiter

	mu          sync.Mutex
	seq         int64
	lastMeeting int64
	codes       map[string]codeGrant
	access      map[string]accessGrant
	refresh     map[string]string // refresh token → organizer
	organizers  map[string]int64  // name → organizer key
	meetings    map[int64]*emMeeting
	faults      []Fault
	outage      bool
	hits        map[int]int // status → count, meeting API only
	requests    int
	refreshes   int
	// created counts the meetings made per Kogge reference (the
	// subject's "[kogge:…]"), so tests can tell a duplicate create.
	created map[string]int
}

type codeGrant struct{ clientID, redirectURI, organizer string }

type accessGrant struct {
	organizer string
	expiry    time.Time
}

type emMeeting struct {
	organizer        string
	id               int64
	subject          string
	start, end       time.Time
	passwordRequired bool
	callInfo         string
	meetingType      string
	startedAt        time.Time
	ended            bool
}

// NewEmulator returns an emulator with the given options.
func NewEmulator(opt EmulatorOptions) *Emulator {
	if opt.AccessTTL <= 0 {
		opt.AccessTTL = time.Hour
	}
	if opt.InvalidTokenStatus == 0 {
		opt.InvalidTokenStatus = http.StatusForbidden
	}
	if opt.RateLimit == 0 {
		opt.RateLimit = RequestsPerSecond
	}
	if opt.MaxParticipants == 0 {
		opt.MaxParticipants = 250
	}
	if opt.JoinURLBase == "" {
		opt.JoinURLBase = DefaultJoinURLBase
	}
	if opt.MaxRunTime <= 0 {
		opt.MaxRunTime = 8 * time.Hour
	}
	e := &Emulator{
		opt:        opt,
		mux:        http.NewServeMux(),
		codes:      map[string]codeGrant{},
		access:     map[string]accessGrant{},
		refresh:    map[string]string{},
		organizers: map[string]int64{},
		meetings:   map[int64]*emMeeting{},
		hits:       map[int]int{},
		created:    map[string]int{},
	}
	if opt.RateLimit > 0 {
		e.limiter = rate.NewLimiter(rate.Limit(opt.RateLimit), int(opt.RateLimit))
	}
	e.mux.HandleFunc("GET /oauth/authorize", e.authorize)
	e.mux.HandleFunc("POST /oauth/token", e.token)
	e.mux.HandleFunc("GET /identity/v1/Users/me", e.api(e.me))
	e.mux.HandleFunc("POST /G2M/rest/meetings", e.api(e.createMeeting))
	e.mux.HandleFunc("GET /G2M/rest/meetings/{id}", e.api(e.getMeeting))
	e.mux.HandleFunc("PUT /G2M/rest/meetings/{id}", e.api(e.updateMeeting))
	e.mux.HandleFunc("DELETE /G2M/rest/meetings/{id}", e.api(e.deleteMeeting))
	e.mux.HandleFunc("GET /G2M/rest/meetings/{id}/start", e.api(e.startMeeting))
	e.mux.HandleFunc("GET /G2M/rest/upcomingMeetings", e.api(e.upcoming))
	return e
}

func (e *Emulator) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	e.mu.Lock()
	out := e.outage
	e.mu.Unlock()
	if out {
		// An outage looks like a load balancer with no healthy backend.
		http.Error(w, "service unavailable", http.StatusServiceUnavailable)
		return
	}
	e.mux.ServeHTTP(w, r)
}

// organizerKeyLocked gives each organizer name a stable 9-digit-ish key.
func (e *Emulator) organizerKeyLocked(name string) int64 {
	k, ok := e.organizers[name]
	if !ok {
		k = 700000000 + int64(len(e.organizers)+1)
		e.organizers[name] = k
	}
	return k
}

func (e *Emulator) nextLocked(prefix string) string {
	e.seq++
	return fmt.Sprintf("%s%06d", prefix, e.seq)
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

func writeProductError(w http.ResponseWriter, status int, code, msg string) {
	writeJSON(w, status, productError{IntErrCode: code, Msg: msg})
}

// --- OAuth -----------------------------------------------------------------

// authorize stands in for the browser login: the organizer is named by
// the emulator-only "user" query parameter and approval is immediate.
func (e *Emulator) authorize(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	if q.Get("response_type") != "code" || q.Get("client_id") != e.opt.ClientID || q.Get("user") == "" {
		http.Error(w, "bad authorize request", http.StatusBadRequest)
		return
	}
	code := e.IssueCode(q.Get("user"), q.Get("redirect_uri"))
	v := url.Values{"code": {code}}
	if s := q.Get("state"); s != "" {
		v.Set("state", s)
	}
	http.Redirect(w, r, q.Get("redirect_uri")+"?"+v.Encode(), http.StatusFound)
}

// IssueCode emulates an organizer clicking Allow: it returns a one-time
// code bound to the client and redirectURI.
func (e *Emulator) IssueCode(organizer, redirectURI string) string {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.organizerKeyLocked(organizer)
	c := e.nextLocked("code-")
	e.codes[c] = codeGrant{clientID: e.opt.ClientID, redirectURI: redirectURI, organizer: organizer}
	return c
}

func oauthFail(w http.ResponseWriter, status int, code, desc string) {
	writeJSON(w, status, oauthError{Code: code, Description: desc})
}

func (e *Emulator) token(w http.ResponseWriter, r *http.Request) {
	id, secret, ok := r.BasicAuth()
	if !ok || id != e.opt.ClientID || secret != e.opt.ClientSecret {
		oauthFail(w, http.StatusUnauthorized, "invalid_client", "client not found")
		return
	}
	if err := r.ParseForm(); err != nil {
		oauthFail(w, http.StatusBadRequest, "invalid_request", err.Error())
		return
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	var org string
	rotate := true
	switch r.PostForm.Get("grant_type") {
	case "authorization_code":
		g, ok := e.codes[r.PostForm.Get("code")]
		if !ok || g.redirectURI != r.PostForm.Get("redirect_uri") {
			oauthFail(w, http.StatusBadRequest, "invalid_grant", "code invalid or used")
			return
		}
		delete(e.codes, r.PostForm.Get("code")) // one-time use
		org = g.organizer
	case "refresh_token":
		rt := r.PostForm.Get("refresh_token")
		o, ok := e.refresh[rt]
		if !ok {
			oauthFail(w, http.StatusBadRequest, "invalid_grant", "refresh token invalid")
			return
		}
		org = o
		e.refreshes++
		rotate = e.opt.RotateRefresh
		if rotate {
			delete(e.refresh, rt)
		}
	case "":
		oauthFail(w, http.StatusBadRequest, "invalid_request", "grant_type missing")
		return
	default:
		oauthFail(w, http.StatusBadRequest, "unsupported_grant_type", "grant type not supported")
		return
	}
	resp := e.issueLocked(org)
	if !rotate {
		resp.RefreshToken = "" // GoTo omits it when not rotated
	}
	writeJSON(w, http.StatusOK, resp)
}

func (e *Emulator) issueLocked(org string) tokenResponse {
	at := e.nextLocked("at-")
	e.access[at] = accessGrant{organizer: org, expiry: time.Now().Add(e.opt.AccessTTL)}
	rt := e.nextLocked("rt-")
	e.refresh[rt] = org
	return tokenResponse{
		AccessToken: at, TokenType: "Bearer", RefreshToken: rt,
		ExpiresIn: int(e.opt.AccessTTL / time.Second), Scope: "collab:",
		Principal: org + "@example.org",
	}
}

// IssueToken skips the interactive flow: tests and demo mode seed a
// TokenStore with it.
func (e *Emulator) IssueToken(organizer string) Token {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.organizerKeyLocked(organizer)
	tr := e.issueLocked(organizer)
	return Token{AccessToken: tr.AccessToken, RefreshToken: tr.RefreshToken,
		Expiry: time.Now().Add(e.opt.AccessTTL), Principal: tr.Principal}
}

// RevokeAccessTokens makes every access token invalid (as if GoTo expired
// them early), so the next API call must refresh.
func (e *Emulator) RevokeAccessTokens() {
	e.mu.Lock()
	defer e.mu.Unlock()
	clear(e.access)
}

// ValidRefreshTokens reports how many refresh tokens are still valid for
// the organizer.
func (e *Emulator) ValidRefreshTokens(organizer string) int {
	e.mu.Lock()
	defer e.mu.Unlock()
	n := 0
	for _, o := range e.refresh {
		if o == organizer {
			n++
		}
	}
	return n
}

// --- meeting API middleware ---------------------------------------------------

type apiHandler func(w http.ResponseWriter, r *http.Request, org string)

// api wraps a product endpoint with (in order) injected faults, the rate
// limit and bearer authentication, and counts the answers.
func (e *Emulator) api(h apiHandler) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		rec := &statusRecorder{ResponseWriter: w}
		e.serveAPI(rec, r, h)
		e.mu.Lock()
		e.requests++
		e.hits[rec.status]++
		e.mu.Unlock()
	}
}

func (e *Emulator) serveAPI(w *statusRecorder, r *http.Request, h apiHandler) {
	f, faulty := e.popFault(r.Method == http.MethodPost && r.URL.Path == "/G2M/rest/meetings")
	if faulty && !f.AfterCommit {
		f.apply(w, r)
		return
	}
	if e.limiter != nil && !e.limiter.Allow() {
		w.Header().Set("Retry-After", "1")
		writeProductError(w, http.StatusTooManyRequests, "TooManyRequests", "Rate limit exceeded")
		return
	}
	org, ok := e.authenticate(r)
	if !ok {
		writeProductError(w, e.opt.InvalidTokenStatus, "InvalidToken", "Invalid token passed")
		return
	}
	if faulty {
		// The change happens, the answer is lost: the ambiguous case.
		h(discardWriter{header: http.Header{}}, r, org)
		f.apply(w, r)
		return
	}
	h(w, r, org)
}

func (e *Emulator) authenticate(r *http.Request) (string, bool) {
	a := r.Header.Get("Authorization")
	var tok string
	switch {
	case strings.HasPrefix(a, "Bearer "):
		tok = strings.TrimPrefix(a, "Bearer ")
	case strings.HasPrefix(a, "OAuth oauth_token="): // very old samples
		tok = strings.TrimPrefix(a, "OAuth oauth_token=")
	default:
		return "", false
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	g, ok := e.access[tok]
	if !ok || !time.Now().Before(g.expiry) {
		return "", false
	}
	return g.organizer, true
}

type statusRecorder struct {
	http.ResponseWriter
	status int
}

func (s *statusRecorder) WriteHeader(code int) {
	if s.status == 0 {
		s.status = code
	}
	s.ResponseWriter.WriteHeader(code)
}

func (s *statusRecorder) Write(b []byte) (int, error) {
	if s.status == 0 {
		s.status = http.StatusOK
	}
	return s.ResponseWriter.Write(b)
}

type discardWriter struct{ header http.Header }

func (d discardWriter) Header() http.Header         { return d.header }
func (d discardWriter) Write(b []byte) (int, error) { return len(b), nil }
func (d discardWriter) WriteHeader(int)             {}

// Refreshes counts successful refresh_token grants.
func (e *Emulator) Refreshes() int {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.refreshes
}
