// Package pairing is the read-only view the diagnosis rules work on: it
// indexes the folded model by host and port, resolves a remote cluster
// alias to the cluster its seeds reach, and decides which symptoms are
// current. It joins local and remote evidence by address, API-key id,
// certificate fingerprint and time.
package pairing

import (
	"net"
	"net/netip"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/esdoctor/esdoctor/aggregator/store"
	"github.com/esdoctor/esdoctor/shared/event"
)

// View is an immutable picture of the model for one evaluation.
type View struct {
	Nodes []*store.Node
	Now   time.Time
	// Quiet is the quiet period: symptoms that have not recurred for this
	// long before QuietClock no longer count (0: no limit). QuietClock is
	// the latest log time seen in the whole fleet (not the wall clock: the
	// quiet period is log time that passed without the fault, so logs
	// replayed or analyzed later age the same way). Set both before the
	// first rule runs.
	Quiet      time.Duration
	QuietClock time.Time
	byKey      map[store.NodeKey]*store.Node
	clusters   map[string][]*store.Node
	names      []string
	hosts      map[string][]*store.Node // host alias → nodes
	links      []*Link
	// symIndex and aliasIndex cache per node what the rules ask for
	// again and again (index.go).
	symIndex   map[*store.Node]*nodeSymptoms
	aliasIndex map[*store.Node][]string
	portIndex  map[*store.Node]Ports
	linkIndex  map[linkKey]*Link
}

// New indexes nodes (as returned by store.Nodes, sorted). Now is the
// evaluation time (wall clock live, latest event time offline).
func New(nodes []*store.Node, now time.Time) *View {
	return NewWithAliases(nodes, now, nil)
}

// NewWithAliases is New with the nodes' HostAliases already computed (by
// node; a node missing from aliases gets them computed): a caller that
// keeps node copies between views (aggregator/incremental) computes them
// once per change of the node. aliases must be what HostAliases returns
// for each node, and is not modified.
func NewWithAliases(nodes []*store.Node, now time.Time, aliases map[*store.Node][]string) *View {
	v := &View{Nodes: nodes, Now: now, byKey: map[store.NodeKey]*store.Node{}, clusters: map[string][]*store.Node{}, hosts: map[string][]*store.Node{}}
	if len(aliases) > 0 {
		v.aliasIndex = make(map[*store.Node][]string, len(nodes))
		for _, n := range nodes {
			if hs, ok := aliases[n]; ok {
				v.aliasIndex[n] = hs
			}
		}
	}
	for _, n := range nodes {
		v.byKey[n.Key] = n
		if _, ok := v.clusters[n.Key.Cluster]; !ok {
			v.names = append(v.names, n.Key.Cluster)
		}
		v.clusters[n.Key.Cluster] = append(v.clusters[n.Key.Cluster], n)
		for _, h := range v.hostAliases(n) {
			v.hosts[h] = append(v.hosts[h], n)
		}
	}
	sort.Strings(v.names)
	return v
}

// Node returns a node by key.
func (v *View) Node(k store.NodeKey) *store.Node { return v.byKey[k] }

// Clusters returns the cluster names, sorted.
func (v *View) Clusters() []string { return v.names }

// Cluster returns a cluster's nodes, sorted by name.
func (v *View) Cluster(name string) []*store.Node { return v.clusters[name] }

// Setting returns a node's setting value (explicit or default).
func Setting(n *store.Node, key string) (event.Setting, bool) {
	if n == nil || n.Snapshot == nil {
		return event.Setting{}, false
	}
	s, ok := n.Snapshot.Settings[key]
	return s, ok
}

// SettingValue returns a setting's value text, or "".
func SettingValue(n *store.Node, key string) string {
	s, _ := Setting(n, key)
	return s.Value
}

// Bool reads a boolean setting with a default.
func Bool(n *store.Node, key string, def bool) bool {
	s, ok := Setting(n, key)
	if !ok || s.Value == "" {
		return def
	}
	return strings.EqualFold(s.Value, "true")
}

// firstPort parses "9300" or "9300-9400" to 9300.
func firstPort(s string) int {
	s = strings.TrimSpace(s)
	if i := strings.IndexAny(s, "-,"); i > 0 {
		s = s[:i]
	}
	p, err := strconv.Atoi(s)
	if err != nil {
		return 0
	}
	return p
}

