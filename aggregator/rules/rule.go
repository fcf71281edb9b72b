// Package rules holds one diagnosis rule per catalog code (one file each,
// named after the code) and the engine that runs them over a pairing view.
//
// A rule reads the view and reports findings; it never returns errors (a
// problem in the inspected system is a finding, not a Go error). The engine
// merges a generic finding into a more specific one that explains it (a
// remote-unreachable explained by remote-server-disabled becomes part of the
// latter), fills titles and explanations from the catalog, and orders the
// result deterministically.
package rules

import (
	"sort"
	"strings"
	"time"

	"github.com/esdoctor/esdoctor/aggregator/pairing"
	"github.com/esdoctor/esdoctor/aggregator/store"
	"github.com/esdoctor/esdoctor/shared/catalog"
	"github.com/esdoctor/esdoctor/shared/diagnosis"
	"github.com/esdoctor/esdoctor/shared/event"
)

// Meta describes a rule.
type Meta struct {
	Code        catalog.Code
	Description string
	// Inputs are the event kinds the rule reads.
	Inputs []event.Kind
}

// Rule is one diagnosis rule.
type Rule interface {
	Meta() Meta
	Evaluate(v *pairing.View, r *Reporter)
}

// Finding is what a rule reports.
type Finding struct {
	Code catalog.Code
	// Key tells findings of one code apart (with clusters and alias); it
	// makes the diagnosis id stable across evaluations.
	Key string
	// Severity overrides the catalog's (e.g. a certificate that expires soon
	// is a warning).
	Severity catalog.Severity
	Clusters []string
	Alias    string
	Nodes    []diagnosis.NodeRef
	Evidence []diagnosis.Evidence
	Facts    map[string]any
	Fix      diagnosis.Fix
	// Detail is appended to the catalog explanation.
	Detail string
	// Absorbs lists generic codes whose findings with the same local
	// cluster and alias this finding explains; they are merged into it.
	Absorbs []catalog.Code
	// AbsorbKeys lists "code|key" findings of the same local cluster,
	// whatever their alias, that this finding explains (a node problem that
	// is the cause of a paired failure).
	AbsorbKeys []string
	// Claims names configuration keys this finding covers, so that
	// config-drift does not report them again.
	Claims []string
}

// Reporter collects findings.
type Reporter struct {
	findings []Finding
}

// Report adds a finding.
func (r *Reporter) Report(f Finding) { r.findings = append(r.findings, f) }

// Findings returns what was reported.
func (r *Reporter) Findings() []Finding { return r.findings }

// Options tune an evaluation.
type Options struct {
	// Rules to run; default All().
	Rules []Rule
	// MeshPack enables the service-mesh rule pack.
	MeshPack bool
}

// Evaluate runs the rules over the view and returns open diagnoses in the
// contract's order.
func Evaluate(v *pairing.View, o Options) []diagnosis.Diagnosis {
	rs := o.Rules
	if rs == nil {
		rs = All()
	}
	r := &Reporter{}
	on := rs[:0:0]
	for _, rule := range rs {
		if packEnabled(rule.Meta().Code, o) {
			on = append(on, rule)
		}
	}
	rs = on
	for _, rule := range rs {
		if rule.Meta().Code == catalog.ConfigDrift {
			continue // runs last: it needs the others' claims
		}
		rule.Evaluate(v, r)
	}
	for _, rule := range rs {
		if rule.Meta().Code == catalog.ConfigDrift {
			rule.Evaluate(v, r)
		}
	}
	confirmRemoteInfo(v, r)
	findings := absorb(r.findings)
	out := make([]diagnosis.Diagnosis, 0, len(findings))
	for _, f := range findings {
		out = append(out, build(f, v.Now))
	}
	diagnosis.Sort(out)
	return out
}

