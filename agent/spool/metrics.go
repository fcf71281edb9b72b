package spool

import (
	"errors"

	"github.com/prometheus/client_golang/prometheus"
)

type metrics struct {
	bytes   prometheus.Gauge
	events  prometheus.Gauge
	full    prometheus.Counter
	corrupt prometheus.Counter
}

func newMetrics(reg prometheus.Registerer) *metrics {
	return &metrics{
		bytes: register(reg, prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "esdoctor_spool_bytes", Help: "Bytes of spool files on disk.",
		})),
		events: register(reg, prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "esdoctor_spool_events", Help: "Events in the spool not yet acknowledged by JetStream.",
		})),
		full: register(reg, prometheus.NewCounter(prometheus.CounterOpts{
			Name: "esdoctor_spool_full_total", Help: "Events dropped because the spool was full.",
		})),
		corrupt: register(reg, prometheus.NewCounter(prometheus.CounterOpts{
			Name: "esdoctor_spool_corrupt_total", Help: "Torn or corrupt spool records cut or skipped.",
		})),
	}
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
