package main

import (
	"net/http"
	"strings"
	"testing"
)

func TestMetricsCountRequestsBookingsAndTransactions(t *testing.T) {
	e := newTestEnv(t)
	admin := e.login("admin")
	b := admin.create(nil)
	admin.do("POST", "/api/v1/bookings", booking(nil)) // 409
	admin.do("DELETE", "/api/v1/bookings/"+b.ID, nil, "If-Match", `"1"`)
	r := admin.do("GET", "/metrics", nil)
	if r.status != http.StatusOK {
		t.Fatalf("metrics: %d", r.status)
	}
	body := string(r.body)
	for _, want := range []string{
		`kogge_http_requests_total{code="201",route="POST /api/v1/bookings"} 1`,
		`kogge_http_requests_total{code="409",route="POST /api/v1/bookings"} 1`,
		`kogge_http_request_duration_seconds_count{route="DELETE /api/v1/bookings/{id}"} 1`,
		`kogge_bookings{status="cancelled"} 1`,
		`kogge_bookings{status="confirmed"} 0`,
		`kogge_store_tx_duration_seconds_count{op="create"}`,
	} {
		if !strings.Contains(body, want) {
			t.Errorf("metrics lack %s", want)
		}
	}
	if strings.Contains(body, testPassword) || strings.Contains(body, b.Title) {
		t.Error("metrics leak booking or account data")
	}
}

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
