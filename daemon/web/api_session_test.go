package web

import (
	"net/http"
	"net/http/httptest"
	"net/netip"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/pquerna/otp/totp"

	"github.com/kogge-project/kogge/rooms/accounts"
)

// loginOverHTTP posts the login form and returns the response.
func (e *testEnv) loginOverHTTP(name, password, code string, headers ...string) response {
	return e.anonymous().do("POST", "/api/v1/session", map[string]string{"name": name, "password": password, "code": code}, headers...)
}

func sessionCookieOf(t *testing.T, r response) *http.Cookie {
	t.Helper()
	for _, c := range (&http.Response{Header: r.header}).Cookies() {
		if c.Name == sessionCookie {
			return c
		}
	}
	t.Fatalf("no session cookie in %v", r.header)
	return nil
}

func TestLoginSetsAHardenedCookieAndLogoutEndsIt(t *testing.T) {
	e := newTestEnv(t)
	r := e.loginOverHTTP("anna", testPassword, "")
	if r.status != http.StatusCreated {
		t.Fatalf("login: %d %s", r.status, r.body)
	}
	ck := sessionCookieOf(t, r)
	if !ck.HttpOnly || ck.SameSite != http.SameSiteLaxMode || ck.Path != "/" {
		t.Fatalf("cookie %+v", ck)
	}
	if strings.Contains(string(r.body), ck.Value) {
		t.Fatal("the session token is in the response body")
	}
	anna := &client{e: e, cookie: ck}
	var who sessionView
	anna.do("GET", "/api/v1/session", nil).json(t, &who)
	if who.User.Name != "anna" || who.Via != "session" {
		t.Fatalf("whoami %+v", who)
	}
	if r := anna.do("DELETE", "/api/v1/session", nil); r.status != http.StatusNoContent {
		t.Fatalf("logout: %d", r.status)
	}
	anna.do("GET", "/api/v1/rooms", nil).problem(t, 401, "unauthenticated")
}

func TestLoginFailuresLookAlike(t *testing.T) {
	e := newTestEnv(t)
	wrong := e.loginOverHTTP("anna", "wrong password!", "").problem(t, 401, "invalid-credentials")
	unknown := e.loginOverHTTP("nobody", testPassword, "").problem(t, 401, "invalid-credentials")
	if wrong.Detail != unknown.Detail {
		t.Fatalf("unknown user and wrong password differ: %q / %q", unknown.Detail, wrong.Detail)
	}
	e.loginOverHTTP("anna", testPassword, "", "Content-Type", "text/plain").problem(t, 415, "unsupported-media-type")
}

func TestLoginIsRateLimited(t *testing.T) {
	e := newTestEnv(t, func(o *accounts.Options) { o.AccountBurst, o.AddressBurst = 3, 100 })
	for i := 0; i < 3; i++ {
		e.loginOverHTTP("anna", "wrong password!", "").problem(t, 401, "invalid-credentials")
	}
	r := e.loginOverHTTP("anna", testPassword, "")
	r.problem(t, 429, "rate-limited")
	if r.header.Get("Retry-After") == "" {
		t.Fatal("429 without Retry-After")
	}
	e.now = e.now.Add(time.Minute)
	if r := e.loginOverHTTP("anna", testPassword, ""); r.status != http.StatusCreated {
		t.Fatalf("after waiting: %d %s", r.status, r.body)
	}
}

