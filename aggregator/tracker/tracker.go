// Package tracker keeps diagnoses across evaluations of the rules: it turns
// the list each evaluation produces into a history with states.
//
//   - A diagnosis seen for the first time opens (state open; first_seen from
//     its evidence).
//   - One that is still produced is updated: last_seen (never earlier than
//     before), count, evidence, nodes, fix; first_seen is the earliest ever
//     seen.
//   - One that is no longer produced resolves (state resolved, resolved_at =
//     the evaluation time). Resolved diagnoses are kept for history, bounded
//     by age (Options.Retention) and number (Options.MaxResolved).
//   - A resolved one that is produced again reopens.
//
// Diagnoses are identified by their id, which the rules derive from code,
// clusters, alias and a rule key, so the same problem keeps its id from one
// evaluation to the next. The tracker is deterministic: the same sequence
// of evaluations gives the same states and the same changes, in the same
// order.
package tracker

import (
	"reflect"
	"sort"
	"sync"
	"time"

	"github.com/esdoctor/esdoctor/shared/diagnosis"
)

// Defaults of Options.
const (
	DefaultRetention   = 24 * time.Hour
	DefaultMaxResolved = 10000
)

// Options bound the history. Every field is optional.
type Options struct {
	// Retention is how long a resolved diagnosis is kept after it
	// resolved. Default 24 h.
	Retention time.Duration
	// MaxResolved bounds the number of resolved diagnoses kept; the ones
	// resolved longest ago go first. Default 10 000.
	MaxResolved int
}

// Filter selects diagnoses. Empty fields match everything, except State
// whose empty value means open.
type Filter struct {
	// State is "open" (default), "resolved" or "all".
	State string
	// Code keeps one diagnosis code.
	Code string
	// Cluster keeps diagnoses that involve this cluster (local or remote).
	Cluster string
}

// StateAll selects open and resolved diagnoses in a Filter.
const StateAll = "all"

// Tracker holds the diagnoses. It is safe for concurrent use.
type Tracker struct {
	o    Options
	mu   sync.RWMutex
	byID map[string]*diagnosis.Diagnosis
}

// New returns an empty tracker.
func New(o Options) *Tracker {
	if o.Retention <= 0 {
		o.Retention = DefaultRetention
	}
	if o.MaxResolved <= 0 {
		o.MaxResolved = DefaultMaxResolved
	}
	return &Tracker{o: o, byID: map[string]*diagnosis.Diagnosis{}}
}

// Update folds one evaluation (every diagnosis the rules produce now) into
// the history and returns the changes, in the contract's order (opened and
// updated in the order of current, then resolved ones).
func (t *Tracker) Update(now time.Time, current []diagnosis.Diagnosis) []Change {
	cur := append([]diagnosis.Diagnosis(nil), current...)
	diagnosis.Sort(cur)
	t.mu.Lock()
	defer t.mu.Unlock()
	var changes []Change
	present := make(map[string]bool, len(cur))
	for i := range cur {
		d := cur[i]
		if d.ID == "" || present[d.ID] {
			continue // the rules give unique ids; keep the first if not
		}
		present[d.ID] = true
		d.State, d.ResolvedAt = diagnosis.StateOpen, nil
		old := t.byID[d.ID]
		switch {
		case old == nil:
			t.byID[d.ID] = &d
			changes = append(changes, Change{Kind: Opened, Time: now, Diagnosis: d})
		case old.State == diagnosis.StateResolved:
			merged := merge(old, d)
			t.byID[d.ID] = &merged
			changes = append(changes, Change{Kind: Opened, Reopened: true, Time: now, Diagnosis: merged})
		default:
			merged := merge(old, d)
			material := materialChange(old, &merged)
			t.byID[d.ID] = &merged
			if material {
				changes = append(changes, Change{Kind: Updated, Time: now, Diagnosis: merged})
			}
		}
	}
	for _, id := range t.sortedIDs() {
		d := t.byID[id]
		if d.State != diagnosis.StateOpen || present[id] {
			continue
		}
		r := *d
		at := now
		r.State, r.ResolvedAt = diagnosis.StateResolved, &at
		t.byID[id] = &r
		changes = append(changes, Change{Kind: Resolved, Time: now, Diagnosis: r})
	}
	t.prune(now)
	return changes
}