// Ports are the ports a node listens on (publish ports when set).
type Ports struct {
	Transport, RemoteCluster, HTTP int
	// TransportMax and HTTPMax end the port range when the node binds "the
	// first free port" of a range and its log did not say which (0: a single port).
	TransportMax, HTTPMax int
	// RemoteClusterEnabled is remote_cluster_server.enabled.
	RemoteClusterEnabled bool
}

// PortsOf reads a node's ports from its settings and log publish lines.
func PortsOf(n *store.Node) Ports {
	p := Ports{
		Transport:            firstPort(orDefault(SettingValue(n, "transport.port"), "9300")),
		RemoteCluster:        firstPort(orDefault(SettingValue(n, "remote_cluster.port"), "9443")),
		HTTP:                 firstPort(orDefault(SettingValue(n, "http.port"), "9200")),
		RemoteClusterEnabled: Bool(n, "remote_cluster_server.enabled", false),
	}
	p.TransportMax = lastPort(orDefault(SettingValue(n, "transport.port"), "9300-9400"))
	p.HTTPMax = lastPort(orDefault(SettingValue(n, "http.port"), "9200-9300"))
	if pp := firstPort(SettingValue(n, "transport.publish_port")); pp > 0 {
		p.Transport, p.TransportMax = pp, 0
	}
	if pp := firstPort(SettingValue(n, "remote_cluster.publish_port")); pp > 0 {
		p.RemoteCluster = pp
	}
	// What the node logged at its last start wins over settings.
	for _, a := range logAddresses(n) {
		switch a.Profile {
		case "transport":
			p.Transport, p.TransportMax = a.Port, 0
		case "remote_cluster":
			p.RemoteCluster = a.Port
			p.RemoteClusterEnabled = true
		case "http":
			p.HTTP, p.HTTPMax = a.Port, 0
		}
	}
	return p
}

// lastPort parses "9300-9400" to 9400, and a single port to 0.
func lastPort(s string) int {
	s = strings.TrimSpace(s)
	i := strings.IndexByte(s, '-')
	if i < 0 {
		return 0
	}
	p, err := strconv.Atoi(strings.TrimSpace(s[i+1:]))
	if err != nil {
		return 0
	}
	return p
}

// Has reports whether port is the transport / http port (or within the
// range the node may have bound).
func (p Ports) hasTransport(port int) bool {
	return port == p.Transport || (p.TransportMax > 0 && port > p.Transport && port <= p.TransportMax)
}

func (p Ports) hasHTTP(port int) bool {
	return port == p.HTTP || (p.HTTPMax > 0 && port > p.HTTP && port <= p.HTTPMax)
}

func orDefault(s, d string) string {
	if s == "" {
		return d
	}
	return s
}

// logAddresses are the publish addresses from the node's logs (snapshot
// addresses with source "log", and publish-address symptoms).
func logAddresses(n *store.Node) []event.Address {
	var out []event.Address
	if n.Snapshot != nil {
		for _, a := range n.Snapshot.Addresses {
			if a.Source == "log" {
				out = append(out, a)
			}
		}
	}
	var aggs []*store.SymptomAgg
	for _, a := range n.Symptoms {
		if a.Code == "publish-address" {
			aggs = append(aggs, a)
		}
	}
	sort.Slice(aggs, func(i, j int) bool { return aggs[i].LastTime.Before(aggs[j].LastTime) })
	for _, a := range aggs {
		host, port := SplitHostPort(a.Last.Fields["publish_address"])
		if port == 0 {
			continue
		}
		prof := a.Last.Fields["profile"]
		switch prof {
		case "_remote_cluster", "remote_cluster":
			prof = "remote_cluster"
		case "http":
		default:
			prof = "transport"
		}
		out = append(out, event.Address{Profile: prof, Host: host, Port: port, Source: "log"})
	}
	return out
}

// SplitHostPort splits "host:port", "[v6]:port", "name/ip:port" leniently.
func SplitHostPort(s string) (string, int) {
	s = strings.TrimSpace(strings.Trim(s, "{}"))
	if i := strings.LastIndexByte(s, '/'); i >= 0 {
		s = s[i+1:]
	}
	h, p, err := net.SplitHostPort(s)
	if err != nil {
		return strings.Trim(s, "[]"), 0
	}
	port, _ := strconv.Atoi(p)
	return h, port
}

