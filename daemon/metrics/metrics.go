package metrics

import (
	"net/http"
	"strconv"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/kogge-project/kogge/rooms"
)

// Metrics is Kogge's own Prometheus registry (no global default registry,
// so tests can build as many servers as they like).
type Metrics struct {
	reg      *prometheus.Registry
	requests *prometheus.CounterVec
	duration *prometheus.HistogramVec
	storeTx  *prometheus.HistogramVec
	jobRuns  *prometheus.CounterVec
	jobTime  *prometheus.HistogramVec
}

// New builds the registry with the request, transaction and job metrics,
// the Go runtime and process collectors, and booking counts read from
// bookingsByStatus at every scrape.
func New(bookingsByStatus func() (map[rooms.Status]int, error)) *Metrics {
	m := &Metrics{
		reg: prometheus.NewRegistry(),
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "kogge_http_requests_total", Help: "HTTP requests by route and status code.",
		}, []string{"route", "code"}),
		duration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name: "kogge_http_request_duration_seconds", Help: "HTTP request duration by route.",
			Buckets: []float64{.0005, .001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5},
		}, []string{"route"}),
		storeTx: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name: "kogge_store_tx_duration_seconds", Help: "bbolt transaction duration by operation (commits include fsync).",
			Buckets: []float64{.00005, .0001, .00025, .0005, .001, .0025, .005, .01, .025, .05, .1, .5},
		}, []string{"op"}),
	}
	m.jobRuns = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "kogge_job_runs_total", Help: "Maintenance job runs by job and result.",
	}, []string{"job", "result"})
	m.jobTime = prometheus.NewHistogramVec(prometheus.HistogramOpts{
		Name: "kogge_job_duration_seconds", Help: "Maintenance job run time.",
		Buckets: prometheus.ExponentialBuckets(0.001, 4, 10),
	}, []string{"job"})
	m.reg.MustRegister(m.requests, m.duration, m.storeTx, m.jobRuns, m.jobTime,
		collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}),
		&bookingCollector{count: bookingsByStatus})
	return m
}

// ObserveRequest counts one request (package web calls it).
func (m *Metrics) ObserveRequest(route string, code int, d time.Duration) {
	m.requests.WithLabelValues(route, strconv.Itoa(code)).Inc()
	m.duration.WithLabelValues(route).Observe(d.Seconds())
}

// ObserveTx times one store transaction (store.Options.ObserveTx).
func (m *Metrics) ObserveTx(op string, d time.Duration) {
	m.storeTx.WithLabelValues(op).Observe(d.Seconds())
}

// ObserveJob counts one maintenance job run and its result (jobs.Start).
func (m *Metrics) ObserveJob(job, result string, d time.Duration) {
	m.jobRuns.WithLabelValues(job, result).Inc()
	m.jobTime.WithLabelValues(job).Observe(d.Seconds())
}

// MustRegister adds collectors to the registry; it panics on a clash, a
// programming error.
func (m *Metrics) MustRegister(cs ...prometheus.Collector) {
	m.reg.MustRegister(cs...)
}

// Handler serves the registry (GET /metrics).
func (m *Metrics) Handler() http.Handler {
	return promhttp.HandlerFor(m.reg, promhttp.HandlerOpts{})
}

// bookingCollector reads booking counts at scrape time from counters the
// store keeps, so a scrape never walks the bookings.
type bookingCollector struct {
	count func() (map[rooms.Status]int, error)
}

var bookingsDesc = prometheus.NewDesc("kogge_bookings", "Bookings by status.", []string{"status"}, nil)

func (c *bookingCollector) Describe(ch chan<- *prometheus.Desc) { ch <- bookingsDesc }

func (c *bookingCollector) Collect(ch chan<- prometheus.Metric) {
	counts, err := c.count()
	if err != nil {
		ch <- prometheus.NewInvalidMetric(bookingsDesc, err)
		return
	}
	for _, st := range rooms.Statuses {
		ch <- prometheus.MustNewConstMetric(bookingsDesc, prometheus.GaugeValue, float64(counts[st]), string(st))
	}
}
