// Package tracker keeps diagnoses across evaluations of the rules: it turns
// the list each evaluation produces into a history with states.
//
// # Lifecycle
//
// open → (updated)* → resolved → reopened → … as the rules produce a
// diagnosis, keep producing it, stop, and produce it again:
//
//   - open: the rules produce the diagnosis (first_seen = the earliest
//     evidence of this fault that still counts, see below).
//   - updated: still produced, with new evidence, count, last_seen,
//     severity, nodes or fix (last_seen never goes back; first_seen is the
//     earliest of this episode).
//   - resolved: no longer produced (resolved_at = the evaluation time).
//     Resolved diagnoses are kept for history, bounded by age
//     (Options.Retention) and number (Options.MaxResolved).
//   - reopened: a resolved diagnosis produced again; a new episode, whose
//     first_seen is its own earliest evidence.
//
// Why a diagnosis resolves is decided by what the evidence says about the
// running Elasticsearch node, not by the agent's latest inspection
// (aggregator/pairing, View.Current):
//
//   - Log evidence lives as long as the ES process that wrote it: it stops
//     counting when the node starts again (a start in its log, or a new
//     process start time from /proc). An edit of elasticsearch.yml or of a
//     non-reloadable keystore entry does not end it: the running node still
//     uses what it read at its start. The rules are evaluated again against
//     the new snapshot (a configuration fact may appear or go), but the log
//     lines stay, and config-changed-since-start says that a restart is due.
//   - Reloadable keystore entries (cluster.remote.<alias>.credentials,
//     s3.client.*) take effect after POST _nodes/reload_secure_settings,
//     which ES does not log: a keystore changed after the node's start is
//     reported "until reloaded" (missing-cross-cluster-credentials keeps the
//     node, config-changed-since-start names the reload).
//   - Cluster settings (remote cluster definitions in GET _cluster/settings)
//     take effect at once: when a node's remote definitions change, its
//     connection symptoms logged before the change stop counting, and so do
//     the remote side's lines about connections from that node.
//   - A fault that has not recurred for the quiet period (the aggregator's
//     --quiet-period, default 24 h, counted in log time: up to the latest
//     log line seen from any node) stops counting: its lines are history.
//
// When its evidence stops counting and no configuration fact still
// predicts the fault, the rules stop producing the diagnosis and it
// resolves; when the fault shows again (new lines, or the configuration
// again), it reopens.
//
// Diagnoses are identified by their id, which the rules derive from code,
// clusters, alias and a rule key, so the same problem keeps its id from one
// evaluation to the next (Get also takes a unique prefix of at least
// MinPrefix characters, the short id the CLI prints). The tracker is
// deterministic: the same sequence of evaluations gives the same states and
// the same changes, in the same order.
package tracker

import (
	"reflect"
	"sort"
	"strings"
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
			// A new episode: first_seen is its own earliest evidence, not
			// the previous episode's.
			merged := d
			if merged.LastSeen.Before(old.LastSeen) {
				merged.LastSeen = old.LastSeen
			}
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

// MinPrefix is the shortest id prefix Get accepts (the CLI prints 12).
const MinPrefix = 6

// Get returns one diagnosis by id, open or resolved; a unique prefix of at
// least MinPrefix characters (the short id the CLI prints) names it too.
func (t *Tracker) Get(id string) (diagnosis.Diagnosis, bool) {
	t.mu.RLock()
	defer t.mu.RUnlock()
	if d, ok := t.byID[id]; ok {
		return *d, true
	}
	if len(id) < MinPrefix {
		return diagnosis.Diagnosis{}, false
	}
	var found *diagnosis.Diagnosis
	for k, d := range t.byID {
		if strings.HasPrefix(k, id) {
			if found != nil {
				return diagnosis.Diagnosis{}, false // ambiguous
			}
			found = d
		}
	}
	if found == nil {
		return diagnosis.Diagnosis{}, false
	}
	return *found, true
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