// absorb merges generic findings into the specific ones that explain them,
// and merges findings with the same identity.
func absorb(fs []Finding) []Finding {
	dropped := make([]bool, len(fs))
	for i := range fs {
		for _, code := range fs[i].Absorbs {
			for j := range fs {
				if i == j || dropped[j] || fs[j].Code != code || fs[j].Alias != fs[i].Alias || first(fs[j].Clusters) != first(fs[i].Clusters) {
					continue
				}
				fs[i].Evidence = append(fs[i].Evidence, fs[j].Evidence...)
				fs[i].Nodes = append(fs[i].Nodes, fs[j].Nodes...)
				dropped[j] = true
			}
		}
	}
	for i := range fs {
		for _, ck := range fs[i].AbsorbKeys {
			for j := range fs {
				if i == j || dropped[j] || string(fs[j].Code)+"|"+fs[j].Key != ck || first(fs[j].Clusters) != first(fs[i].Clusters) {
					continue
				}
				fs[i].Evidence = append(fs[i].Evidence, fs[j].Evidence...)
				fs[i].Nodes = append(fs[i].Nodes, fs[j].Nodes...)
				dropped[j] = true
			}
		}
	}
	byID := map[string]int{}
	var out []Finding
	for i, f := range fs {
		if dropped[i] {
			continue
		}
		id := findingID(f)
		if k, ok := byID[id]; ok {
			g := &out[k]
			g.Evidence = append(g.Evidence, f.Evidence...)
			g.Nodes = append(g.Nodes, f.Nodes...)
			g.Fix.Nodes = append(g.Fix.Nodes, f.Fix.Nodes...)
			for k, v := range f.Facts {
				if _, ok := g.Facts[k]; !ok {
					if g.Facts == nil {
						g.Facts = map[string]any{}
					}
					g.Facts[k] = v
				}
			}
			continue
		}
		byID[id] = len(out)
		out = append(out, f)
	}
	return out
}

func first(s []string) string {
	if len(s) == 0 {
		return ""
	}
	return s[0]
}

func findingID(f Finding) string {
	return event.HashID("diagnosis", string(f.Code), strings.Join(f.Clusters, ","), f.Alias, f.Key)
}

// build turns a finding into a diagnosis.
func build(f Finding, now time.Time) diagnosis.Diagnosis {
	d := diagnosis.Diagnosis{
		ID:       findingID(f),
		Code:     string(f.Code),
		Clusters: f.Clusters,
		Alias:    f.Alias,
		Facts:    f.Facts,
		Fix:      f.Fix,
		State:    diagnosis.StateOpen,
	}
	if d.Facts == nil {
		d.Facts = map[string]any{}
	}
	if d.Clusters == nil {
		d.Clusters = []string{}
	}
	if c, ok := catalog.Lookup(f.Code); ok {
		d.Severity, d.Title, d.Explanation = string(c.Severity), c.Title, c.Explanation
		if d.Fix.Summary == "" {
			d.Fix.Summary = c.Fix
		}
	}
	if f.Severity != "" {
		d.Severity = string(f.Severity)
	}
	if f.Detail != "" {
		d.Explanation += " " + f.Detail
	}
	d.Fix.Nodes = diagnosis.SortRefs(append([]diagnosis.NodeRef{}, f.Fix.Nodes...))
	d.Nodes = diagnosis.SortRefs(append(append([]diagnosis.NodeRef{}, f.Nodes...), d.Fix.Nodes...))
	d.Evidence = sortEvidence(f.Evidence)
	count := 0
	for _, e := range d.Evidence {
		if e.FirstTime != nil && (d.FirstSeen.IsZero() || e.FirstTime.Before(d.FirstSeen)) {
			d.FirstSeen = *e.FirstTime
		}
		if e.Time != nil {
			if d.FirstSeen.IsZero() || e.Time.Before(d.FirstSeen) {
				d.FirstSeen = *e.Time
			}
			if e.Time.After(d.LastSeen) {
				d.LastSeen = *e.Time
			}
		}
		if e.Side == diagnosis.SideLocal || e.Side == diagnosis.SideRemote {
			c := e.Count
			if c < 1 {
				c = 1
			}
			count += c
		}
	}
	if count == 0 {
		count = 1
	}
	d.Count = count
	if d.FirstSeen.IsZero() {
		d.FirstSeen, d.LastSeen = now, now
	}
	return d
}