// hostSettings are the settings whose concrete values name a node's host.
var hostSettings = []string{"network.host", "network.publish_host", "network.bind_host", "transport.host", "transport.publish_host",
	"transport.bind_host", "remote_cluster.host", "remote_cluster.publish_host", "remote_cluster.bind_host", "http.host", "http.publish_host"}

// HostAliases are the names and addresses by which other nodes may reach n.
func HostAliases(n *store.Node) []string {
	var out []string // sorted and made unique at the end
	add := func(h string) {
		h = strings.ToLower(strings.Trim(strings.TrimSpace(h), "[]"))
		if h == "" || strings.HasPrefix(h, "_") || strings.HasPrefix(h, "${") {
			return
		}
		if strings.IndexByte(h, ':') < 0 {
			// An IPv4 address is already in its canonical form; netip
			// parses it without allocating.
			if ip, err := netip.ParseAddr(h); err == nil && ip.IsUnspecified() {
				return
			}
		} else if ip := net.ParseIP(h); ip != nil {
			if ip.IsUnspecified() {
				return
			}
			h = ip.String()
		}
		out = append(out, h)
	}
	if s := n.Snapshot; s != nil {
		add(s.Host)
		for _, a := range s.Addresses {
			add(a.Host)
		}
		for _, k := range hostSettings {
			st, ok := s.Settings[k]
			if !ok || st.Default {
				continue
			}
			if len(st.Values) > 0 {
				for _, x := range st.Values {
					add(x)
				}
			} else {
				for _, x := range strings.Split(st.Value, ",") {
					add(x)
				}
			}
		}
	}
	add(n.Key.Node)
	if bindsLoopback(n) {
		// Bound to _local_ (the default): reachable as the loopback address
		// on its own machine, which is how single-host setups name it.
		add("127.0.0.1")
		add("localhost")
		add("::1")
	}
	for _, a := range logAddresses(n) {
		add(a.Host)
	}
	if out == nil {
		return []string{}
	}
	sort.Strings(out)
	return slices.Compact(out)
}

// bindsLoopback reports whether the node's transport binds to ES's default
// _local_ (loopback) addresses.
func bindsLoopback(n *store.Node) bool {
	for _, k := range []string{"transport.bind_host", "transport.host", "network.bind_host", "network.host"} {
		st, ok := Setting(n, k)
		if !ok || st.Value == "" || (st.Default && k != "network.host") {
			continue
		}
		for _, h := range strings.Split(st.Value, ",") {
			if IsLoopbackName(strings.TrimSpace(h)) {
				return true
			}
		}
		return false
	}
	return true
}

// IsLoopbackName reports ES's loopback-only host values: _local_, _lo_,
// _lo:ipv4_ and friends, localhost, 127.0.0.1 and ::1. Other 127.x addresses
// stand for hosts in tests and are not treated as loopback.
func IsLoopbackName(h string) bool {
	h = strings.ToLower(strings.Trim(h, "[]"))
	switch {
	case h == "_local_" || strings.HasPrefix(h, "_local:") || h == "_lo_" || strings.HasPrefix(h, "_lo:"):
		return true
	case h == "localhost" || h == "127.0.0.1" || h == "::1" || h == "0:0:0:0:0:0:0:1":
		return true
	}
	return false
}

// Match is a node found at an address, and which of its ports the address names.
type Match struct {
	Node *store.Node
	// Port is "transport", "remote_cluster", "http" or "" (no port of the
	// node matches: nothing of this node listens there).
	Port  string
	Ports Ports
}

