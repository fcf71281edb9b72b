package spool

import (
	"github.com/prometheus/client_golang/prometheus"

	"github.com/esdoctor/esdoctor/shared/promx"
)

type metrics struct {
	bytes   prometheus.Gauge
	events  prometheus.Gauge
	full    prometheus.Counter
	corrupt prometheus.Counter
}

func newMetrics(reg prometheus.Registerer) *metrics {
	return &metrics{
		bytes: promx.Register(reg, prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "esdoctor_spool_bytes", Help: "Bytes of spool files on disk.",
		})),
		events: promx.Register(reg, prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "esdoctor_spool_events", Help: "Events in the spool not yet acknowledged by JetStream.",
		})),
		full: promx.Register(reg, prometheus.NewCounter(prometheus.CounterOpts{
			Name: "esdoctor_spool_full_total", Help: "Events dropped because the spool was full.",
		})),
		corrupt: promx.Register(reg, prometheus.NewCounter(prometheus.CounterOpts{
			Name: "esdoctor_spool_corrupt_total", Help: "Torn or corrupt spool records cut or skipped.",
		})),
	}
}
