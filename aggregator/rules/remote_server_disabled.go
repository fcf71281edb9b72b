package rules

import (
	"fmt"

	"github.com/esdoctor/esdoctor/aggregator/pairing"
	"github.com/esdoctor/esdoctor/aggregator/store"
	"github.com/esdoctor/esdoctor/shared/catalog"
	"github.com/esdoctor/esdoctor/shared/diagnosis"
	"github.com/esdoctor/esdoctor/shared/event"
)

// RemoteServerDisabled: the local cluster connects with the API-key model
// (credentials, or seeds on the remote cluster port) to remote nodes whose
// remote_cluster_server.enabled is not true.
type RemoteServerDisabled struct{}

var _ Rule = RemoteServerDisabled{}

func (RemoteServerDisabled) Meta() Meta {
	return Meta{Code: catalog.RemoteServerDisabled, Description: "seeds point at remote nodes whose remote cluster server is disabled",
		Inputs: []event.Kind{event.KindSnapshot, event.KindSymptom}}
}

func (RemoteServerDisabled) Evaluate(v *pairing.View, r *Reporter) {
	for _, l := range v.Links() {
		if l.Remote == "" {
			continue
		}
		atRC := targetNodesAt(l, "remote_cluster")
		if !l.APIKeyModel() && len(atRC) == 0 {
			continue // certificate model on the transport port: no server needed
		}
		var disabled []*store.Node
		for _, n := range v.Cluster(l.Remote) {
			if n.Snapshot != nil && !pairing.Bool(n, "remote_cluster_server.enabled", false) && !loggedRCPublish(n) && !tooOld(n) {
				disabled = append(disabled, n)
			}
		}
		if len(disabled) == 0 {
			continue
		}
		// Only report when the seeds reach a disabled node on its remote
		// cluster port, or the remote cluster has no node with the server on.
		hit := false
		for _, n := range atRC {
			for _, d := range disabled {
				if d == n {
					hit = true
				}
			}
		}
		if !hit && len(disabled) < len(v.Cluster(l.Remote)) && len(atRC) > 0 {
			hit = true // some targeted nodes enabled, others not: sniff mode reaches all
		}
		if !hit && len(atRC) == 0 && len(targetNodesAt(l, "transport")) > 0 && !l.APIKeyModel() {
			continue // certificate model on the transport port
		}
		f := Finding{Code: catalog.RemoteServerDisabled, Key: l.Alias, Clusters: clusters(l.Local, l.Remote), Alias: l.Alias,
			Absorbs: []catalog.Code{catalog.RemoteUnreachable}, Claims: []string{"remote_cluster_server.enabled"},
			Facts: map[string]any{"disabled_nodes": nodeNames(disabled), "remote_nodes": nodeNames(v.Cluster(l.Remote))}}
		for _, n := range disabled {
			s, _ := pairing.Setting(n, "remote_cluster_server.enabled")
			how := "is false"
			if s.Default || s.Value == "" {
				how = "is not set (default false)"
			}
			f.Evidence = append(f.Evidence, configEvidence(n, fmt.Sprintf("remote_cluster_server.enabled %s on %s", how, n.Key.Node)))
		}
		for _, x := range localSymptoms(v, l, "connect-exception", "no-seed-node-left", "proxy-connections-failed") {
			f.Evidence = append(f.Evidence, symptomEvidence(diagnosis.SideLocal, x.n, x.a))
			f.Nodes = append(f.Nodes, ref(x.n))
		}
		f.Fix = diagnosis.Fix{
			Summary:  fmt.Sprintf("Set remote_cluster_server.enabled: true (and remote_cluster.host) on every node of %s named, then restart them.", l.Remote),
			Settings: map[string]string{"remote_cluster_server.enabled": "true"},
			Commands: []string{"add remote_cluster_server.enabled: true to elasticsearch.yml", "restart the node"},
			Nodes:    refs(disabled),
		}
		r.Report(f)
	}
}

// loggedRCPublish: the node's log shows the _remote_cluster profile listening.
func loggedRCPublish(n *store.Node) bool {
	for _, a := range n.Symptoms {
		if a.Code == "publish-address" && (a.Last.Fields["profile"] == "_remote_cluster" || a.Last.Fields["profile"] == "remote_cluster") {
			return true
		}
	}
	return false
}
