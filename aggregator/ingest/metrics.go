package ingest

import (
	"errors"

	"github.com/prometheus/client_golang/prometheus"
)

type metrics struct {
	received, applied, redelivered, applyErrors prometheus.Counter
	rejected                                    *prometheus.CounterVec
}

func newMetrics(reg prometheus.Registerer) *metrics {
	m := &metrics{
		received: register(reg, prometheus.NewCounter(prometheus.CounterOpts{
			Name: "esdoctor_ingest_received_total", Help: "Messages delivered to the ingest, redeliveries included.",
		})),
		applied: register(reg, prometheus.NewCounter(prometheus.CounterOpts{
			Name: "esdoctor_ingest_applied_total", Help: "Events applied to the store and acknowledged.",
		})),
		redelivered: register(reg, prometheus.NewCounter(prometheus.CounterOpts{
			Name: "esdoctor_ingest_redelivered_total", Help: "Deliveries after the first of a message.",
		})),
		applyErrors: register(reg, prometheus.NewCounter(prometheus.CounterOpts{
			Name: "esdoctor_ingest_apply_errors_total", Help: "Events the store failed to apply (redelivered later).",
		})),
		rejected: register(reg, prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "esdoctor_ingest_rejected_total", Help: "Malformed messages rejected, by reason.",
		}, []string{"reason"})),
	}
	for _, r := range Reasons {
		m.rejected.WithLabelValues(r)
	}
	return m
}

// register adds c to reg, reusing an identical collector already there.
func register[C prometheus.Collector](reg prometheus.Registerer, c C) C {
	if reg == nil {
		return c
	}
	if err := reg.Register(c); err != nil {
		var are prometheus.AlreadyRegisteredError
		if errors.As(err, &are) {
			if existing, ok := are.ExistingCollector.(C); ok {
				return existing
			}
		}
	}
	return c
}
