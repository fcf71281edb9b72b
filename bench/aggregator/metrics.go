package main

import (
	"fmt"
	"math"
	"net/http"
	"sort"
	"time"

	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"

	"github.com/esdoctor/esdoctor/aggregator/api"
)

// scrape is one read of the aggregator's /metrics.
type scrape map[string]*dto.MetricFamily

func scrapeMetrics(base string) (scrape, error) {
	c := http.Client{Timeout: 10 * time.Second}
	resp, err := c.Get(base + api.PathMetrics)
	if err != nil {
		return nil, fmt.Errorf("GET %s: %w", api.PathMetrics, err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("GET %s: %s", api.PathMetrics, resp.Status)
	}
	p := expfmt.NewTextParser(model.UTF8Validation)
	mfs, err := p.TextToMetricFamilies(resp.Body)
	if err != nil {
		return nil, fmt.Errorf("parse %s: %w", api.PathMetrics, err)
	}
	return scrape(mfs), nil
}

// sum adds every series of a counter or gauge.
func (s scrape) sum(name string) float64 {
	mf := s[name]
	if mf == nil {
		return 0
	}
	var v float64
	for _, m := range mf.GetMetric() {
		switch {
		case m.Counter != nil:
			v += m.GetCounter().GetValue()
		case m.Gauge != nil:
			v += m.GetGauge().GetValue()
		case m.Untyped != nil:
			v += m.GetUntyped().GetValue()
		}
	}
	return v
}

// byLabel sums a gauge or counter by one label's value.
func (s scrape) byLabel(name, label string) map[string]float64 {
	out := map[string]float64{}
	mf := s[name]
	if mf == nil {
		return out
	}
	for _, m := range mf.GetMetric() {
		var key string
		for _, lp := range m.GetLabel() {
			if lp.GetName() == label {
				key = lp.GetValue()
			}
		}
		out[key] += m.GetGauge().GetValue() + m.GetCounter().GetValue()
	}
	return out
}

// histogram is a cumulative histogram: upper bounds and counts.
type histogram struct {
	count  uint64
	sum    float64
	bounds []float64
	counts []uint64
}

func (s scrape) histogram(name string) histogram {
	mf := s[name]
	if mf == nil || len(mf.GetMetric()) == 0 {
		return histogram{}
	}
	h := mf.GetMetric()[0].GetHistogram()
	out := histogram{count: h.GetSampleCount(), sum: h.GetSampleSum()}
	for _, b := range h.GetBucket() {
		out.bounds = append(out.bounds, b.GetUpperBound())
		out.counts = append(out.counts, b.GetCumulativeCount())
	}
	return out
}

// minus is the histogram of the observations made between o and h.
func (h histogram) minus(o histogram) histogram {
	out := histogram{count: h.count - o.count, sum: h.sum - o.sum, bounds: h.bounds}
	for i, c := range h.counts {
		if i < len(o.counts) {
			c -= o.counts[i]
		}
		out.counts = append(out.counts, c)
	}
	return out
}

func (h histogram) mean() time.Duration {
	if h.count == 0 {
		return 0
	}
	return time.Duration(h.sum / float64(h.count) * float64(time.Second))
}

// quantile is the upper bound of the bucket holding quantile q (an upper
// estimate); +Inf when it is beyond the last bucket.
func (h histogram) quantile(q float64) float64 {
	if h.count == 0 {
		return 0
	}
	want := uint64(math.Ceil(q * float64(h.count)))
	i := sort.Search(len(h.counts), func(i int) bool { return h.counts[i] >= want })
	if i == len(h.counts) {
		return math.Inf(1)
	}
	return h.bounds[i]
}

// Metric names read from the aggregator.
const (
	mStoreApplied    = "esdoctor_store_events_applied_total"
	mStoreDuplicates = "esdoctor_store_events_duplicate_total"
	mIngestReceived  = "esdoctor_ingest_received_total"
	mIngestRejected  = "esdoctor_ingest_rejected_total"
	mRedelivered     = "esdoctor_ingest_redelivered_total"
	mEvalDuration    = "esdoctor_evaluation_duration_seconds"
	mOpen            = "esdoctor_diagnoses_open"
	mNodes           = "esdoctor_store_nodes"
)
