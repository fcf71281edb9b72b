package rules

import (
	"fmt"
	"strings"
	"time"

	"github.com/esdoctor/esdoctor/aggregator/pairing"
	"github.com/esdoctor/esdoctor/aggregator/store"
	"github.com/esdoctor/esdoctor/shared/catalog"
	"github.com/esdoctor/esdoctor/shared/diagnosis"
	"github.com/esdoctor/esdoctor/shared/event"
)

// RemoteUnreachable pairs connect_exception lines of the local cluster with
// what listens (or not) at the address on the remote side.
type RemoteUnreachable struct{}

var _ Rule = RemoteUnreachable{}

func (RemoteUnreachable) Meta() Meta {
	return Meta{Code: catalog.RemoteUnreachable, Description: "connect_exception to a remote cluster address, explained by what listens there",
		Inputs: []event.Kind{event.KindSnapshot, event.KindSymptom, event.KindProbe}}
}

func (RemoteUnreachable) Evaluate(v *pairing.View, r *Reporter) {
	defer reportProbeFindings(v, r, catalog.RemoteUnreachable)
	type group struct {
		local, alias string
		link         *pairing.Link
		hits         []nodeAgg
		predicted    []string // seed addresses where nothing listens (configuration)
	}
	groups := map[string]*group{}
	var order []string
	for _, n := range v.Nodes {
		for _, a := range v.Symptoms(n, "connect-exception", "no-seed-node-left") {
			if ad := a.Last.Fields["address"]; ad != "" {
				var at []*store.Node
				for _, m := range v.Resolve(ad, n.Key.Cluster) {
					at = append(at, m.Node)
				}
				if explainedByDowntime(at, a) || restartedSince(at, a) {
					continue // the remote node was restarting then
				}
			}
			l := v.LinkForSymptom(n, a)
			alias := a.Last.Fields["alias"]
			if l != nil {
				alias = l.Alias
			}
			k := n.Key.Cluster + "\x00" + alias
			g := groups[k]
			if g == nil {
				g = &group{local: n.Key.Cluster, alias: alias, link: l}
				groups[k] = g
				order = append(order, k)
			}
			g.hits = append(g.hits, nodeAgg{n, a})
		}
	}
	// Configuration alone: a seed whose host is a known node of the remote
	// cluster but whose port is none of that node's ports.
	for _, l := range v.Links() {
		if l.Remote == "" || !defined(l) {
			continue
		}
		k := l.Local + "\x00" + l.Alias
		if groups[k] != nil {
			continue
		}
		for _, t := range l.Targets {
			if len(t.Matches) > 0 && t.Matches[0].Port == "" && t.Matches[0].Node.Key.Cluster == l.Remote {
				if groups[k] == nil {
					groups[k] = &group{local: l.Local, alias: l.Alias, link: l}
					order = append(order, k)
				}
				groups[k].predicted = append(groups[k].predicted, t.Addr)
			}
		}
	}
	for _, k := range order {
		g := groups[k]
		remote := ""
		if g.link != nil {
			remote = g.link.Remote
		}
		f := Finding{Code: catalog.RemoteUnreachable, Key: g.alias, Alias: g.alias, Facts: map[string]any{}}
		addrs := map[string]bool{}
		for _, a := range g.predicted {
			addrs[a] = true
		}
		for _, h := range g.hits {
			f.Evidence = append(f.Evidence, symptomEvidence(diagnosis.SideLocal, h.n, h.a))
			f.Nodes = append(f.Nodes, ref(h.n))
			if ad := h.a.Last.Fields["address"]; ad != "" {
				addrs[ad] = true
			}
		}
		var explain []string
		var good []string
		for _, ad := range sortedKeys(addrs) {
			ms := v.Resolve(ad, g.local)
			if len(ms) == 0 {
				explain = append(explain, fmt.Sprintf("no known node is at %s (wrong host, or a firewall)", ad))
				continue
			}
			for _, m := range ms {
				if remote == "" {
					remote = m.Node.Key.Cluster
				}
				host, _ := pairing.SplitHostPort(ad)
				switch m.Port {
				case "":
					want := m.Ports.Transport
					what := "transport.port"
					if g.link == nil || g.link.APIKeyModel() || m.Ports.RemoteClusterEnabled {
						want, what = m.Ports.RemoteCluster, "remote_cluster.port"
					}
					explain = append(explain, fmt.Sprintf("nothing of %s listens at %s: its %s is %d", m.Node.Key, ad, what, want))
					good = append(good, hostPort(host, want))
					f.Evidence = append(f.Evidence, configEvidence(m.Node, fmt.Sprintf("transport.port %d, remote_cluster.port %d (remote_cluster_server.enabled %v)", m.Ports.Transport, m.Ports.RemoteCluster, m.Ports.RemoteClusterEnabled)))
				default:
					explain = append(explain, fmt.Sprintf("%s is %s's %s port and the configuration says it listens there: a firewall or routing between the clusters drops the connection", ad, m.Node.Key, strings.ReplaceAll(m.Port, "_", " ")))
				}
			}
		}
		f.Clusters = clusters(g.local, remote)
		f.Facts["addresses"] = sortedKeys(addrs)
		f.Facts["explanation"] = explain
		f.Detail = strings.Join(explain, "; ") + "."
		if len(good) > 0 && g.link != nil {
			f.Fix.Summary = "Point cluster.remote." + g.alias + " at " + strings.Join(uniq(good), ", ") + "."
			f.Fix.Settings, f.Fix.Commands = seedsFix(g.link, uniq(good))
			fix := definersOrAll(v, g.link)
			if !defined(g.link) {
				fix = aggNodes(g.hits)
			}
			f.Fix.Nodes = refs(fix)
		} else {
			f.Fix.Summary = "Check the host and port of cluster.remote." + g.alias + ", that the remote cluster server is enabled there, and that no firewall blocks the port."
			f.Fix.Nodes = []diagnosis.NodeRef{}
		}
		r.Report(f)
	}
}

// definersOrAll returns the local nodes defining the alias in their yml, or
// every local node when it is defined in cluster settings.
func definersOrAll(v *pairing.View, l *pairing.Link) []*store.Node {
	if remoteSettingScope(l) == "yml" {
		if d := definers(v, l, nil); len(d) > 0 {
			return d
		}
	}
	return v.Cluster(l.Local)
}

// explainedByDowntime: every connect failure happened while a remote node at
// that address was down for a restart: after its stop (or up to 5 minutes
// before it started again) and at most 30 s after the start.
func explainedByDowntime(remotes []*store.Node, a *store.SymptomAgg) bool {
	for _, rn := range remotes {
		for _, s := range rn.Starts {
			from := s.Add(-RestartWindow)
			for _, x := range rn.Symptoms {
				if x.Code == "node-stopping" && !x.LastTime.After(s) && x.LastTime.After(from) {
					from = x.LastTime
				}
			}
			if !a.FirstTime.Before(from) && !a.LastTime.After(s.Add(30*time.Second)) {
				return true
			}
		}
	}
	return false
}
