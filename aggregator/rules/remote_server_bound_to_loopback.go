package rules

import (
	"fmt"
	"strings"

	"github.com/esdoctor/esdoctor/aggregator/pairing"
	"github.com/esdoctor/esdoctor/aggregator/store"
	"github.com/esdoctor/esdoctor/shared/catalog"
	"github.com/esdoctor/esdoctor/shared/diagnosis"
	"github.com/esdoctor/esdoctor/shared/event"
)

// RemoteServerBoundToLoopback: the remote cluster server is enabled but its
// bind address (remote_cluster.host, which follows the transport host chain)
// is loopback only while other hosts must reach it.
type RemoteServerBoundToLoopback struct{}

var _ Rule = RemoteServerBoundToLoopback{}

func (RemoteServerBoundToLoopback) Meta() Meta {
	return Meta{Code: catalog.RemoteServerBoundToLoopback, Description: "remote cluster server enabled but bound to a loopback address",
		Inputs: []event.Kind{event.KindSnapshot, event.KindSymptom}}
}

// rcBind returns a node's effective remote_cluster bind hosts and where they come from.
func rcBind(n *store.Node) ([]string, string) {
	for _, k := range []string{"remote_cluster.bind_host", "remote_cluster.host", "transport.bind_host", "transport.host", "network.bind_host", "network.host"} {
		s, ok := pairing.Setting(n, k)
		if !ok || s.Value == "" {
			continue
		}
		if s.Default && k != "network.host" && k != "remote_cluster.host" {
			continue
		}
		vals := s.Values
		if len(vals) == 0 {
			vals = strings.Split(s.Value, ",")
		}
		src := k
		if s.Default {
			src = k + " (default)"
		}
		return vals, src
	}
	return []string{"_local_"}, "network.host (default)"
}

func allLoopback(hosts []string) bool {
	for _, h := range hosts {
		if !pairing.IsLoopbackName(strings.TrimSpace(h)) {
			return false
		}
	}
	return len(hosts) > 0
}

func (RemoteServerBoundToLoopback) Evaluate(v *pairing.View, r *Reporter) {
	// Remote clusters that someone connects to, with who connects.
	for _, l := range v.Links() {
		if l.Remote == "" {
			continue
		}
		var bad []*store.Node
		var ev []diagnosis.Evidence
		// In sniff mode the local cluster connects to the gateway nodes it
		// discovers, not only the seeds: when the seeds reach the remote by a
		// routable name, every node's remote cluster server must be reachable.
		sniffRoutable := false
		if l.Mode != "proxy" {
			for _, t := range l.Targets {
				h, _ := pairing.SplitHostPort(t.Addr)
				if len(t.Matches) > 0 && !pairing.IsLoopbackName(h) {
					sniffRoutable = true
				}
			}
		}
		for _, n := range v.Cluster(l.Remote) {
			if n.Snapshot == nil || !pairing.Bool(n, "remote_cluster_server.enabled", false) {
				continue
			}
			bind, src := rcBind(n)
			if !allLoopback(bind) {
				continue
			}
			// Loopback is fine when the seeds themselves use the loopback name
			// (everything on one machine).
			reachedByName := false
			for _, t := range l.Targets {
				h, _ := pairing.SplitHostPort(t.Addr)
				for _, m := range t.Matches {
					if m.Node == n && !pairing.IsLoopbackName(h) {
						reachedByName = true
					}
				}
			}
			if !reachedByName && !(sniffRoutable && !pairing.IsLoopbackName(n.Snapshot.Host)) {
				continue // the seeds themselves use a loopback name: one machine
			}
			bad = append(bad, n)
			ev = append(ev, configEvidence(n, fmt.Sprintf("remote_cluster_server.enabled is true but the remote cluster server binds to %s (from %s): only loopback", strings.Join(bind, ","), src)))
		}
		if len(bad) == 0 {
			continue
		}
		f := Finding{Code: catalog.RemoteServerBoundToLoopback, Key: l.Alias, Clusters: clusters(l.Local, l.Remote), Alias: l.Alias,
			Absorbs: []catalog.Code{catalog.RemoteUnreachable}, Evidence: ev, Claims: []string{"remote_cluster.host"},
			Facts: map[string]any{"nodes": nodeNames(bad)}}
		for _, x := range localSymptoms(v, l, "connect-exception", "no-seed-node-left", "proxy-connections-failed") {
			f.Evidence = append(f.Evidence, symptomEvidence(diagnosis.SideLocal, x.n, x.a))
			f.Nodes = append(f.Nodes, ref(x.n))
		}
		settings := map[string]string{}
		for _, n := range bad {
			settings["remote_cluster.host"] = n.Snapshot.Host
			if len(bad) > 1 {
				settings["remote_cluster.host"] = "<the node's own address>"
			}
		}
		f.Fix = diagnosis.Fix{
			Summary:  "Set remote_cluster.host to an address the local cluster can reach on the nodes named, then restart them.",
			Settings: settings,
			Commands: []string{"add remote_cluster.host: <address> to elasticsearch.yml", "restart the node"},
			Nodes:    refs(bad),
		}
		r.Report(f)
	}
}
