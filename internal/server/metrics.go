package server

import (
	"net/http"
	"strconv"
	"time"

	"github.com/nlcron/nlcron/engine"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// Metrics holds the server's Prometheus metrics in their own registry. It
// implements [engine.Observer] and [engine.PruneObserver], so the same
// value is handed to the engine.
type Metrics struct {
	reg          *prometheus.Registry
	dispatchLag  prometheus.Histogram
	runsFinished *prometheus.CounterVec
	skips        *prometheus.CounterVec
	pruned       prometheus.Counter
	requests     *prometheus.CounterVec
	duration     *prometheus.HistogramVec
}

var (
	_ engine.Observer      = (*Metrics)(nil)
	_ engine.PruneObserver = (*Metrics)(nil)
)

// NewMetrics creates the metrics and registers them, with the Go runtime and
// process collectors, in a new registry.
func NewMetrics() *Metrics {
	m := &Metrics{
		reg: prometheus.NewRegistry(),
		dispatchLag: prometheus.NewHistogram(prometheus.HistogramOpts{
			Name:    "nlcron_dispatch_lag_seconds",
			Help:    "Delay between a schedule's fire time and the dispatch of its run.",
			Buckets: []float64{.001, .005, .01, .05, .1, .25, .5, 1, 2.5, 5, 10, 30, 60, 300},
		}),
		runsFinished: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "nlcron_runs_finished_total",
			Help: "Agent runs that ended, by final status.",
		}, []string{"status"}),
		skips: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "nlcron_skipped_fires_total",
			Help: "Schedule fire times that did not start a run, by reason.",
		}, []string{"reason"}),
		pruned: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "nlcron_pruned_total",
			Help: "Ended runs and occurrences deleted because they were older than the retention.",
		}),
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "nlcron_http_requests_total",
			Help: "HTTP requests answered, by route pattern and status code.",
		}, []string{"route", "code"}),
		duration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "nlcron_http_request_duration_seconds",
			Help:    "Time to answer HTTP requests, by route pattern.",
			Buckets: []float64{.0005, .001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5},
		}, []string{"route"}),
	}
	for _, s := range []engine.RunStatus{engine.RunCompleted, engine.RunFailed} {
		m.runsFinished.WithLabelValues(string(s))
	}
	for _, r := range []engine.SkipReason{engine.SkipOverlap, engine.SkipMinCadence, engine.SkipPaused, engine.SkipMissed} {
		m.skips.WithLabelValues(string(r))
	}
	m.reg.MustRegister(m.dispatchLag, m.runsFinished, m.skips, m.pruned, m.requests, m.duration,
		collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	return m
}

// DispatchLag implements [engine.Observer].
func (m *Metrics) DispatchLag(d time.Duration) { m.dispatchLag.Observe(d.Seconds()) }

// RunFinished implements [engine.Observer].
func (m *Metrics) RunFinished(status engine.RunStatus) {
	m.runsFinished.WithLabelValues(string(status)).Inc()
}

// Skipped implements [engine.Observer].
func (m *Metrics) Skipped(reason engine.SkipReason) { m.skips.WithLabelValues(string(reason)).Inc() }

// Pruned implements [engine.PruneObserver].
func (m *Metrics) Pruned(n int) { m.pruned.Add(float64(n)) }

// Handler serves the metrics in the Prometheus text format.
func (m *Metrics) Handler() http.Handler {
	return promhttp.HandlerFor(m.reg, promhttp.HandlerOpts{})
}

// observe records one answered request.
func (m *Metrics) observe(route string, code int, d time.Duration) {
	if m == nil {
		return
	}
	m.requests.WithLabelValues(route, strconv.Itoa(code)).Inc()
	m.duration.WithLabelValues(route).Observe(d.Seconds())
}