// sortEvidence orders evidence: local, remote, config, probe; then cluster,
// node, time, text; and drops exact duplicates.
func sortEvidence(ev []diagnosis.Evidence) []diagnosis.Evidence {
	rank := map[string]int{diagnosis.SideLocal: 0, diagnosis.SideRemote: 1, diagnosis.SideConfig: 2, diagnosis.SideProbe: 3}
	out := append([]diagnosis.Evidence{}, ev...)
	sort.SliceStable(out, func(i, j int) bool {
		a, b := out[i], out[j]
		if rank[a.Side] != rank[b.Side] {
			return rank[a.Side] < rank[b.Side]
		}
		if a.Cluster != b.Cluster {
			return a.Cluster < b.Cluster
		}
		if a.Node != b.Node {
			return a.Node < b.Node
		}
		at, bt := tval(a.Time), tval(b.Time)
		if !at.Equal(bt) {
			return at.Before(bt)
		}
		if a.File != b.File {
			return a.File < b.File
		}
		if a.Line != b.Line {
			return a.Line < b.Line
		}
		return a.Text < b.Text
	})
	res := out[:0]
	for i, e := range out {
		if i > 0 && sameEvidence(e, out[i-1]) {
			continue
		}
		res = append(res, e)
	}
	return res
}

func sameEvidence(a, b diagnosis.Evidence) bool {
	return a.Side == b.Side && a.Cluster == b.Cluster && a.Node == b.Node && a.File == b.File && a.Line == b.Line && a.Text == b.Text && tval(a.Time).Equal(tval(b.Time))
}

func tval(t *time.Time) time.Time {
	if t == nil {
		return time.Time{}
	}
	return *t
}

// --- helpers shared by rules ---

// ref names a node.
func ref(n *store.Node) diagnosis.NodeRef {
	return diagnosis.NodeRef{Cluster: n.Key.Cluster, Node: n.Key.Node}
}

func refs(ns []*store.Node) []diagnosis.NodeRef {
	out := make([]diagnosis.NodeRef, 0, len(ns))
	for _, n := range ns {
		out = append(out, ref(n))
	}
	return out
}

// symptomEvidence turns a symptom aggregate into evidence (the latest line,
// with the number of occurrences).
func symptomEvidence(side string, n *store.Node, a *store.SymptomAgg) diagnosis.Evidence {
	s := a.Last
	t := a.LastTime
	e := diagnosis.Evidence{Side: side, Cluster: n.Key.Cluster, Node: n.Key.Node, File: s.File, Line: s.Line, Text: s.Text, Symptom: a.Code, Count: a.Count}
	if !t.IsZero() {
		e.Time = &t
	}
	if ft := a.FirstTime; !ft.IsZero() && ft.Before(t) {
		e.FirstTime = &ft
	}
	return e
}

// configEvidence is a configuration fact of a node.
func configEvidence(n *store.Node, text string) diagnosis.Evidence {
	e := diagnosis.Evidence{Side: diagnosis.SideConfig, Cluster: n.Key.Cluster, Node: n.Key.Node, Text: text}
	if n.Snapshot != nil {
		e.File = ymlPath(n)
		if !n.Snapshot.InspectedAt.IsZero() {
			t := n.Snapshot.InspectedAt
			e.Time = &t
		}
	}
	return e
}

func ymlPath(n *store.Node) string {
	if n.Snapshot == nil || n.Snapshot.PathConf == "" {
		return ""
	}
	return strings.TrimRight(n.Snapshot.PathConf, "/") + "/elasticsearch.yml"
}

// nodeNames lists node names.
func nodeNames(ns []*store.Node) []string {
	out := make([]string, 0, len(ns))
	for _, n := range ns {
		out = append(out, n.Key.Node)
	}
	sort.Strings(out)
	return out
}

// clusters returns [local, remote] or [local].
func clusters(local, remote string) []string {
	if remote == "" || remote == local {
		return []string{local}
	}
	return []string{local, remote}
}
