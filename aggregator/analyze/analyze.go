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
	return rules.Evaluate(pairing.New(nodes, now), o.Rules)
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
		h, err := bundle.Stream(p, false, func(e *event.Envelope) error {
			_ = st.Apply(ctx, e)
			return ctx.Err()
		})
		if err != nil {
			return nil, nil, err
		}
		heads[i] = h
	}
	return Evaluate(st, o), heads, nil
}
