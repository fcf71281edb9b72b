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
		// Which disabled nodes does the connection actually contact?
		// (contactedDisabled). Only those make an error; a disabled node the
		// connection never reaches is config-drift (a warning) on that node.
		errNodes := contactedDisabled(v, l, disabled)
		if len(errNodes) == 0 {
			continue
		}
		f := Finding{Code: catalog.RemoteServerDisabled, Key: l.Alias, Clusters: clusters(l.Local, l.Remote), Alias: l.Alias,
			Absorbs: []catalog.Code{catalog.RemoteUnreachable},
			Facts:   map[string]any{"disabled_nodes": nodeNames(errNodes), "remote_nodes": nodeNames(v.Cluster(l.Remote)), "mode": linkMode(l)}}
		if len(errNodes) == len(disabled) {
			f.Claims = []string{"remote_cluster_server.enabled"} // config-drift would repeat it
		}
		for _, n := range errNodes {
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
			Summary:  fmt.Sprintf("Set remote_cluster_server.enabled: true (and remote_cluster.host) on the nodes of %s named (the ones %s's connection %s reaches), then restart them.", l.Remote, l.Local, l.Alias),
			Settings: map[string]string{"remote_cluster_server.enabled": "true"},
			Commands: []string{"add remote_cluster_server.enabled: true to elasticsearch.yml", "restart the node"},
			Nodes:    refs(errNodes),
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

// linkMode is the connection mode of the alias ("sniff" by default).
func linkMode(l *pairing.Link) string {
	if l.Mode != "" {
		return l.Mode
	}
	return "sniff"
}

// contactedDisabled returns the disabled remote nodes the connection
// actually contacts, per mode and model (as ES's connection strategies do):
//   - proxy: only the proxy address; a node behind no address the local side
//     uses is never contacted;
//   - sniff with a cross-cluster API key: the seeds, then only the nodes a
//     seed reports as running the remote cluster server
//     (cluster:internal/remote_cluster/nodes returns those alone), so a
//     disabled node is contacted only as a seed;
//   - when no remote node runs the server, every one is the fault.
func contactedDisabled(v *pairing.View, l *pairing.Link, disabled []*store.Node) []*store.Node {
	if len(disabled) == len(v.Cluster(l.Remote)) {
		return disabled
	}
	targeted := map[store.NodeKey]bool{}
	for _, n := range targetNodesAt(l, "") {
		targeted[n.Key] = true
	}
	var out []*store.Node
	for _, d := range disabled {
		if targeted[d.Key] {
			out = append(out, d)
		}
	}
	return out
}
