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
