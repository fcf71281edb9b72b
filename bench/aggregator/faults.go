package main

import (
	"encoding/json"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/nats-io/nats.go"

	"github.com/esdoctor/esdoctor/aggregator/tracker"
	"github.com/esdoctor/esdoctor/shared/diagnosis"
)

// The kinds of injected fault, named by the diagnosis each one gives.
const (
	faultInvalidKey    = "invalid-api-key"
	faultMissingHeader = "missing-cross-cluster-credentials"
)

// faultKeyPrefix starts every injected API key id and alias.
const faultKeyPrefix = "fault"

// fault is one injected fault and when its diagnosis showed.
type fault struct {
	kind, key string
	sent      time.Time
	// detected: the first notification of a diagnosis naming the key;
	// paired: the first one with the evidence of both clusters (an
	// invalid key only: a missing header has no remote side).
	detected, paired time.Time
	// evaluated is when the evaluation that first found it started (the
	// notification's time, aggregator clock: the same machine).
	evaluated time.Time
}

// faultKey names fault n of kind.
func faultKey(kind string, n int) string {
	if kind == faultInvalidKey {
		return fmt.Sprintf("%skey%012d", faultKeyPrefix, n) // 20 characters, like an API key id
	}
	return fmt.Sprintf("%s-%d", faultKeyPrefix, n)
}

// faultKeyOf is the injected key a diagnosis names, or "".
func faultKeyOf(d diagnosis.Diagnosis) string {
	var k string
	switch d.Code {
	case faultInvalidKey:
		k, _ = d.Facts["api_key_id"].(string)
	case faultMissingHeader:
		k = d.Alias
	}
	if !strings.HasPrefix(k, faultKeyPrefix) {
		return ""
	}
	return k
}

// faultWatch times the faults by the aggregator's notifications on
// esdoctor.v1.diagnosis.<code>.
type faultWatch struct {
	mu     sync.Mutex
	byKey  map[string]*fault
	faults []*fault
	bad    int // notifications that did not decode
	subs   []*nats.Subscription
	// done is signalled when every fault sent so far was detected.
	done chan struct{}
}

func watchFaults(nc *nats.Conn) (*faultWatch, error) {
	w := &faultWatch{byKey: map[string]*fault{}, done: make(chan struct{}, 1)}
	for _, code := range []string{faultInvalidKey, faultMissingHeader} {
		sub, err := nc.Subscribe(tracker.SubjectPrefix+"."+code, w.handle)
		if err != nil {
			return nil, fmt.Errorf("subscribe to %s notifications: %w", code, err)
		}
		if err := sub.SetPendingLimits(-1, -1); err != nil {
			return nil, err
		}
		w.subs = append(w.subs, sub)
	}
	return w, nc.Flush()
}

// sent records a fault just before its first record is published.
func (w *faultWatch) sent(kind, key string, at time.Time) {
	w.mu.Lock()
	defer w.mu.Unlock()
	f := &fault{kind: kind, key: key, sent: at}
	w.byKey[key] = f
	w.faults = append(w.faults, f)
}

func (w *faultWatch) handle(m *nats.Msg) {
	now := time.Now()
	var c tracker.Change
	if err := json.Unmarshal(m.Data, &c); err != nil {
		w.mu.Lock()
		w.bad++
		w.mu.Unlock()
		return
	}
	if c.Kind == tracker.Resolved {
		return
	}
	key := faultKeyOf(c.Diagnosis)
	w.mu.Lock()
	defer w.mu.Unlock()
	f := w.byKey[key]
	if f == nil {
		return
	}
	if f.detected.IsZero() {
		f.detected, f.evaluated = now, c.Time
	}
	if f.paired.IsZero() && len(c.Diagnosis.Clusters) == 2 && hasSide(c.Diagnosis, diagnosis.SideRemote) {
		f.paired = now
	}
	if w.pendingLocked() == 0 {
		select {
		case w.done <- struct{}{}:
		default:
		}
	}
}

func hasSide(d diagnosis.Diagnosis, side string) bool {
	for _, e := range d.Evidence {
		if e.Side == side {
			return true
		}
	}
	return false
}

func (w *faultWatch) pendingLocked() int {
	n := 0
	for _, f := range w.faults {
		if f.detected.IsZero() || (f.kind == faultInvalidKey && f.paired.IsZero()) {
			n++
		}
	}
	return n
}

// wait waits until every fault was detected (and paired), or d passed.
func (w *faultWatch) wait(d time.Duration) {
	deadline := time.After(d)
	for {
		w.mu.Lock()
		n := w.pendingLocked()
		w.mu.Unlock()
		if n == 0 {
			return
		}
		select {
		case <-w.done:
		case <-deadline:
			return
		case <-time.After(100 * time.Millisecond):
		}
	}
}

// FaultStats summarises the injected faults.
type FaultStats struct {
	Injected, Detected int
	// PairedOf is the number of invalid-key faults, Paired how many of
	// them showed with both sides.
	PairedOf, Paired int
	Detect, Pair     Latencies
	// Detect splits into Wait (until the evaluation that found the fault
	// started: ingest, then the next evaluation tick) and Eval (that
	// evaluation and the notification).
	Wait, Eval       Latencies
	BadNotifications int
}

func (w *faultWatch) stats() FaultStats {
	w.mu.Lock()
	defer w.mu.Unlock()
	s := FaultStats{Injected: len(w.faults), BadNotifications: w.bad}
	var det, pair, wait, eval []time.Duration
	for _, f := range w.faults {
		if !f.detected.IsZero() {
			s.Detected++
			det = append(det, f.detected.Sub(f.sent))
			wait = append(wait, f.evaluated.Sub(f.sent))
			eval = append(eval, f.detected.Sub(f.evaluated))
		}
		if f.kind == faultInvalidKey {
			s.PairedOf++
			if !f.paired.IsZero() {
				s.Paired++
				pair = append(pair, f.paired.Sub(f.sent))
			}
		}
	}
	s.Detect, s.Pair = latencies(det), latencies(pair)
	s.Wait, s.Eval = latencies(wait), latencies(eval)
	return s
}

func (w *faultWatch) close() {
	for _, s := range w.subs {
		_ = s.Unsubscribe()
	}
}
