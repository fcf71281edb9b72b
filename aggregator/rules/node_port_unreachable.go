package rules

import (
	"fmt"
	"sort"

	"github.com/esdoctor/esdoctor/aggregator/pairing"
	"github.com/esdoctor/esdoctor/aggregator/store"
	"github.com/esdoctor/esdoctor/shared/catalog"
	"github.com/esdoctor/esdoctor/shared/diagnosis"
	"github.com/esdoctor/esdoctor/shared/event"
)

// NodePortUnreachable: a probe from one node could not connect to a peer's
// transport or HTTP port. Probe events come from the agent's probes.
type NodePortUnreachable struct{}

var _ Rule = NodePortUnreachable{}

func (NodePortUnreachable) Meta() Meta {
	return Meta{Code: catalog.NodePortUnreachable, Description: "a node cannot reach a peer's transport or HTTP port",
		Inputs: []event.Kind{event.KindProbe, event.KindSnapshot}}
}

func (NodePortUnreachable) Evaluate(v *pairing.View, r *Reporter) {
	for _, n := range v.Nodes {
		keys := make([]string, 0, len(n.Probes))
		for k := range n.Probes {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			p := n.Probes[k]
			if p.OK || p.Kind != "tcp" || (p.Purpose != "peer-transport" && p.Purpose != "peer-http" && p.Purpose != "peer-remote-cluster") {
				continue
			}
			var peers []*store.Node
			for _, m := range v.Resolve(p.Target, "") {
				if m.Node.Key.Cluster == n.Key.Cluster && m.Node != n {
					peers = append(peers, m.Node)
				}
			}
			fix := append([]*store.Node{n}, peers...)
			r.Report(Finding{Code: catalog.NodePortUnreachable, Key: n.Key.Node + "->" + p.Target, Clusters: []string{n.Key.Cluster},
				Nodes: refs(fix), Facts: map[string]any{"from": n.Key.Node, "target": p.Target, "purpose": p.Purpose, "error": p.Error},
				Evidence: []diagnosis.Evidence{{Side: diagnosis.SideProbe, Cluster: n.Key.Cluster, Node: n.Key.Node, Text: fmt.Sprintf("tcp connect %s (%s): %s", p.Target, p.Purpose, p.Error)}},
				Fix: diagnosis.Fix{Summary: fmt.Sprintf("Open %s from %s (firewall, security group, routing).", p.Target, n.Key.Node),
					Commands: []string{"nc -zv " + p.Target}, Nodes: refs(fix)}})
		}
	}
}

var _ = pairing.SplitHostPort