// TestGuesserElsewhereCannotLockTheLogin is the lockout attack over HTTP
// behind a trusted proxy: 192.0.2.66 sends one wrong password a second for
// ten minutes; the real user, from 198.51.100.7, logs in at once each
// time (before the fix: 429 on 9 of 10 tries).
func TestGuesserElsewhereCannotLockTheLogin(t *testing.T) {
	var slept []time.Duration // the handler runs on the server's goroutines, one at a time here
	var mu sync.Mutex
	e := newTestEnv(t, func(o *accounts.Options) {
		o.AccountRate, o.AccountBurst, o.AddressRate, o.AddressBurst = 0, 0, 0, 0 // production limits
		o.Sleep = func(d time.Duration) { mu.Lock(); slept = append(slept, d); mu.Unlock() }

	})
	proxy := httptest.NewServer(TrustedProxies(e.srv.Config.Handler, []netip.Prefix{netip.MustParsePrefix("127.0.0.0/8")}))
	t.Cleanup(proxy.Close)
	post := func(password, from string) int {
		body := strings.NewReader(`{"name":"anna","password":"` + password + `"}`)
		req, _ := http.NewRequest("POST", proxy.URL+"/api/v1/session", body)
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("X-Forwarded-For", from)
		resp, err := proxy.Client().Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.StatusCode
	}
	refused := 0
	for i := range 600 {
		// The real user tries once a minute meanwhile, and always gets in.
		if i%60 == 30 {
			if got := post(testPassword, "198.51.100.7"); got != http.StatusCreated {
				t.Fatalf("the real user's login after %d s: %d", i, got)
			}
		}
		switch post("wrong password!", "192.0.2.66") {
		case http.StatusTooManyRequests:
			refused++
		case http.StatusUnauthorized:
		default:
			t.Fatal("unexpected status")
		}
		e.now = e.now.Add(time.Second)
	}
	if refused < 500 {
		t.Fatalf("the guesser was refused only %d times of 600", refused)
	}
	if got := post(testPassword, "198.51.100.7"); got != http.StatusCreated {
		t.Fatalf("the real user's login at the end: %d", got)
	}
	mu.Lock()
	defer mu.Unlock()
	if len(slept) != 0 {
		t.Fatalf("the logins were slowed: %v", slept)
	}
}

func TestCrossOriginCookieWritesAreRefused(t *testing.T) {
	e := newTestEnv(t)
	anna := e.login("anna")
	anna.do("POST", "/api/v1/bookings", booking(nil), "Origin", "https://evil.example", "Sec-Fetch-Site", "cross-site").
		problem(t, 403, "cross-origin")
	var page bookingPage
	anna.do("GET", "/api/v1/bookings", nil).json(t, &page)
	if len(page.Bookings) != 0 {
		t.Fatal("a cross-site request created a booking")
	}
	anna.do("POST", "/api/v1/bookings", booking(nil), "Sec-Fetch-Site", "same-origin")
	e.token("anna").create(map[string]any{"start": "2026-12-02T16:00:00+01:00", "end": "2026-12-02T17:00:00+01:00"})
}

func TestTOTPEnrolmentAndLogin(t *testing.T) {
	e := newTestEnv(t, func(o *accounts.Options) { o.RequireTOTP = true })
	r := e.loginOverHTTP("anna", testPassword, "")
	var sv sessionView
	r.json(t, &sv)
	if !sv.MustEnrolTOTP {
		t.Fatalf("TOTP mandatory but session %+v", sv)
	}
	anna := &client{e: e, cookie: sessionCookieOf(t, r)}
	anna.do("GET", "/api/v1/rooms", nil).problem(t, 403, "totp-enrolment-required")

	var enrol struct{ Secret, OtpauthURL string }
	anna.do("POST", "/api/v1/session/totp", "{}").problem(t, 401, "invalid-credentials")
	anna.do("POST", "/api/v1/session/totp", map[string]string{"password": testPassword}).json(t, &enrol)
	if enrol.Secret == "" {
		t.Fatal("no secret")
	}
	anna.do("POST", "/api/v1/session/totp/confirm", map[string]string{"code": "000000"}).problem(t, 422, "invalid-code")
	code, err := totp.GenerateCode(enrol.Secret, e.now)
	if err != nil {
		t.Fatal(err)
	}
	if r := anna.do("POST", "/api/v1/session/totp/confirm", map[string]string{"code": code}); r.status != http.StatusNoContent {
		t.Fatalf("confirm: %d %s", r.status, r.body)
	}
	if r := anna.do("GET", "/api/v1/rooms", nil); r.status != 200 {
		t.Fatalf("after enrolment: %d %s", r.status, r.body)
	}
	e.loginOverHTTP("anna", testPassword, "").problem(t, 401, "totp-required")
	e.now = e.now.Add(time.Minute)
	code, _ = totp.GenerateCode(enrol.Secret, e.now)
	if r := e.loginOverHTTP("anna", testPassword, code); r.status != http.StatusCreated {
		t.Fatalf("login with code: %d %s", r.status, r.body)
	}
	e.loginOverHTTP("anna", testPassword, code).problem(t, 401, "invalid-credentials") // replay

	// Replacing the factor needs the current code too.
	anna.do("POST", "/api/v1/session/totp", map[string]string{"password": testPassword}).problem(t, 401, "totp-required")
	e.now = e.now.Add(time.Minute)
	code, _ = totp.GenerateCode(enrol.Secret, e.now)
	if r := anna.do("POST", "/api/v1/session/totp", map[string]string{"password": testPassword, "code": code}); r.status != http.StatusCreated {
		t.Fatalf("re-enrol with password and code: %d %s", r.status, r.body)
	}
}

