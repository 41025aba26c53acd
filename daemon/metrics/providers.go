package metrics

import (
	"sync"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/kogge-project/kogge/integrations/broker"
	"github.com/kogge-project/kogge/integrations/pexip"
)

// Providers exports the broker's view at every scrape (pool, use,
// health), Pexip's last licence report and the last reconcile run's
// findings per provider. Register it with MustRegister.
type Providers struct {
	broker *broker.Broker
	// pexip is Pexip's last licence report (nil func or nil: none).
	pexip func() *pexip.Licensing
	mu    sync.Mutex
	last  map[string]broker.ReconcileReport
}

// NewProviders reports brk's providers and, when licensing returns one, Pexip's
// last licence report (licensing may be nil).
func NewProviders(brk *broker.Broker, licensing func() *pexip.Licensing) *Providers {
	return &Providers{broker: brk, pexip: licensing}
}

var (
	descPool   = prometheus.NewDesc("kogge_provider_pool_size", "Licences in a provider's pool (0: unlimited).", []string{"provider"}, nil)
	descInUse  = prometheus.NewDesc("kogge_provider_licences_in_use", "Licences held now.", []string{"provider"}, nil)
	descPeak   = prometheus.NewDesc("kogge_provider_licences_peak_7d", "Most licences held at once over the next 7 days.", []string{"provider"}, nil)
	descUp     = prometheus.NewDesc("kogge_provider_up", "1 when a provider is healthy, 0.5 degraded, 0 down.", []string{"provider"}, nil)
	descDrift  = prometheus.NewDesc("kogge_provider_reconcile_drift", "Differences the last reconcile run found.", []string{"provider"}, nil)
	descOrphan = prometheus.NewDesc("kogge_provider_reconcile_orphans_deleted", "External meetings without a booking that the last reconcile run deleted.", []string{"provider"}, nil)
	descPexip  = prometheus.NewDesc("kogge_pexip_licensing", "Pexip Infinity licence usage from its status API (port, audio, vmr, system counts and totals).", []string{"figure"}, nil)
)

// Describe implements prometheus.Collector.
func (p *Providers) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range []*prometheus.Desc{descPool, descInUse, descPeak, descUp, descDrift, descOrphan, descPexip} {
		ch <- d
	}
}

// Collect implements prometheus.Collector.
func (p *Providers) Collect(ch chan<- prometheus.Metric) {
	if st, err := p.broker.Status(); err == nil {
		for _, s := range st {
			up := map[string]float64{"up": 1, "degraded": 0.5}[s.Health]
			ch <- prometheus.MustNewConstMetric(descPool, prometheus.GaugeValue, float64(s.PoolSize), s.Name)
			ch <- prometheus.MustNewConstMetric(descInUse, prometheus.GaugeValue, float64(s.InUse), s.Name)
			ch <- prometheus.MustNewConstMetric(descPeak, prometheus.GaugeValue, float64(s.Peak7d), s.Name)
			ch <- prometheus.MustNewConstMetric(descUp, prometheus.GaugeValue, up, s.Name)
		}
	}
	if p.pexip != nil {
		if l := p.pexip(); l != nil {
			for figure, v := range l.Metrics() {
				ch <- prometheus.MustNewConstMetric(descPexip, prometheus.GaugeValue, v, figure)
			}
		}
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	for name, r := range p.last {
		ch <- prometheus.MustNewConstMetric(descDrift, prometheus.GaugeValue, float64(r.Drift), name)
		ch <- prometheus.MustNewConstMetric(descOrphan, prometheus.GaugeValue, float64(r.OrphansDeleted), name)
	}
}

// Reconciled keeps a reconcile run's findings for the next scrapes.
func (p *Providers) Reconciled(reps []broker.ReconcileReport) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.last == nil {
		p.last = map[string]broker.ReconcileReport{}
	}
	for _, r := range reps {
		p.last[r.Provider] = r
	}
}
