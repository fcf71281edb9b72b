package rules

import (
	"fmt"

	"github.com/esdoctor/esdoctor/aggregator/pairing"
	"github.com/esdoctor/esdoctor/aggregator/store"
	"github.com/esdoctor/esdoctor/shared/catalog"
	"github.com/esdoctor/esdoctor/shared/diagnosis"
	"github.com/esdoctor/esdoctor/shared/event"
)

// RestAPIKeyInsteadOfCrossCluster: "expected API key type of
// [cross_cluster], but API key [id] has type [rest]", paired with the local
// nodes whose keystore holds that key id.
type RestAPIKeyInsteadOfCrossCluster struct{}

var _ Rule = RestAPIKeyInsteadOfCrossCluster{}

func (RestAPIKeyInsteadOfCrossCluster) Meta() Meta {
	return Meta{Code: catalog.RestAPIKeyInsteadOfCrossCluster, Description: "a REST API key stored as cross-cluster credentials",
		Inputs: []event.Kind{event.KindSnapshot, event.KindSymptom}}
}

func (RestAPIKeyInsteadOfCrossCluster) Evaluate(v *pairing.View, r *Reporter) {
	type acc struct {
		l     *pairing.Link
		local string
		id    string
		ev    []diagnosis.Evidence
		nodes []*store.Node
	}
	accs := map[string]*acc{}
	var order []string
	for _, n := range v.Nodes {
		for _, a := range v.Symptoms(n, "api-key-wrong-type") {
			f := a.Last.Fields
			if f["expected_type"] != "" && f["expected_type"] != "cross_cluster" {
				continue // a cross-cluster key used on REST: not this
			}
			id := f["api_key_id"]
			l := linkByKeyID(v, n.Key.Cluster, id)
			if l == nil {
				l = v.LinkForSymptom(n, a)
			}
			k := n.Key.Cluster + "\x00" + id
			ac := accs[k]
			if ac == nil {
				ac = &acc{l: l, local: n.Key.Cluster, id: id}
				accs[k] = ac
				order = append(order, k)
			}
			ac.ev = append(ac.ev, symptomEvidence(diagnosis.SideLocal, n, a))
			ac.nodes = append(ac.nodes, n)
		}
	}
	for _, k := range order {
		ac := accs[k]
		alias, remote := "", ""
		fix := ac.nodes
		if ac.l != nil {
			alias, remote = ac.l.Alias, ac.l.Remote
			if holders := holdersOf(v, ac.l, ac.id); len(holders) > 0 {
				fix = holders
				for _, h := range holders {
					ac.ev = append(ac.ev, configEvidence(h, fmt.Sprintf("cluster.remote.%s.credentials on %s holds API key id %s", alias, h.Key.Node, ac.id)))
				}
			}
		}
		entry := "cluster.remote." + alias + ".credentials"
		r.Report(Finding{Code: catalog.RestAPIKeyInsteadOfCrossCluster, Key: ac.id, Clusters: clusters(ac.local, remote), Alias: alias,
			Evidence: ac.ev, Nodes: refs(ac.nodes), Facts: map[string]any{"api_key_id": ac.id, "api_key_type": "rest"},
			Claims: []string{"keystore:" + entry},
			Fix: diagnosis.Fix{
				Summary:  fmt.Sprintf("API key %s is a REST key. Create a cross-cluster API key on %s and store it as %s on every local node named.", ac.id, orUnknown(remote), entry),
				Settings: map[string]string{entry: "<encoded cross-cluster API key> (keystore)"},
				Commands: []string{"POST /_security/cross_cluster/api_key (on the remote cluster)", "bin/elasticsearch-keystore add --force " + entry, "POST _nodes/reload_secure_settings"},
				Nodes:    refs(fix),
			}})
	}
}

// linkByKeyID finds the link of a local cluster whose credentials hold id.
func linkByKeyID(v *pairing.View, local, id string) *pairing.Link {
	if id == "" {
		return nil
	}
	for _, l := range v.Links() {
		if l.Local == local && len(l.KeyIDs[id]) > 0 {
			return l
		}
	}
	return nil
}

// holdersOf returns the local nodes holding the key id for the link.
func holdersOf(v *pairing.View, l *pairing.Link, id string) []*store.Node {
	var out []*store.Node
	for _, name := range l.KeyIDs[id] {
		if n := v.Node(store.NodeKey{Cluster: l.Local, Node: name}); n != nil {
			out = append(out, n)
		}
	}
	return out
}

func orUnknown(s string) string {
	if s == "" {
		return "the remote cluster"
	}
	return s
}
