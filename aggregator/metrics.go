package aggregator

import (
	"fmt"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/esdoctor/esdoctor/aggregator/incremental"
	"github.com/esdoctor/esdoctor/aggregator/tracker"
)

// metrics are the aggregator's own; the ingest registers
// esdoctor_ingest_* (received, applied, rejected{reason}, ...) on the same
// registry.
type metrics struct {
	ready        prometheus.Gauge
	open         *prometheus.GaugeVec
	resolved     prometheus.Gauge
	changes      *prometheus.CounterVec
	evalDuration prometheus.Histogram
	evalNodes    *prometheus.CounterVec
	evalGroups   prometheus.Gauge
	// siteKeyConflict is 1 when another aggregator on the same NATS
	// served a different site key at start.
	siteKeyConflict prometheus.Gauge
}

func newMetrics(reg prometheus.Registerer, a *Aggregator) (*metrics, error) {
	m := &metrics{
		ready: prometheus.NewGauge(prometheus.GaugeOpts{Name: "esdoctor_aggregator_ready",
			Help: "1 when the model is rebuilt and the API answers."}),
		open: prometheus.NewGaugeVec(prometheus.GaugeOpts{Name: "esdoctor_diagnoses_open",
			Help: "Open diagnoses by severity and code."}, []string{"severity", "code"}),
		resolved: prometheus.NewGauge(prometheus.GaugeOpts{Name: "esdoctor_diagnoses_resolved",
			Help: "Resolved diagnoses kept in the history."}),
		changes: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "esdoctor_diagnosis_changes_total",
			Help: "Diagnosis state changes (opened, updated, resolved)."}, []string{"change"}),
		evalDuration: prometheus.NewHistogram(prometheus.HistogramOpts{Name: "esdoctor_evaluation_duration_seconds",
			Help: "Time of one evaluation pass (the rules over the groups of clusters that changed, then the history).", Buckets: prometheus.ExponentialBuckets(0.0005, 2, 16)}),
		evalNodes: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "esdoctor_evaluation_nodes_total",
			Help: "Nodes the evaluation passes looked at: evaluated (their group of clusters changed) or kept (their result was kept)."}, []string{"pass"}),
		evalGroups: prometheus.NewGauge(prometheus.GaugeOpts{Name: "esdoctor_evaluation_groups",
			Help: "Groups of clusters that the rules relate (evaluated apart)."}),
		siteKeyConflict: prometheus.NewGauge(prometheus.GaugeOpts{Name: "esdoctor_site_key_conflict",
			Help: "1 when another aggregator on the same NATS served a different site key at start (agents asking each would not fingerprint alike)."}),
	}
	for _, k := range tracker.ChangeKinds {
		m.changes.WithLabelValues(string(k))
	}
	cs := []prometheus.Collector{m.ready, m.open, m.resolved, m.changes, m.evalDuration, m.evalNodes, m.evalGroups, m.siteKeyConflict,
		prometheus.NewCounterFunc(prometheus.CounterOpts{Name: "esdoctor_store_events_applied_total",
			Help: "Distinct events folded into the model."}, func() float64 { return float64(a.store.Stats().Applied) }),
		prometheus.NewCounterFunc(prometheus.CounterOpts{Name: "esdoctor_store_events_duplicate_total",
			Help: "Events delivered again and recognised by id (applied once)."}, func() float64 { return float64(a.store.Stats().Duplicates) }),
		prometheus.NewCounterFunc(prometheus.CounterOpts{Name: "esdoctor_replayed_events_total",
			Help: "Events applied by the model rebuild at start."}, func() float64 { return float64(a.replayed.Load()) }),
		prometheus.NewGaugeFunc(prometheus.GaugeOpts{Name: "esdoctor_console_clients",
			Help: "Clients following the event stream (console pages, esdoctor watch)."}, func() float64 { return float64(a.broker.Clients()) }),
		prometheus.NewGaugeFunc(prometheus.GaugeOpts{Name: "esdoctor_acks",
			Help: "Diagnoses with an acknowledgement record (in force or not) in the ESDOCTOR_ACKS bucket."}, func() float64 {
			if s := a.ackStore(); s != nil {
				return float64(s.Len())
			}
			return 0
		}),
		prometheus.NewGaugeFunc(prometheus.GaugeOpts{Name: "esdoctor_store_nodes",
			Help: "Nodes in the model."}, func() float64 { return float64(a.store.Len()) }),
	}
	for _, c := range cs {
		if err := reg.Register(c); err != nil {
			return nil, fmt.Errorf("aggregator: metrics: %w", err)
		}
	}
	return m, nil
}

// observeEvaluation records one evaluation and the open diagnoses.
func (m *metrics) observeEvaluation(took time.Duration, t *tracker.Tracker, s incremental.Stats, nodes int) {
	m.evalDuration.Observe(took.Seconds())
	m.evalNodes.WithLabelValues("evaluated").Add(float64(s.Nodes))
	m.evalNodes.WithLabelValues("kept").Add(float64(max(nodes-s.Nodes, 0)))
	m.evalGroups.Set(float64(s.Groups))
	m.open.Reset()
	for _, d := range t.List(tracker.Filter{}) {
		m.open.WithLabelValues(d.Severity, d.Code).Inc()
	}
	_, resolved := t.Len()
	m.resolved.Set(float64(resolved))
}
