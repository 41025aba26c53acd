package web

import (
	"strings"
	"testing"
)

func TestHealthAndReadiness(t *testing.T) {
	e := newTestEnv(t)
	anon := e.anonymous()
	if r := anon.do("GET", "/healthz", nil); r.status != 200 {
		t.Fatalf("healthz %d", r.status)
	}
	if r := anon.do("GET", "/readyz", nil); r.status != 200 {
		t.Fatalf("readyz %d", r.status)
	}
	anon.do("GET", "/nothing/here", nil).problem(t, 404, "no-such-endpoint")
	r := anon.do("GET", "/healthz", nil)
	for _, h := range []string{"X-Content-Type-Options", "Content-Security-Policy", "X-Frame-Options"} {
		if r.header.Get(h) == "" {
			t.Errorf("missing %s", h)
		}
	}
}

func TestFrontPageAndStaticFiles(t *testing.T) {
	e := newTestEnv(t)
	r := e.anonymous().do("GET", "/", nil)
	if r.status != 200 || !strings.Contains(string(r.body), `<script type="module" src="/assets/kogge.js">`) {
		t.Fatalf("front page: %d %.200s", r.status, r.body)
	}
	if csp := r.header.Get("Content-Security-Policy"); !strings.Contains(csp, "default-src 'self'") {
		t.Fatalf("CSP %q", csp)
	}
	js := e.anonymous().do("GET", "/assets/kogge.js", nil)
	if js.status != 200 || !strings.HasPrefix(js.header.Get("Content-Type"), "text/javascript") {
		t.Fatalf("script: %d %s", js.status, js.header.Get("Content-Type"))
	}
	if strings.Contains(string(js.body), "innerHTML") {
		t.Fatal("kogge.js uses innerHTML; set textContent instead")
	}
	e.anonymous().do("GET", "/assets/nope.js", nil).problem(t, 404, "no-such-endpoint")
	e.anonymous().do("GET", "/assets/", nil).problem(t, 404, "no-such-endpoint")
}

func TestOtherMethodsGetA405Problem(t *testing.T) {
	e := newTestEnv(t)
	r := e.login("anna").do("PUT", "/api/v1/bookings", "{}")
	r.problem(t, 405, "method-not-allowed")
	if allow := r.header.Get("Allow"); allow != "GET, HEAD, POST" {
		t.Fatalf("Allow %q", allow)
	}
}
