package publish

import (
	"github.com/prometheus/client_golang/prometheus"

	"github.com/esdoctor/esdoctor/shared/promx"
)

type metrics struct {
	published  prometheus.Counter
	errors     prometheus.Counter
	duplicates prometheus.Counter
	dropped    *prometheus.CounterVec
}

func newMetrics(reg prometheus.Registerer) *metrics {
	m := &metrics{
		published: promx.Register(reg, prometheus.NewCounter(prometheus.CounterOpts{
			Name: "esdoctor_published_total", Help: "Events stored by JetStream (PubAck received).",
		})),
		errors: promx.Register(reg, prometheus.NewCounter(prometheus.CounterOpts{
			Name: "esdoctor_publish_errors_total", Help: "Failed publish attempts (retried).",
		})),
		duplicates: promx.Register(reg, prometheus.NewCounter(prometheus.CounterOpts{
			Name: "esdoctor_publish_duplicates_total", Help: "Events JetStream already had (re-sent after a crash or a lost PubAck).",
		})),
		dropped: promx.Register(reg, prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "esdoctor_publish_dropped_total", Help: "Events that can never be published, by reason.",
		}, []string{"reason"})),
	}
	for _, r := range []string{"encode", "too_large", "bad_subject"} {
		m.dropped.WithLabelValues(r)
	}
	return m
}
