package publish

import (
	"errors"

	"github.com/prometheus/client_golang/prometheus"
)

type metrics struct {
	published  prometheus.Counter
	errors     prometheus.Counter
	duplicates prometheus.Counter
	dropped    *prometheus.CounterVec
}

func newMetrics(reg prometheus.Registerer) *metrics {
	m := &metrics{
		published: register(reg, prometheus.NewCounter(prometheus.CounterOpts{
			Name: "esdoctor_published_total", Help: "Events stored by JetStream (PubAck received).",
		})),
		errors: register(reg, prometheus.NewCounter(prometheus.CounterOpts{
			Name: "esdoctor_publish_errors_total", Help: "Failed publish attempts (retried).",
		})),
		duplicates: register(reg, prometheus.NewCounter(prometheus.CounterOpts{
			Name: "esdoctor_publish_duplicates_total", Help: "Events JetStream already had (re-sent after a crash or a lost PubAck).",
		})),
		dropped: register(reg, prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "esdoctor_publish_dropped_total", Help: "Events that can never be published, by reason.",
		}, []string{"reason"})),
	}
	for _, r := range []string{"encode", "too_large", "bad_subject"} {
		m.dropped.WithLabelValues(r)
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
