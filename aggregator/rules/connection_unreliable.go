package rules

import (
	"fmt"
	"regexp"
	"time"

	"github.com/esdoctor/esdoctor/aggregator/pairing"
	"github.com/esdoctor/esdoctor/aggregator/store"
	"github.com/esdoctor/esdoctor/shared/catalog"
	"github.com/esdoctor/esdoctor/shared/diagnosis"
	"github.com/esdoctor/esdoctor/shared/event"
)

// ConnectionUnreliable: "transport connection to [...] closed by remote"
// that no restart of the remote node explains.
type ConnectionUnreliable struct{}

var _ Rule = ConnectionUnreliable{}

func (ConnectionUnreliable) Meta() Meta {
	return Meta{Code: catalog.ConnectionUnreliable, Description: "remote connections closed by remote without a remote restart",
		Inputs: []event.Kind{event.KindSnapshot, event.KindSymptom, event.KindProbe}}
}

// RestartWindow is how close to a remote node's start or stop a
// closed-by-remote line is explained by it.
const RestartWindow = 5 * time.Minute

// descAddr finds "host:port" inside a node description like
// {my-remote#192.168.0.42:9443}{...} or {name}{id}{eph}{host}{ip:port}.
var descAddr = regexp.MustCompile(`[{#/]([0-9A-Za-z.\-]+:[0-9]{2,5})\}`)

func (ConnectionUnreliable) Evaluate(v *pairing.View, r *Reporter) {
	type acc struct {
		local, remote, alias string
		ev                   []diagnosis.Evidence
		nodes                []*store.Node
		remotes              []*store.Node
	}
	accs := map[string]*acc{}
	var order []string
	for _, n := range v.Nodes {
		for _, a := range v.Symptoms(n, "closed-by-remote") {
			desc := a.Last.Fields["node_description"]
			if desc == "" {
				desc = a.Last.Text
			}
			addr := a.Last.Fields["address"]
			if m := descAddr.FindStringSubmatch(desc); addr == "" && m != nil {
				addr = m[1]
			}
			var remotes []*store.Node
			if addr != "" {
				for _, m := range v.Resolve(addr, "") {
					remotes = append(remotes, m.Node)
				}
			}
			sameCluster := false
			for _, rn := range remotes {
				if rn.Key.Cluster == n.Key.Cluster {
					sameCluster = true
				}
			}
			if sameCluster {
				continue // a member of the local cluster, not a remote connection
			}
			if explainedByRestart(v, remotes, a) {
				continue
			}
			if explainedBySettingsUpdate(v, n, remotes, a) {
				continue
			}
			remote, alias := "", a.Last.Fields["alias"]
			if len(remotes) > 0 {
				remote = remotes[0].Key.Cluster
			}
			if l := v.LinkForSymptom(n, a); l != nil {
				alias = l.Alias
				if remote == "" {
					remote = l.Remote
				}
			}
			k := n.Key.Cluster + "\x00" + remote + "\x00" + alias
			ac := accs[k]
			if ac == nil {
				ac = &acc{local: n.Key.Cluster, remote: remote, alias: alias}
				accs[k] = ac
				order = append(order, k)
			}
			ac.ev = append(ac.ev, symptomEvidence(diagnosis.SideLocal, n, a))
			ac.nodes = append(ac.nodes, n)
			ac.remotes = append(ac.remotes, remotes...)
		}
	}
	for _, k := range order {
		ac := accs[k]
		fix := dedupNodes(append(append([]*store.Node{}, ac.nodes...), ac.remotes...))
		f := Finding{Code: catalog.ConnectionUnreliable, Key: ac.remote + "|" + ac.alias, Clusters: clusters(ac.local, ac.remote), Alias: ac.alias,
			Evidence: ac.ev, Nodes: refs(ac.nodes),
			Facts: map[string]any{"explained_by_restart": false},
			Fix: diagnosis.Fix{
				Summary: "Enable TCP keepalives and a short retransmission timeout on both ends; make the network keep long-lived idle connections.",
				Settings: map[string]string{"net.ipv4.tcp_keepalive_time": "300", "net.ipv4.tcp_keepalive_intvl": "60",
					"net.ipv4.tcp_keepalive_probes": "5", "net.ipv4.tcp_retries2": "5"},
				Commands: []string{"sysctl -w net.ipv4.tcp_keepalive_time=300 net.ipv4.tcp_retries2=5 (and persist in /etc/sysctl.d/)", "ss -tonie  # check keepalive timers on the connections between the clusters"},
				Nodes:    refs(fix),
			}}
		for _, rn := range dedupNodes(ac.remotes) {
			f.Evidence = append(f.Evidence, configEvidence(rn, fmt.Sprintf("no start or stop of %s near the closed connections", rn.Key.Node)))
		}
		kernelFacts(&f, fix)
		r.Report(f)
	}
}

// explainedByRestart: a remote node started or stopped within the window
// of the first or last closed-by-remote line.
func explainedByRestart(v *pairing.View, remotes []*store.Node, a *store.SymptomAgg) bool {
	near := func(t time.Time) bool {
		return !t.IsZero() && (absDur(t.Sub(a.FirstTime)) <= RestartWindow || absDur(t.Sub(a.LastTime)) <= RestartWindow)
	}
	for _, rn := range remotes {
		for _, s := range rn.Starts {
			if near(s) {
				return true
			}
		}
		for _, x := range rn.Symptoms {
			if x.Code == "node-stopping" && (near(x.FirstTime) || near(x.LastTime)) {
				return true
			}
		}
	}
	return false
}

// explainedBySettingsUpdate: a cluster.remote.<alias>.transport.compress /
// compression_scheme / ping_schedule change (logged by ClusterSettings on
// the nodes of either cluster) makes ES close that alias's connections
// once; closes within RestartWindow of the change are its consequence.
func explainedBySettingsUpdate(v *pairing.View, n *store.Node, remotes []*store.Node, a *store.SymptomAgg) bool {
	alias := a.Last.Fields["alias"]
	if l := v.LinkForSymptom(n, a); l != nil && alias == "" {
		alias = l.Alias
	}
	clustersOf := map[string]bool{n.Key.Cluster: true}
	for _, rn := range remotes {
		clustersOf[rn.Key.Cluster] = true
	}
	for _, m := range v.Nodes {
		if !clustersOf[m.Key.Cluster] {
			continue
		}
		for _, u := range v.Symptoms(m, string(catalog.SymRemoteConnectionSettingsUpdated)) {
			if alias != "" && u.Last.Fields["alias"] != "" && u.Last.Fields["alias"] != alias && m.Key.Cluster == n.Key.Cluster {
				continue // another alias of this cluster
			}
			for _, t := range []time.Time{u.FirstTime, u.LastTime} {
				if !t.IsZero() && !a.FirstTime.Before(t.Add(-time.Second)) && a.LastTime.Sub(t) <= RestartWindow {
					return true
				}
			}
		}
	}
	return false
}

func absDur(d time.Duration) time.Duration {
	if d < 0 {
		return -d
	}
	return d
}

var _ = pairing.SplitHostPort
