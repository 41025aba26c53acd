package main

import (
	"net/http"
	"strconv"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/kogge-project/kogge/rooms"
)

// metrics is Kogge's own Prometheus registry (no global default registry,
// so tests can build as many servers as they like).
type metrics struct {
	reg      *prometheus.Registry
	requests *prometheus.CounterVec
	duration *prometheus.HistogramVec
	storeTx  *prometheus.HistogramVec
	jobRuns  *prometheus.CounterVec
	jobTime  *prometheus.HistogramVec
}

func newMetrics(bookingsByStatus func() (map[rooms.Status]int, error)) *metrics {
	m := &metrics{
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
func (m *metrics) ObserveRequest(route string, code int, d time.Duration) {
	m.requests.WithLabelValues(route, strconv.Itoa(code)).Inc()
	m.duration.WithLabelValues(route).Observe(d.Seconds())
}

func (m *metrics) observeTx(op string, d time.Duration) {
	m.storeTx.WithLabelValues(op).Observe(d.Seconds())
}

func (m *metrics) observeJob(job, result string, d time.Duration) {
	m.jobRuns.WithLabelValues(job, result).Inc()
	m.jobTime.WithLabelValues(job).Observe(d.Seconds())
}

// Handler serves the registry (GET /metrics).
func (m *metrics) Handler() http.Handler {
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
