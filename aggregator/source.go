package aggregator

import (
	"context"
	"errors"
	"time"

	"github.com/esdoctor/esdoctor/aggregator/api"
	"github.com/esdoctor/esdoctor/aggregator/store"
	"github.com/esdoctor/esdoctor/aggregator/tracker"
	"github.com/esdoctor/esdoctor/shared/diagnosis"
)

// errStopped is returned by WaitReady when Run returned before it was
// ready.
var errStopped = errors.New("aggregator: stopped before it was ready")

// Ready reports whether the model is rebuilt and evaluated, i.e. the API
// answers.
func (a *Aggregator) Ready() bool { return a.ready.Load() }

// WaitReady waits until the aggregator is ready, it stopped, or ctx ends.
func (a *Aggregator) WaitReady(ctx context.Context) error {
	select {
	case <-a.readyC:
		return nil
	case <-a.stopped:
		return errStopped
	case <-ctx.Done():
		return ctx.Err()
	}
}

// Done is closed when Run has returned.
func (a *Aggregator) Done() <-chan struct{} { return a.stopped }

// Diagnoses returns the diagnoses q selects, in the contract's order.
func (a *Aggregator) Diagnoses(q api.Query) []diagnosis.Diagnosis {
	ds := a.tracker.List(tracker.Filter{State: q.State, Code: q.Code, Cluster: q.Cluster})
	a.annotate(ds)
	return ds
}

// Diagnosis returns one diagnosis by id, open or resolved.
func (a *Aggregator) Diagnosis(id string) (diagnosis.Diagnosis, bool) {
	d, ok := a.tracker.Get(id)
	if ok {
		ds := []diagnosis.Diagnosis{d}
		a.annotate(ds)
		d = ds[0]
	}
	return d, ok
}

// Nodes lists the nodes the aggregator knows.
func (a *Aggregator) Nodes() []api.Node { return nodeInfos(a.store.Nodes(), a.o.Now()) }

// Health reports the aggregator's state.
func (a *Aggregator) Health() api.Health {
	st := a.store.Stats()
	open, resolved := a.tracker.Len()
	h := api.Health{Status: "starting", Open: open, Resolved: resolved, EventsApplied: st.Applied, EventDuplicates: st.Duplicates,
		Nodes: len(a.store.Nodes())}
	if a.Ready() {
		h.Status = "ok"
	}
	a.mu.Lock()
	if !a.lastEval.IsZero() {
		t := a.lastEval
		h.LastEvaluation = &t
	}
	a.mu.Unlock()
	return h
}

// HTTPAddr is the address the HTTP API listens on (known once Run
// started listening).
func (a *Aggregator) HTTPAddr() string {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.httpAddr
}

// NATSURL is the NATS server in use: the given URL or the embedded
// server's (known once Run started it).
func (a *Aggregator) NATSURL() string {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.natsURL
}

// Store is the aggregator's model (read it; do not apply to it).
func (a *Aggregator) Store() *store.Store { return a.store }

// Stats returns the counters.
func (a *Aggregator) Stats() Stats {
	s := Stats{Store: a.store.Stats(), Replayed: a.replayed.Load(), Evaluations: a.evals.Load(),
		EvaluatedVersion: a.evalVer.Load(), StoreVersion: a.store.Version()}
	a.mu.Lock()
	in := a.ingest
	a.mu.Unlock()
	if in != nil {
		s.Ingest = in.Stats()
	}
	return s
}

// lastEvaluation is when the rules last ran.
func (a *Aggregator) lastEvaluation() time.Time {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.lastEval
}
