package main

import (
	"context"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/esdoctor/esdoctor/aggregator/analyze"
	"github.com/esdoctor/esdoctor/aggregator/store"
	"github.com/esdoctor/esdoctor/aggregator/tracker"
)

// BenchmarkEvaluate is one evaluation of the aggregator's loop (the rules
// over the model, then the tracker) on the model the benchmark builds:
// 1000 agents after their noise and 240 faults. It isolates the hot path
// for profiling: go test -run - -bench Evaluate -cpuprofile cpu.out.
func BenchmarkEvaluate(b *testing.B) {
	st, now := benchModel(b, 1000, 240)
	tr := tracker.New(tracker.Options{})
	b.ReportAllocs()
	for b.Loop() {
		ds := analyze.Evaluate(st, analyze.Options{Now: now})
		tr.Update(now, ds)
	}
}

// benchModel folds a fleet's first events, 20 noise events per agent and
// the faults into a store.
func benchModel(tb testing.TB, agents, faults int) (*store.Store, time.Time) {
	tpl, err := loadTemplates()
	if err != nil {
		tb.Fatal(err)
	}
	now := time.Now().UTC()
	rng := rand.New(rand.NewPCG(1, 1))
	f, err := BuildFleet(tpl, agents, 0.05, rng, now)
	if err != nil {
		tb.Fatal(err)
	}
	st := store.New()
	ctx := context.Background()
	for _, a := range f.Agents {
		for _, e := range a.initialEvents() {
			_ = st.Apply(ctx, e)
		}
		for i := range 20 {
			_ = st.Apply(ctx, a.nextEvent(now.Add(time.Duration(i)*100*time.Millisecond), rng, f.Start))
		}
	}
	for i := range faults {
		kind := faultInvalidKey
		if i%2 == 1 {
			kind = faultMissingHeader
		}
		p := f.Pairs[rng.IntN(len(f.Pairs))]
		es, _, err := f.faultRecords(kind, faultKey(kind, i+1), p, p.Local.Agents[0], p.Remote.Agents[0], now)
		if err != nil {
			tb.Fatal(err)
		}
		for _, e := range es {
			_ = st.Apply(ctx, e)
		}
	}
	return st, now.Add(2 * time.Second)
}
