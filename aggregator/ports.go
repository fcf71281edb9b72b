package aggregator

import (
	"net"
	"sort"
	"strconv"
	"strings"

	"github.com/esdoctor/esdoctor/aggregator/api"
	"github.com/esdoctor/esdoctor/aggregator/store"
)

// Ports is the intra-cluster reachability matrix of a cluster from its
// agents' probes of their peers (api.PortsSource).
func (a *Aggregator) Ports(cluster string) (api.PortMatrix, bool) {
	return PortMatrix(a.store.Nodes(), cluster)
}

var peerPorts = map[string]string{"peer-transport": "transport", "peer-http": "http", "peer-remote-cluster": "remote_cluster"}

// PortMatrix builds the matrix of one cluster from the nodes' latest
// probes; false when no node of the cluster is known.
func PortMatrix(nodes []*store.Node, cluster string) (api.PortMatrix, bool) {
	m := api.PortMatrix{Cluster: cluster, Nodes: []string{}, Pairs: []api.PortPair{}}
	at := map[string]string{} // host or host:port -> node name
	var members []*store.Node
	for _, n := range nodes {
		if n.Key.Cluster != cluster {
			continue
		}
		members = append(members, n)
		m.Nodes = append(m.Nodes, n.Key.Node)
		if s := n.Snapshot; s != nil {
			if s.Host != "" {
				at[strings.ToLower(s.Host)] = n.Key.Node
			}
			for _, ad := range s.Addresses {
				at[strings.ToLower(ad.Host)] = n.Key.Node
				at[strings.ToLower(net.JoinHostPort(ad.Host, strconv.Itoa(ad.Port)))] = n.Key.Node
			}
		}
	}
	if len(members) == 0 {
		return m, false
	}
	sort.Strings(m.Nodes)
	for _, n := range members {
		for _, p := range n.Probes {
			port, ok := peerPorts[p.Purpose]
			if !ok {
				continue
			}
			to := at[strings.ToLower(p.Target)]
			if to == "" {
				if h, _, err := net.SplitHostPort(p.Target); err == nil {
					to = at[strings.ToLower(h)]
				}
			}
			pp := api.PortPair{From: n.Key.Node, To: to, Target: p.Target, Port: port, OK: p.OK, ErrorKind: p.ErrorKind, Error: p.Error, LatencyMS: p.LatencyMS}
			if !p.OK {
				m.Blocked++
			}
			m.Pairs = append(m.Pairs, pp)
		}
	}
	sort.Slice(m.Pairs, func(i, j int) bool {
		a, b := m.Pairs[i], m.Pairs[j]
		if a.From != b.From {
			return a.From < b.From
		}
		if a.To != b.To {
			return a.To < b.To
		}
		if a.Port != b.Port {
			return a.Port < b.Port
		}
		return a.Target < b.Target
	})
	return m, true
}
