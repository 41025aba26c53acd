package metrics

import (
	"io"
	"log/slog"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/kogge-project/kogge/daemon/backends"
	"github.com/kogge-project/kogge/daemon/config"
	"github.com/kogge-project/kogge/integrations/broker"
	"github.com/kogge-project/kogge/integrations/pexip"
	"github.com/kogge-project/kogge/rooms"
	"github.com/kogge-project/kogge/rooms/store"
)

// What the daemon observes is served under its names, booking counts
// for every status, including the ones no booking has.
func TestServesObservations(t *testing.T) {
	m := New(func() (map[rooms.Status]int, error) {
		return map[rooms.Status]int{rooms.StatusConfirmed: 3}, nil
	})
	m.ObserveRequest("GET /api/v1/rooms", 200, time.Millisecond)
	m.ObserveTx("create", time.Millisecond)
	m.ObserveJob("backup", "ok", time.Second)
	rec := httptest.NewRecorder()
	m.Handler().ServeHTTP(rec, httptest.NewRequest("GET", "/metrics", nil))
	body, _ := io.ReadAll(rec.Body)
	for _, want := range []string{
		`kogge_http_requests_total{code="200",route="GET /api/v1/rooms"} 1`,
		`kogge_http_request_duration_seconds_count{route="GET /api/v1/rooms"} 1`,
		`kogge_store_tx_duration_seconds_count{op="create"} 1`,
		`kogge_job_runs_total{job="backup",result="ok"} 1`,
		`kogge_job_duration_seconds_count{job="backup"} 1`,
		`kogge_bookings{status="confirmed"} 3`,
		`kogge_bookings{status="cancelled"} 0`,
	} {
		if !strings.Contains(string(body), want) {
			t.Errorf("metrics lack %s", want)
		}
	}
}

// Pexip's last licence report and the broker's view are exported at every
// scrape, without asking Pexip then.
func TestProviderMetrics(t *testing.T) {
	dir := t.TempDir()
	st, err := store.Open(filepath.Join(dir, "kogge.db"), store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	p := config.Demo(dir).Providers
	bes, _, err := backends.Build(p, st, nil)
	if err != nil {
		t.Fatal(err)
	}
	brk, err := broker.New(broker.Options{Providers: backends.List(p), Backends: bes, Store: st, Now: time.Now, Log: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatal(err)
	}
	pm := NewProviders(brk, func() *pexip.Licensing {
		return &pexip.Licensing{PortTotal: 100, PortCount: 3}
	})
	pm.Reconciled([]broker.ReconcileReport{{Provider: "builtin", Drift: 2}})
	reg := prometheus.NewRegistry()
	reg.MustRegister(pm)
	families, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]float64{}
	for _, f := range families {
		for _, m := range f.GetMetric() {
			key := f.GetName()
			for _, l := range m.GetLabel() {
				key += "{" + l.GetValue() + "}"
			}
			got[key] = m.GetGauge().GetValue()
		}
	}
	for key, want := range map[string]float64{
		"kogge_pexip_licensing{port_headroom}":    97,
		"kogge_provider_up{builtin}":              1,
		"kogge_provider_reconcile_drift{builtin}": 2,
		"kogge_provider_pool_size{builtin}":       0,
		"kogge_provider_licences_in_use{builtin}": 0,
	} {
		if v, ok := got[key]; !ok || v != want {
			t.Errorf("%s = %v (%v), want %v", key, v, ok, want)
		}
	}
}
