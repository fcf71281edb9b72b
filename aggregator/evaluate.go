package aggregator

import (
	"context"
	"encoding/json"
	"time"

	"github.com/nats-io/nats.go"
	"go.uber.org/zap"

	"github.com/esdoctor/esdoctor/aggregator/api"
	"github.com/esdoctor/esdoctor/aggregator/tracker"
	"github.com/esdoctor/esdoctor/shared/diagnosis"
)

// loop evaluates the rules at most every EvalInterval after the store
// changed, and at least every MaxEvalInterval (clock-driven rules); it
// saves the history when it changed, at most every saveInterval. An
// evaluation that takes more than half of EvalInterval (a large model, a
// busy machine) pushes the next one back: evaluations take at most half
// of the time, and the ingest keeps the other half.
func (a *Aggregator) loop(ctx context.Context, nc *nats.Conn) {
	timer := time.NewTimer(a.o.EvalInterval)
	defer timer.Stop()
	lastSave := time.Now()
	for {
		select {
		case <-ctx.Done():
			return
		case <-timer.C:
		}
		start := time.Now()
		period := a.o.EvalInterval
		if a.store.Version() != a.evalVer.Load() || time.Since(a.lastEvaluation()) >= a.o.MaxEvalInterval {
			a.evaluate(nc)
			period = max(period, 2*time.Since(start))
		}
		if a.dirty.Load() && time.Since(lastSave) >= saveInterval {
			a.dirty.Store(false)
			a.saveHistory()
			lastSave = time.Now()
		}
		timer.Reset(max(period-time.Since(start), 0))
	}
}

// evaluate brings the diagnoses up to date with the store (the rules
// over the groups of clusters that changed, see aggregator/incremental),
// folds the result into the tracker, and publishes and counts the changes.
func (a *Aggregator) evaluate(nc *nats.Conn) {
	start := time.Now()
	version := a.store.Version()
	now := a.o.Now()
	ds, st := a.inc.Evaluate(a.store, now)
	changes := a.tracker.Update(now, ds)
	elapsed := time.Since(start)

	a.evalVer.Store(version)
	a.evals.Add(1)
	a.mu.Lock()
	a.lastEval = time.Now()
	a.mu.Unlock()
	a.m.observeEvaluation(elapsed, a.tracker, st, a.store.Len())
	if len(changes) > 0 {
		a.dirty.Store(true)
		a.clearResolvedAcks(changes)
	}
	for _, c := range changes {
		if c.Diagnosis.State == diagnosis.StateOpen {
			ds := []diagnosis.Diagnosis{c.Diagnosis}
			a.annotate(ds)
			c.Diagnosis = ds[0]
		}
		a.broker.Publish(api.EventDiagnosis, c)
		a.m.changes.WithLabelValues(string(c.Kind)).Inc()
		// A state change (opened, reopened, resolved) at info; an update
		// of an open diagnosis (new evidence, a count) at debug.
		level := zap.InfoLevel
		if c.Kind == tracker.Updated {
			level = zap.DebugLevel
		}
		a.log.Log(level, "diagnosis "+string(c.Kind), zap.String("code", c.Diagnosis.Code), zap.String("id", c.Diagnosis.ID),
			zap.Strings("clusters", c.Diagnosis.Clusters), zap.String("alias", c.Diagnosis.Alias), zap.Bool("reopened", c.Reopened))
		a.notify(nc, c)
	}
	if elapsed > time.Second {
		a.log.Warn("slow evaluation", zap.Duration("took", elapsed), zap.Int("diagnoses", len(ds)),
			zap.Int("groups_evaluated", st.Evaluated), zap.Int("groups", st.Groups), zap.Int("nodes_evaluated", st.Nodes))
	}
}

// notify publishes a change on esdoctor.v1.diagnosis.<code> (core NATS:
// a notification for whoever listens now; the API holds the state).
func (a *Aggregator) notify(nc *nats.Conn, c tracker.Change) {
	b, err := json.Marshal(c)
	if err != nil {
		a.log.Warn("cannot encode a diagnosis change", zap.Error(err))
		return
	}
	if err := nc.Publish(c.Subject(), b); err != nil {
		a.log.Debug("cannot publish a diagnosis change", zap.String("subject", c.Subject()), zap.Error(err))
	}
}
