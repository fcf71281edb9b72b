// Package diagnosis is the shape of a diagnosis as the aggregator, the
// offline analyzer, the query API, the CLI and the web console all show it
// (BRIEF, "A diagnosis in JSON").
package diagnosis

import (
	"sort"
	"strings"
	"time"

	"github.com/esdoctor/esdoctor/shared/catalog"
)

// States of a diagnosis.
const (
	StateOpen     = "open"
	StateResolved = "resolved"
)

// Evidence sides.
const (
	SideLocal  = "local"
	SideRemote = "remote"
	SideConfig = "config"
	SideProbe  = "probe"
)

// Diagnosis is one problem, with both sides' evidence and the fix.
type Diagnosis struct {
	ID          string         `json:"id"`
	Code        string         `json:"code"`
	Severity    string         `json:"severity"`
	Title       string         `json:"title"`
	Explanation string         `json:"explanation"`
	Clusters    []string       `json:"clusters"` // [local, remote], or [cluster] for one-cluster problems
	Alias       string         `json:"alias"`
	Nodes       []NodeRef      `json:"nodes"`
	Evidence    []Evidence     `json:"evidence"`
	Facts       map[string]any `json:"facts"`
	Fix         Fix            `json:"fix"`
	FirstSeen   time.Time      `json:"first_seen"`
	LastSeen    time.Time      `json:"last_seen"`
	Count       int            `json:"count"`
	State       string         `json:"state"`
	// ResolvedAt is set when State is resolved.
	ResolvedAt *time.Time `json:"resolved_at,omitempty"`
	// Ack is set while the diagnosis is acknowledged or muted (ack.go).
	Ack *Ack `json:"ack,omitempty"`
}

// NodeRef names one node.
type NodeRef struct {
	Cluster string `json:"cluster"`
	Node    string `json:"node"`
}

// Evidence is one log line, configuration fact or probe result.
type Evidence struct {
	Side    string     `json:"side"`
	Cluster string     `json:"cluster"`
	Node    string     `json:"node"`
	File    string     `json:"file,omitempty"`
	Line    int64      `json:"line,omitempty"`
	Time    *time.Time `json:"time,omitempty"`
	// FirstTime is the first occurrence when Count > 1 (Time is the last).
	FirstTime *time.Time `json:"first_time,omitempty"`
	Text      string     `json:"text"`
	Symptom   string     `json:"symptom,omitempty"`
	Count     int        `json:"count,omitempty"`
}

// Fix is what to change, where.
type Fix struct {
	Summary  string            `json:"summary"`
	Settings map[string]string `json:"settings,omitempty"`
	Commands []string          `json:"commands,omitempty"`
	Nodes    []NodeRef         `json:"nodes"`
}

// Less is the stable order of the contract: severity, code, clusters, nodes,
// then alias and id.
func Less(a, b *Diagnosis) bool {
	if ra, rb := catalog.Severity(a.Severity).Rank(), catalog.Severity(b.Severity).Rank(); ra != rb {
		return ra < rb
	}
	if a.Code != b.Code {
		return a.Code < b.Code
	}
	if ca, cb := strings.Join(a.Clusters, "\x00"), strings.Join(b.Clusters, "\x00"); ca != cb {
		return ca < cb
	}
	if na, nb := refsKey(a.Nodes), refsKey(b.Nodes); na != nb {
		return na < nb
	}
	if a.Alias != b.Alias {
		return a.Alias < b.Alias
	}
	return a.ID < b.ID
}

// Sort orders diagnoses by Less.
func Sort(ds []Diagnosis) {
	sort.SliceStable(ds, func(i, j int) bool { return Less(&ds[i], &ds[j]) })
}

func refsKey(rs []NodeRef) string {
	var b strings.Builder
	for _, r := range rs {
		b.WriteString(r.Cluster)
		b.WriteByte('/')
		b.WriteString(r.Node)
		b.WriteByte(0)
	}
	return b.String()
}

// SortRefs sorts and de-duplicates node references.
func SortRefs(rs []NodeRef) []NodeRef {
	sort.Slice(rs, func(i, j int) bool {
		if rs[i].Cluster != rs[j].Cluster {
			return rs[i].Cluster < rs[j].Cluster
		}
		return rs[i].Node < rs[j].Node
	})
	out := rs[:0]
	for i, r := range rs {
		if i > 0 && r == rs[i-1] {
			continue
		}
		out = append(out, r)
	}
	return out
}
