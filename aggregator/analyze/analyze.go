// Package analyze runs the aggregator's fold and rules over bundles offline:
// the same store, the same pairing and the same rules as the live
// aggregator, so the same evidence gives the same diagnoses.
package analyze

import (
	"context"
	"time"

	"github.com/esdoctor/esdoctor/aggregator/pairing"
	"github.com/esdoctor/esdoctor/aggregator/rules"
	"github.com/esdoctor/esdoctor/aggregator/store"
	"github.com/esdoctor/esdoctor/shared/bundle"
	"github.com/esdoctor/esdoctor/shared/diagnosis"
	"github.com/esdoctor/esdoctor/shared/event"
)

// Options tune an analysis.
type Options struct {
	Rules rules.Options
	// Now is the evaluation time; default the latest time in the evidence.
	Now time.Time
	// QuietPeriod: a symptom that has not recurred while the fleet's logs
	// moved on by this long (to the latest log time in the evidence) no
	// longer counts as evidence (0: no limit, the offline default).
	QuietPeriod time.Duration
}

// Bundles folds every event of the bundles and evaluates the rules.
func Bundles(ctx context.Context, bs []*bundle.Bundle, o Options) ([]diagnosis.Diagnosis, *store.Store) {
	st := store.New()
	for _, b := range Latest(bs) {
		for _, e := range b.Events {
			_ = st.Apply(ctx, e)
		}
	}
	return Evaluate(st, o), st
}

// Latest keeps, for each node, only its most recent bundle: a node collected
// twice (a support case) holds the same log lines twice, folded with other
// counts.
func Latest(bs []*bundle.Bundle) []*bundle.Bundle {
	type key struct{ c, n string }
	idx := map[key]int{}
	var out []*bundle.Bundle
	for _, b := range bs {
		k := key{b.Cluster, b.Node}
		if i, ok := idx[k]; ok {
			if b.CreatedAt.After(out[i].CreatedAt) {
				out[i] = b
			}
			continue
		}
		idx[k] = len(out)
		out = append(out, b)
	}
	return out
}

// Events folds events and evaluates the rules.
func Events(ctx context.Context, es []*event.Envelope, o Options) []diagnosis.Diagnosis {
	st := store.New()
	for _, e := range es {
		_ = st.Apply(ctx, e)
	}
	return Evaluate(st, o)
}

// Evaluate runs the rules over a store.
func Evaluate(st *store.Store, o Options) []diagnosis.Diagnosis {
	nodes := st.Nodes()
	now := o.Now
	if now.IsZero() {
		now = st.Latest()
		for _, n := range nodes {
			if n.Snapshot != nil && n.Snapshot.InspectedAt.After(now) {
				now = n.Snapshot.InspectedAt
			}
		}
	}
	v := pairing.New(nodes, now)
	v.Quiet, v.QuietClock = o.QuietPeriod, st.Latest()
	return rules.Evaluate(v, o.Rules)
}

// Files streams the bundle files into one store, one event at a time, so
// that memory holds what the rules need (the store's fold), never a whole
// bundle. A node collected more than once counts with its latest bundle
// only (see Latest). It returns the headers of the bundles used and the
// first error met (naming its file).
func Files(ctx context.Context, paths []string, o Options) ([]diagnosis.Diagnosis, []*bundle.Header, error) {
	type key struct{ c, n string }
	latest := map[key]int{}
	var heads []*bundle.Header
	var use []string
	for _, p := range paths {
		h, err := bundle.Stream(p, true, nil)
		if err != nil {
			return nil, nil, err
		}
		k := key{h.Cluster, h.Node}
		if i, ok := latest[k]; ok {
			if h.CreatedAt.After(heads[i].CreatedAt) {
				heads[i], use[i] = h, p
			}
			continue
		}
		latest[k] = len(heads)
		heads = append(heads, h)
		use = append(use, p)
	}
	st := store.New()
	for i, p := range use {
		h, err := streamInto(ctx, st, p)
		if err != nil {
			return nil, nil, err
		}
		heads[i] = h
	}
	return Evaluate(st, o), heads, nil
}

// streamInto decodes the bundle at path in one goroutine and folds its
// events into st in this one, so decoding and folding use two cores. At
// most batches×batchSize events are in flight.
func streamInto(ctx context.Context, st *store.Store, path string) (*bundle.Header, error) {
	const batchSize, batches = 512, 8
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	ch := make(chan []*event.Envelope, batches)
	type result struct {
		h   *bundle.Header
		err error
	}
	done := make(chan result, 1)
	go func() {
		batch := make([]*event.Envelope, 0, batchSize)
		h, err := bundle.Stream(path, false, func(e *event.Envelope) error {
			batch = append(batch, e)
			if len(batch) == batchSize {
				select {
				case ch <- batch:
				case <-ctx.Done():
					return ctx.Err()
				}
				batch = make([]*event.Envelope, 0, batchSize)
			}
			return nil
		})
		if err == nil && len(batch) > 0 {
			select {
			case ch <- batch:
			case <-ctx.Done():
				err = ctx.Err()
			}
		}
		close(ch)
		done <- result{h, err}
	}()
	for batch := range ch {
		for _, e := range batch {
			_ = st.Apply(ctx, e)
		}
	}
	r := <-done
	if r.err == nil {
		r.err = ctx.Err()
	}
	return r.h, r.err
}
