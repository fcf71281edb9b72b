package rules

import (
	"sort"
	"time"

	"github.com/esdoctor/esdoctor/aggregator/pairing"
	"github.com/esdoctor/esdoctor/aggregator/store"
	"github.com/esdoctor/esdoctor/shared/catalog"
	"github.com/esdoctor/esdoctor/shared/diagnosis"
	"github.com/esdoctor/esdoctor/shared/event"
)

// nodeProblemFindings turns the problems agents found on single nodes
// (event.Problem with this code) into findings, one per cluster and problem
// kind (setting, or the problem text without node-specific parts), naming
// every node that has it.
func nodeProblemFindings(v *pairing.View, r *Reporter, code catalog.Code, perNode bool, fix func(p event.Problem, nodes []*store.Node) diagnosis.Fix) {
	type acc struct {
		cluster string
		key     string
		p       event.Problem
		nodes   []*store.Node
		ev      []diagnosis.Evidence
	}
	accs := map[string]*acc{}
	var order []string
	for _, n := range v.Nodes {
		if n.Snapshot == nil {
			continue
		}
		for _, p := range n.Snapshot.Problems {
			if p.Code != string(code) {
				continue
			}
			if code == catalog.ConfigChangedSinceStart && problemPredatesStart(v, n, p) {
				continue // the node started again after the change (its log says so)
			}
			kind := p.Setting
			if kind == "" {
				kind = p.Facts["missing"] + p.Facts["role"] + p.Facts["required"]
			}
			if kind == "" {
				kind = p.Message
			}
			if perNode {
				kind = n.Key.Node + "|" + kind + "|" + p.File
			}
			k := n.Key.Cluster + "\x00" + kind + "\x00" + p.Severity
			a := accs[k]
			if a == nil {
				a = &acc{cluster: n.Key.Cluster, key: kind, p: p}
				accs[k] = a
				order = append(order, k)
			}
			a.nodes = append(a.nodes, n)
			e := configEvidence(n, p.Message)
			if p.File != "" {
				e.File = p.File
			}
			a.ev = append(a.ev, e)
		}
	}
	sort.Strings(order)
	for _, k := range order {
		a := accs[k]
		facts := map[string]any{}
		for fk, fv := range a.p.Facts {
			facts[fk] = fv
		}
		facts["nodes"] = nodeNames(a.nodes)
		if perNode && a.p.File != "" {
			facts["file"] = a.p.File
		}
		f := Finding{Code: code, Key: a.key, Severity: catalog.Severity(a.p.Severity), Clusters: []string{a.cluster},
			Nodes: refs(a.nodes), Evidence: a.ev, Facts: facts, Fix: fix(a.p, a.nodes)}
		if a.p.Setting != "" {
			f.Claims = append(f.Claims, a.p.Setting)
		}
		if a.p.Facts["es_version"] != "" {
			f.Claims = append(f.Claims, "es_version")
		}
		r.Report(f)
	}
}

// problemPredatesStart reports whether the node's logs show a start after the
// modification a config-changed-since-start problem names: the agent's
// snapshot may predate the restart.
func problemPredatesStart(v *pairing.View, n *store.Node, p event.Problem) bool {
	mt, err := time.Parse(time.RFC3339, p.Facts["mtime"])
	if err != nil {
		return false
	}
	return v.Epoch(n).After(mt)
}