// merge takes the new evaluation of a diagnosis and keeps the history:
// first_seen is the earliest, last_seen the latest ever seen.
func merge(old *diagnosis.Diagnosis, d diagnosis.Diagnosis) diagnosis.Diagnosis {
	if !old.FirstSeen.IsZero() && (d.FirstSeen.IsZero() || old.FirstSeen.Before(d.FirstSeen)) {
		d.FirstSeen = old.FirstSeen
	}
	if old.LastSeen.After(d.LastSeen) {
		d.LastSeen = old.LastSeen
	}
	return d
}

// materialChange reports whether an update is worth a notification: facts
// and the explanation may change on every evaluation (durations), the rest
// only when the evidence does.
func materialChange(a, b *diagnosis.Diagnosis) bool {
	return a.Severity != b.Severity || a.Count != b.Count || !a.LastSeen.Equal(b.LastSeen) ||
		!reflect.DeepEqual(a.Evidence, b.Evidence) || !reflect.DeepEqual(a.Nodes, b.Nodes) ||
		!reflect.DeepEqual(a.Fix, b.Fix) || a.State != b.State
}

// prune drops resolved diagnoses older than the retention, then the oldest
// resolved ones beyond MaxResolved.
func (t *Tracker) prune(now time.Time) {
	cutoff := now.Add(-t.o.Retention)
	var resolved []*diagnosis.Diagnosis
	for id, d := range t.byID {
		if d.State != diagnosis.StateResolved {
			continue
		}
		if d.ResolvedAt != nil && d.ResolvedAt.Before(cutoff) {
			delete(t.byID, id)
			continue
		}
		resolved = append(resolved, d)
	}
	if len(resolved) <= t.o.MaxResolved {
		return
	}
	sort.Slice(resolved, func(i, j int) bool {
		ri, rj := resolvedAt(resolved[i]), resolvedAt(resolved[j])
		if !ri.Equal(rj) {
			return ri.Before(rj)
		}
		return resolved[i].ID < resolved[j].ID
	})
	for _, d := range resolved[:len(resolved)-t.o.MaxResolved] {
		delete(t.byID, d.ID)
	}
}

func resolvedAt(d *diagnosis.Diagnosis) time.Time {
	if d.ResolvedAt == nil {
		return time.Time{}
	}
	return *d.ResolvedAt
}

func (t *Tracker) sortedIDs() []string {
	ids := make([]string, 0, len(t.byID))
	for id := range t.byID {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	return ids
}

// List returns the diagnoses f selects in the contract's order (severity,
// code, clusters, nodes); with State "all" the open ones come first.
func (t *Tracker) List(f Filter) []diagnosis.Diagnosis {
	state := f.State
	if state == "" {
		state = diagnosis.StateOpen
	}
	t.mu.RLock()
	var open, resolved []diagnosis.Diagnosis
	for _, d := range t.byID {
		if f.Code != "" && d.Code != f.Code {
			continue
		}
		if f.Cluster != "" && !contains(d.Clusters, f.Cluster) {
			continue
		}
		switch {
		case d.State == diagnosis.StateOpen && (state == diagnosis.StateOpen || state == StateAll):
			open = append(open, *d)
		case d.State == diagnosis.StateResolved && (state == diagnosis.StateResolved || state == StateAll):
			resolved = append(resolved, *d)
		}
	}
	t.mu.RUnlock()
	diagnosis.Sort(open)
	diagnosis.Sort(resolved)
	return append(append(make([]diagnosis.Diagnosis, 0, len(open)+len(resolved)), open...), resolved...)
}

// Get returns one diagnosis by id, open or resolved.
func (t *Tracker) Get(id string) (diagnosis.Diagnosis, bool) {
	t.mu.RLock()
	defer t.mu.RUnlock()
	d, ok := t.byID[id]
	if !ok {
		return diagnosis.Diagnosis{}, false
	}
	return *d, true
}

// Len returns the number of open and resolved diagnoses held.
func (t *Tracker) Len() (open, resolved int) {
	t.mu.RLock()
	defer t.mu.RUnlock()
	for _, d := range t.byID {
		if d.State == diagnosis.StateOpen {
			open++
		} else {
			resolved++
		}
	}
	return open, resolved
}

func contains(ss []string, s string) bool {
	for _, x := range ss {
		if x == s {
			return true
		}
	}
	return false
}
