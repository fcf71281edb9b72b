package main

import (
	"context"
	"fmt"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/esdoctor/esdoctor/aggregator/analyze"
	"github.com/esdoctor/esdoctor/aggregator/incremental"
	"github.com/esdoctor/esdoctor/aggregator/store"
	"github.com/esdoctor/esdoctor/aggregator/tracker"
)

// BenchmarkEvaluate is one full evaluation (the rules over the whole
// model, then the tracker: what every pass cost before the incremental
// evaluator, and what esdoctor analyze does) on the model the benchmark
// builds: the agents after their noise and 240 faults. It isolates the hot
// path for profiling: go test -run - -bench 'Evaluate$' -cpuprofile cpu.out.
func BenchmarkEvaluate(b *testing.B) {
	for _, agents := range []int{1000, 10000} {
		b.Run(fmt.Sprintf("agents=%d", agents), func(b *testing.B) {
			st, now := benchModel(b, agents, 240)
			tr := tracker.New(tracker.Options{})
			b.ReportAllocs()
			b.ResetTimer()
			for b.Loop() {
				ds := analyze.Evaluate(st, analyze.Options{Now: now})
				tr.Update(now, ds)
			}
		})
	}
}

// benchModel folds a fleet's first events, 20 noise events per agent and
// the faults into a store.
func benchModel(tb testing.TB, agents, faults int) (*store.Store, time.Time) {
	st, now, _ := benchModelFleet(tb, agents, faults)
	return st, now
}

// benchModelFleet is benchModel with its fleet.
func benchModelFleet(tb testing.TB, agents, faults int) (*store.Store, time.Time, *Fleet) {
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
	return st, now.Add(2 * time.Second), f
}

// BenchmarkEvaluateIncremental is one pass of the aggregator's evaluation
// as it runs under bench-aggregator's steady load: perPass events (the
// benign repeats and heartbeats of random agents, as many as arrive
// between two passes) folded into the model, then the incremental
// evaluator and the tracker. agents=10000/perPass=2000 is 10 000 agents
// at 1 event/s with a pass every 200 ms; perPass=20 is a quiet fleet.
// The full pass over the same model is BenchmarkEvaluate.
func BenchmarkEvaluateIncremental(b *testing.B) {
	for _, c := range []struct{ agents, perPass int }{{1000, 2000}, {10000, 20}, {10000, 2000}} {
		b.Run(fmt.Sprintf("agents=%d/perPass=%d", c.agents, c.perPass), func(b *testing.B) {
			st, now, f := benchModelFleet(b, c.agents, 240)
			inc := incremental.New(incremental.Options{})
			tr := tracker.New(tracker.Options{})
			ds, _ := inc.Evaluate(st, now)
			tr.Update(now, ds)
			rng := rand.New(rand.NewPCG(2, 2))
			ctx := context.Background()
			groups, evaluated := 0, 0
			b.ReportAllocs()
			b.ResetTimer()
			for b.Loop() {
				b.StopTimer()
				for range c.perPass {
					a := f.Agents[rng.IntN(len(f.Agents))]
					_ = st.Apply(ctx, a.nextEvent(now, rng, f.Start))
				}
				now = now.Add(200 * time.Millisecond)
				b.StartTimer()
				ds, s := inc.Evaluate(st, now)
				tr.Update(now, ds)
				groups += s.Groups
				evaluated += s.Evaluated
			}
			b.ReportMetric(float64(evaluated)/float64(max(groups, 1)), "evaluated/group")
		})
	}
}