// Resolve finds the nodes at host:port. Nodes whose port matches come
// first; when none matches, the nodes at that host are returned with Port "".
// Nodes of the cluster named in exclude are skipped (a seed never points
// at its own cluster).
func (v *View) Resolve(addr, exclude string) []Match {
	host, port := SplitHostPort(addr)
	host = strings.ToLower(host)
	if ip := net.ParseIP(host); ip != nil {
		host = ip.String()
	}
	var exact, hostOnly []Match
	for _, n := range v.hosts[host] {
		if n.Key.Cluster == exclude {
			continue
		}
		p := v.portsOf(n)
		m := Match{Node: n, Ports: p}
		switch {
		case port == p.RemoteCluster:
			m.Port = "remote_cluster"
		case p.hasTransport(port):
			m.Port = "transport"
		case p.hasHTTP(port):
			m.Port = "http"
		}
		if m.Port != "" && port != 0 {
			exact = append(exact, m)
		} else {
			m.Port = ""
			hostOnly = append(hostOnly, m)
		}
	}
	if len(exact) > 0 {
		return exact
	}
	return hostOnly
}

// Epoch is the time from which a node's log evidence describes the running
// node: its latest start, from its logs or from the process (/proc). A
// change of the yml or of the keystore does not move it: the running node
// keeps what it read at its start until it restarts (reloadable keystore
// entries until reload_secure_settings), so the log evidence of a fault
// outlives an edit of the files (see the lifecycle in the tracker's package
// doc).
func (v *View) Epoch(n *store.Node) time.Time {
	var t time.Time
	if len(n.Starts) > 0 {
		t = n.Starts[len(n.Starts)-1]
	}
	if n.Snapshot != nil && n.Snapshot.StartedAt != nil && n.Snapshot.StartedAt.After(t) {
		t = *n.Snapshot.StartedAt
	}
	return t
}

// LinkCodes are the symptoms of a node's connections to remote clusters:
// a change of the remote definitions in the cluster settings (which takes
// effect at once) ends their evidence.
var LinkCodes = map[string]bool{
	"connect-exception": true, "no-seed-node-left": true, "proxy-connections-failed": true, "closed-by-remote": true,
	"tls-trust-failure": true, "bad-certificate-alert": true, "handshake-missing-authentication": true,
	"channel-profile-mismatch": true, "anonymous-unauthorized": true, "missing-cross-cluster-credentials-header": true,
	"api-key-wrong-type": true, "api-key-unable-to-authenticate": true, "tls-hostname-mismatch": true,
	"tls-certificate-expired": true, "transport-exception": true,
}

// Current reports whether a symptom aggregate still counts as evidence:
// it occurred at or after the node's epoch (its latest start), after the
// latest change of the node's remote definitions in the cluster settings
// for connection symptoms, and within the quiet period before Now (when
// one is set). An aggregate whose time is unknown counts.
func (v *View) Current(n *store.Node, a *store.SymptomAgg) bool {
	if a.LastTime.IsZero() {
		return true
	}
	e := v.Epoch(n)
	if LinkCodes[a.Code] && n.RemotesChangedAt.After(e) {
		e = n.RemotesChangedAt
	}
	// A start line and the errors right after it may share a second.
	if a.LastTime.Before(e.Add(-time.Second)) {
		return false
	}
	return v.Quiet <= 0 || v.QuietClock.IsZero() || !a.LastTime.Before(v.QuietClock.Add(-v.Quiet))
}

// StaleFor reports whether a remote node's symptom caused by connections
// from the local node n (its remote_address is n) predates n's latest
// start or its latest change of remote definitions: the fault it shows is
// gone in the running local node.
func (v *View) StaleFor(n *store.Node, a *store.SymptomAgg) bool {
	e := v.Epoch(n)
	if n.RemotesChangedAt.After(e) {
		e = n.RemotesChangedAt
	}
	return !a.LastTime.IsZero() && a.LastTime.Before(e.Add(-time.Second))
}

// Symptoms returns a node's current symptom aggregates of the given codes,
// ordered by first time then key.
func (v *View) Symptoms(n *store.Node, codes ...string) []*store.SymptomAgg {
	return v.symptoms(n, codes)
}

// NodeOwning finds the node of cluster (any cluster when "") that has host
// among its aliases; used to pair a remote log's remoteAddress with the
// local node that made the connection.
func (v *View) NodeOwning(host, cluster string) []*store.Node {
	host = strings.ToLower(strings.Trim(host, "[]"))
	if ip := net.ParseIP(host); ip != nil {
		host = ip.String()
	}
	var out []*store.Node
	for _, n := range v.hosts[host] {
		if cluster == "" || n.Key.Cluster == cluster {
			out = append(out, n)
		}
	}
	return out
}
