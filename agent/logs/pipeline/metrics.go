package pipeline

import (
	"os"
	"sync"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/esdoctor/esdoctor/agent/logs/follow"
	"github.com/esdoctor/esdoctor/shared/promx"
)

type metrics struct {
	lines    prometheus.Counter
	symptoms *prometheus.CounterVec

	mu      sync.Mutex
	sources map[string]position // by source id: plain files still followed
}

type position struct {
	path string
	end  int64
}

// byRegistry shares one metrics per registry: the daemon runs a pipeline
// for the server logs and one for the service-mesh logs, and
// esdoctor_log_bytes_behind sums both.
var byRegistry sync.Map // prometheus.Registerer → *metrics

func newMetrics(reg prometheus.Registerer) *metrics {
	if reg != nil {
		if m, ok := byRegistry.Load(reg); ok {
			return m.(*metrics)
		}
	}
	m := &metrics{sources: map[string]position{}}
	if reg != nil {
		if old, loaded := byRegistry.LoadOrStore(reg, m); loaded {
			return old.(*metrics)
		}
	}
	m.lines = promx.Register(reg, prometheus.NewCounter(prometheus.CounterOpts{
		Name: "esdoctor_log_lines_total", Help: "Log lines read.",
	}))
	m.symptoms = promx.Register(reg, prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "esdoctor_log_symptoms_total", Help: "Symptoms recognised in the logs (each repeat counted), by code.",
	}, []string{"code"}))
	promx.Register(reg, prometheus.NewGaugeFunc(prometheus.GaugeOpts{
		Name: "esdoctor_log_bytes_behind", Help: "Bytes written to the followed plain log files and not read yet.",
	}, m.behind))
	return m
}

func (m *metrics) symptom(code string) { m.symptoms.WithLabelValues(code).Inc() }

// progress records how far a source was read.
func (m *metrics) progress(src follow.Source, end int64, final bool) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if final || src.Gzip {
		delete(m.sources, src.ID)
		return
	}
	m.sources[src.ID] = position{src.Path, end}
}

// behind sums, over the plain files being followed, their size minus
// what was read (at scrape time).
func (m *metrics) behind() float64 {
	m.mu.Lock()
	ps := make([]position, 0, len(m.sources))
	for _, p := range m.sources {
		ps = append(ps, p)
	}
	m.mu.Unlock()
	var n int64
	for _, p := range ps {
		if st, err := os.Stat(p.path); err == nil && st.Size() > p.end {
			n += st.Size() - p.end
		}
	}
	return float64(n)
}
