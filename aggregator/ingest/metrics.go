package ingest

import (
	"github.com/prometheus/client_golang/prometheus"

	"github.com/esdoctor/esdoctor/shared/promx"
)

type metrics struct {
	received, applied, redelivered, applyErrors prometheus.Counter
	rejected                                    *prometheus.CounterVec
}

func newMetrics(reg prometheus.Registerer) *metrics {
	m := &metrics{
		received: promx.Register(reg, prometheus.NewCounter(prometheus.CounterOpts{
			Name: "esdoctor_ingest_received_total", Help: "Messages delivered to the ingest, redeliveries included.",
		})),
		applied: promx.Register(reg, prometheus.NewCounter(prometheus.CounterOpts{
			Name: "esdoctor_ingest_applied_total", Help: "Events applied to the store and acknowledged.",
		})),
		redelivered: promx.Register(reg, prometheus.NewCounter(prometheus.CounterOpts{
			Name: "esdoctor_ingest_redelivered_total", Help: "Deliveries after the first of a message.",
		})),
		applyErrors: promx.Register(reg, prometheus.NewCounter(prometheus.CounterOpts{
			Name: "esdoctor_ingest_apply_errors_total", Help: "Events the store failed to apply (redelivered later).",
		})),
		rejected: promx.Register(reg, prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "esdoctor_ingest_rejected_total", Help: "Malformed messages rejected, by reason.",
		}, []string{"reason"})),
	}
	for _, r := range Reasons {
		m.rejected.WithLabelValues(r)
	}
	return m
}