func TestTokensAndUsers(t *testing.T) {
	e := newTestEnv(t)
	anna, admin := e.login("anna"), e.login("admin")
	var created struct {
		Token string         `json:"token"`
		Info  accounts.Token `json:"info"`
	}
	anna.do("POST", "/api/v1/tokens", map[string]string{"label": "Kalender-Sync"}).json(t, &created)
	bot := &client{e: e, bearer: created.Token}
	if r := bot.do("GET", "/api/v1/rooms", nil); r.status != 200 {
		t.Fatalf("token: %d", r.status)
	}
	bot.do("POST", "/api/v1/tokens", map[string]string{"label": "x"}).problem(t, 403, "forbidden")
	e.login("bernd").do("DELETE", "/api/v1/tokens/"+created.Info.ID, nil).problem(t, 404, "no-such-token")
	if r := anna.do("DELETE", "/api/v1/tokens/"+created.Info.ID, nil); r.status != http.StatusNoContent {
		t.Fatalf("revoke: %d %s", r.status, r.body)
	}
	bot.do("GET", "/api/v1/rooms", nil).problem(t, 401, "unauthenticated")
	(&client{e: e, bearer: "kgt_forged"}).do("GET", "/api/v1/rooms", nil).problem(t, 401, "unauthenticated")

	var added struct {
		User     accounts.User `json:"user"`
		Password string        `json:"password"`
	}
	admin.do("POST", "/api/v1/users", map[string]string{"name": "carla", "role": "secretary"}).json(t, &added)
	if added.Password == "" || added.User.Role != accounts.RoleSecretary {
		t.Fatalf("added %+v", added)
	}
	if r := e.loginOverHTTP("carla", added.Password, ""); r.status != http.StatusCreated {
		t.Fatalf("carla cannot log in: %d", r.status)
	}
	admin.do("POST", "/api/v1/users", map[string]string{"name": "carla", "role": "secretary"}).problem(t, 409, "user-exists")
	admin.do("POST", "/api/v1/users", map[string]string{"name": "dora", "role": "king"}).problem(t, 422, "invalid-account")
	admin.do("POST", "/api/v1/users", map[string]string{"name": "dora", "role": "secretary", "password": "short"}).problem(t, 422, "invalid-account")
	admin.do("PATCH", "/api/v1/users/carla", map[string]any{"disabled": true})
	e.loginOverHTTP("carla", added.Password, "").problem(t, 401, "invalid-credentials")
	admin.do("PATCH", "/api/v1/users/nobody", map[string]any{"disabled": true}).problem(t, 404, "no-such-user")
}

func TestAStaleCookieNeitherLocksOutNorLingers(t *testing.T) {
	e := newTestEnv(t)
	stale := &client{e: e, cookie: &http.Cookie{Name: sessionCookie, Value: "gone"}}
	if r := stale.do("GET", "/", nil); r.status != 200 {
		t.Fatalf("front page with a stale cookie: %d", r.status)
	}
	r := stale.do("POST", "/api/v1/session", map[string]string{"name": "anna", "password": testPassword})
	if r.status != http.StatusCreated {
		t.Fatalf("login with a stale cookie: %d %s", r.status, r.body)
	}
	r = stale.do("GET", "/api/v1/rooms", nil)
	r.problem(t, 401, "unauthenticated")
	if ck := sessionCookieOf(t, r); ck.MaxAge >= 0 {
		t.Fatalf("stale cookie not cleared: %+v", ck)
	}
}
