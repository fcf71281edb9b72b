package rules

import (
	"fmt"

	"github.com/esdoctor/esdoctor/aggregator/pairing"
	"github.com/esdoctor/esdoctor/aggregator/store"
	"github.com/esdoctor/esdoctor/shared/catalog"
	"github.com/esdoctor/esdoctor/shared/diagnosis"
	"github.com/esdoctor/esdoctor/shared/event"
)

// TransportPortInsteadOfRemoteClusterPort: with API-key authentication the
// seeds must name remote_cluster.port, not transport.port.
type TransportPortInsteadOfRemoteClusterPort struct{}

var _ Rule = TransportPortInsteadOfRemoteClusterPort{}

func (TransportPortInsteadOfRemoteClusterPort) Meta() Meta {
	return Meta{Code: catalog.TransportPortInsteadOfRemoteClusterPort, Description: "API-key remote connects to the remote transport port (9300) instead of remote_cluster.port (9443)",
		Inputs: []event.Kind{event.KindSnapshot, event.KindSymptom, event.KindProbe}}
}

// handshakeCodes are the local symptoms of talking to the transport port.
var handshakeCodes = []string{"handshake-missing-authentication", "channel-profile-mismatch", "anonymous-unauthorized"}

func (TransportPortInsteadOfRemoteClusterPort) Evaluate(v *pairing.View, r *Reporter) {
	defer reportProbeFindings(v, r, catalog.TransportPortInsteadOfRemoteClusterPort)
	for _, l := range v.Links() {
		var ev []diagnosis.Evidence
		var involved []*store.Node
		// Configuration: seed ports that are the remote's transport port.
		var bad []pairing.Target
		if l.Remote != "" && l.APIKeyModel() {
			for _, t := range l.Targets {
				for _, m := range t.Matches {
					if m.Port == "transport" && m.Node.Key.Cluster == l.Remote {
						bad = append(bad, t)
						ev = append(ev, configEvidence(m.Node, fmt.Sprintf("cluster.remote.%s targets %s, which is %s's transport.port; its remote_cluster.port is %d", l.Alias, t.Addr, m.Node.Key.Node, m.Ports.RemoteCluster)))
						break
					}
				}
			}
		}
		// Local symptoms.
		local := localSymptoms(v, l, handshakeCodes...)
		for _, x := range localSymptoms(v, l, "bad-certificate-alert") {
			if p := x.a.Last.Fields["profile"]; p == "" || p == "_remote_cluster" {
				local = append(local, x)
			}
		}
		for _, tf := range trustFailures(v) {
			if tf.link == l && tf.presented == "transport" && tf.ctx == ctxClient {
				local = append(local, nodeAgg{tf.n, tf.a})
			}
		}
		for _, x := range local {
			if x.a.Code == "anonymous-unauthorized" && x.a.Last.Fields["action"] != "" && x.a.Last.Fields["action"] != "cluster:internal/remote_cluster/handshake" {
				continue
			}
			ev = append(ev, symptomEvidence(diagnosis.SideLocal, x.n, x.a))
			involved = append(involved, x.n)
		}
		// Remote symptoms on the default (transport) profile, from local hosts.
		var remoteEv []nodeAgg
		if l.Remote != "" && (len(local) > 0 || len(bad) > 0 || l.APIKeyModel()) {
			remoteEv = remoteSymptomsFrom(v, l.Remote, v.Cluster(l.Local), "default", "client-did-not-trust-server-cert", "empty-client-certificate-chain")
			// Only the default profile counts here.
			ports := map[int]bool{}
			for _, t := range l.Targets {
				if _, p := pairing.SplitHostPort(t.Addr); p > 0 {
					ports[p] = true
				}
			}
			kept := remoteEv[:0]
			for _, x := range remoteEv {
				if x.a.Last.Fields["profile"] != "default" {
					continue
				}
				// With several local clusters on the same hosts, the line
				// belongs to this link only if it is about a port it targets.
				if _, p := pairing.SplitHostPort(x.a.Last.Fields["local_address"]); len(ports) > 0 && p > 0 && !ports[p] {
					continue
				}
				kept = append(kept, x)
			}
			remoteEv = kept
		}
		if len(bad) == 0 && len(local) == 0 && !(len(remoteEv) > 0 && l.APIKeyModel() && len(l.Targets) > 0) {
			continue
		}
		for _, x := range remoteEv {
			ev = append(ev, symptomEvidence(diagnosis.SideRemote, x.n, x.a))
			involved = append(involved, x.n)
		}
		f := Finding{Code: catalog.TransportPortInsteadOfRemoteClusterPort, Key: l.Alias, Clusters: clusters(l.Local, l.Remote), Alias: l.Alias,
			Evidence: ev, Nodes: refs(involved), Facts: map[string]any{},
			Absorbs: []catalog.Code{catalog.TLSUntrustedCA, catalog.RemoteUnreachable, catalog.ConnectionUnreliable},
			Claims:  []string{"cluster.remote." + l.Alias + ".seeds", "cluster.remote." + l.Alias + ".proxy_address"}}
		// The right addresses: same hosts, remote_cluster.port.
		var good []string
		targets := bad
		if len(targets) == 0 {
			targets = l.Targets
		}
		var wrong []string
		for _, t := range targets {
			wrong = append(wrong, t.Addr)
			host, _ := pairing.SplitHostPort(t.Addr)
			for _, m := range t.Matches {
				if m.Node.Key.Cluster == l.Remote {
					good = append(good, hostPort(host, m.Ports.RemoteCluster))
					break
				}
			}
		}
		f.Facts["seeds"] = wrong
		if len(good) == 0 {
			for _, t := range targets {
				host, _ := pairing.SplitHostPort(t.Addr)
				good = append(good, hostPort(host, 9443))
			}
		}
		fixNodes := definersOrAll(v, l)
		if remoteSettingScope(l) == "yml" && len(bad) > 0 {
			badAddr := map[string]bool{}
			for _, t := range bad {
				badAddr[t.Addr] = true
			}
			if d := definers(v, l, func(t pairing.Target) bool { return badAddr[t.Addr] }); len(d) > 0 {
				fixNodes = d
			}
		}
		if !defined(l) {
			// The definition is not visible: name the local nodes that fail,
			// and those the remote side saw connecting to its transport port.
			fixNodes = aggNodes(local)
			for _, x := range remoteEv {
				fixNodes = append(fixNodes, v.NodeOwning(store.HostOnly(x.a.Last.Fields["remote_address"]), l.Local)...)
			}
			fixNodes = dedupNodes(fixNodes)
		}
		f.Fix.Summary = fmt.Sprintf("Point cluster.remote.%s at the remote cluster server port (remote_cluster.port), not the transport port.", l.Alias)
		if len(good) > 0 {
			f.Facts["use"] = uniq(good)
			f.Fix.Settings, f.Fix.Commands = seedsFix(l, uniq(good))
		}
		f.Fix.Nodes = refs(fixNodes)
		r.Report(f)
	}
}
