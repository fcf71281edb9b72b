package pairing

import (
	"sort"
	"strings"

	"github.com/esdoctor/esdoctor/aggregator/store"
	"github.com/esdoctor/esdoctor/shared/event"
)

// Target is one seed or proxy address of a remote cluster alias, with the
// nodes found there.
type Target struct {
	Addr    string
	Matches []Match
	// Defined lists the local nodes whose definition names this address.
	Defined []string
}

// Link is one remote cluster alias of a local cluster.
type Link struct {
	Local string
	Alias string
	// Remote is the cluster the alias reaches ("" when unknown) and RemoteBy
	// says how it was found: "seeds", "symptoms", "api-key", "alias".
	Remote   string
	RemoteBy string
	Mode     string
	Targets  []Target
	// Defs maps a local node name to its definition of the alias.
	Defs map[string]event.Remote
	// WithCredentials / WithoutCredentials split the local cluster's nodes by
	// whether cluster.remote.<alias>.credentials is in their keystore.
	WithCredentials    []*store.Node
	WithoutCredentials []*store.Node
	// KeyIDs maps an API key id to the local nodes holding it for the alias.
	KeyIDs map[string][]string
	// Fingerprints maps a credentials fingerprint to the local nodes holding it.
	Fingerprints map[string][]string
}

// APIKeyModel reports whether any local node holds credentials for the alias.
func (l *Link) APIKeyModel() bool { return len(l.WithCredentials) > 0 }

// RemoteNodes returns the distinct remote nodes the targets resolve to.
func (l *Link) RemoteNodes() []*store.Node {
	seen := map[store.NodeKey]bool{}
	var out []*store.Node
	for _, t := range l.Targets {
		for _, m := range t.Matches {
			if m.Node.Key.Cluster == l.Remote && !seen[m.Node.Key] {
				seen[m.Node.Key] = true
				out = append(out, m.Node)
			}
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Key.Node < out[j].Key.Node })
	return out
}

// addrFields are symptom fields that name the remote side's address.
var addrFields = []string{"address", "server_address"}

// Links returns every (local cluster, alias) known from snapshots or
// symptoms, sorted.
func (v *View) Links() []*Link {
	if v.links != nil {
		return v.links
	}
	type lk struct{ local, alias string }
	found := map[lk]*Link{}
	get := func(local, alias string) *Link {
		k := lk{local, alias}
		l := found[k]
		if l == nil {
			l = &Link{Local: local, Alias: alias, Defs: map[string]event.Remote{}, KeyIDs: map[string][]string{}, Fingerprints: map[string][]string{}}
			found[k] = l
		}
		return l
	}
	for _, n := range v.Nodes {
		if n.Snapshot != nil {
			for _, r := range n.Snapshot.Remotes {
				get(n.Key.Cluster, r.Alias).Defs[n.Key.Node] = r
			}
		}
		for _, a := range n.Symptoms {
			if al := a.Last.Fields["alias"]; al != "" && isLocalSideSymptom(a.Code) {
				get(n.Key.Cluster, al)
			}
		}
	}
	var links []*Link
	for _, l := range found {
		v.fillLink(l)
		links = append(links, l)
	}
	sort.Slice(links, func(i, j int) bool {
		if links[i].Local != links[j].Local {
			return links[i].Local < links[j].Local
		}
		return links[i].Alias < links[j].Alias
	})
	v.links = links
	return links
}

// Link returns one link, or nil.
func (v *View) Link(local, alias string) *Link {
	if v.linkIndex == nil {
		links := v.Links()
		v.linkIndex = make(map[linkKey]*Link, len(links))
		for _, l := range links {
			if k := (linkKey{l.Local, l.Alias}); v.linkIndex[k] == nil {
				v.linkIndex[k] = l
			}
		}
	}
	return v.linkIndex[linkKey{local, alias}]
}

// isLocalSideSymptom: symptoms a querying cluster logs about an alias.
func isLocalSideSymptom(code string) bool {
	switch code {
	case "connect-exception", "no-seed-node-left", "proxy-connections-failed", "handshake-missing-authentication",
		"channel-profile-mismatch", "anonymous-unauthorized", "missing-cross-cluster-credentials-header",
		"api-key-wrong-type", "api-key-unable-to-authenticate", "tls-trust-failure", "tls-hostname-mismatch",
		"tls-certificate-expired", "no-remote-indices-privileges", "remote-indices-unauthorized", "closed-by-remote",
		"bad-certificate-alert":
		return true
	}
	return false
}

func (v *View) fillLink(l *Link) {
	credName := "cluster.remote." + l.Alias + ".credentials"
	for _, n := range v.Clients(l) {
		e, ok := keystoreEntry(n, credName)
		if ok {
			l.WithCredentials = append(l.WithCredentials, n)
			if e.APIKeyID != "" {
				l.KeyIDs[e.APIKeyID] = append(l.KeyIDs[e.APIKeyID], n.Key.Node)
			}
			if e.Fingerprint != "" {
				l.Fingerprints[e.Fingerprint] = append(l.Fingerprints[e.Fingerprint], n.Key.Node)
			}
		} else if n.Snapshot != nil && n.Snapshot.Keystore != nil && n.Snapshot.Keystore.Opened {
			l.WithoutCredentials = append(l.WithoutCredentials, n)
		} else if n.Snapshot != nil && n.Snapshot.Keystore == nil {
			l.WithoutCredentials = append(l.WithoutCredentials, n)
		}
	}
	// Targets, in node order then definition order.
	byAddr := map[string]*Target{}
	var order []string
	nodes := make([]string, 0, len(l.Defs))
	for name := range l.Defs {
		nodes = append(nodes, name)
	}
	sort.Strings(nodes)
	for _, name := range nodes {
		d := l.Defs[name]
		if l.Mode == "" {
			l.Mode = d.Mode
		}
		addrs := d.Seeds
		if d.ProxyAddress != "" {
			addrs = []string{d.ProxyAddress}
		}
		for _, a := range addrs {
			a = strings.TrimSpace(a)
			if a == "" {
				continue
			}
			t := byAddr[a]
			if t == nil {
				t = &Target{Addr: a, Matches: v.Resolve(a, l.Local)}
				byAddr[a] = t
				order = append(order, a)
			}
			t.Defined = append(t.Defined, name)
		}
	}
	for _, a := range order {
		l.Targets = append(l.Targets, *byAddr[a])
	}
	l.Remote, l.RemoteBy = v.remoteOf(l)
}

// Clients are the local nodes that open connections for the alias: every
// node of the cluster with the remote_cluster_client role (the default),
// or, when the alias is defined only in some nodes' yml (static per-node
// settings), those nodes.
func (v *View) Clients(l *Link) []*store.Node {
	ymlOnly, any := true, false
	for _, d := range l.Defs {
		if len(d.Seeds) == 0 && d.ProxyAddress == "" {
			continue // a keystore-only entry defines nothing
		}
		any = true
		if d.Source != "yml" {
			ymlOnly = false
		}
	}
	var out []*store.Node
	for _, n := range v.Cluster(l.Local) {
		if !hasClientRole(n) {
			continue
		}
		if any && ymlOnly {
			if d, ok := l.Defs[n.Key.Node]; !ok || (len(d.Seeds) == 0 && d.ProxyAddress == "") {
				continue
			}
		}
		out = append(out, n)
	}
	return out
}

// hasClientRole: node.roles unset (all roles) or it lists remote_cluster_client.
func hasClientRole(n *store.Node) bool {
	s, ok := Setting(n, "node.roles")
	if !ok || s.Default {
		return true
	}
	vals := s.Values
	if len(vals) == 0 {
		vals = strings.Split(s.Value, ",")
	}
	for _, r := range vals {
		if strings.TrimSpace(strings.Trim(r, "[] ")) == "remote_cluster_client" {
			return true
		}
	}
	return false
}

// remoteOf decides which cluster an alias reaches.
func (v *View) remoteOf(l *Link) (string, string) {
	votes := map[string]int{}
	for _, t := range l.Targets {
		for _, m := range t.Matches {
			votes[m.Node.Key.Cluster]++
		}
	}
	if c := top(votes); c != "" {
		return c, "seeds"
	}
	for _, n := range v.Cluster(l.Local) {
		for _, a := range n.Symptoms {
			if a.Last.Fields["alias"] != l.Alias && !(a.Last.Fields["alias"] == "" && len(v.linksOfCluster(l.Local)) <= 1) {
				continue
			}
			for _, f := range addrFields {
				if addr := a.Last.Fields[f]; addr != "" {
					for _, m := range v.Resolve(addr, l.Local) {
						votes[m.Node.Key.Cluster]++
					}
				}
			}
		}
	}
	if c := top(votes); c != "" {
		return c, "symptoms"
	}
	// The remote side saw a local node connect (client did not trust, empty
	// client certificate chain, ...): its cluster is the remote.
	locals := map[string]bool{}
	for _, n := range v.Cluster(l.Local) {
		for _, h := range HostAliases(n) {
			locals[h] = true
		}
	}
	for _, n := range v.Nodes {
		if n.Key.Cluster == l.Local {
			continue
		}
		for _, a := range n.Symptoms {
			switch a.Code {
			case "client-did-not-trust-server-cert", "empty-client-certificate-chain", "transport-exception":
				if locals[strings.ToLower(store.HostOnly(a.Last.Fields["remote_address"]))] {
					votes[n.Key.Cluster]++
				}
			}
		}
	}
	if c := top(votes); c != "" && len(v.linksOfCluster(l.Local)) <= 1 {
		return c, "remote-symptoms"
	}
	votes = map[string]int{}
	for id := range l.KeyIDs {
		for _, n := range v.Nodes {
			if n.Key.Cluster == l.Local {
				continue
			}
			for _, a := range n.Symptoms {
				if a.Last.Fields["api_key_id"] == id {
					votes[n.Key.Cluster]++
				}
			}
		}
	}
	if c := top(votes); c != "" {
		return c, "api-key"
	}
	if l.Alias != l.Local && len(v.Cluster(l.Alias)) > 0 {
		return l.Alias, "alias"
	}
	return "", ""
}

// linksOfCluster counts the aliases a cluster defines (from snapshots).
func (v *View) linksOfCluster(local string) []string {
	set := map[string]bool{}
	for _, n := range v.Cluster(local) {
		if n.Snapshot != nil {
			for _, r := range n.Snapshot.Remotes {
				set[r.Alias] = true
			}
		}
	}
	out := make([]string, 0, len(set))
	for a := range set {
		out = append(out, a)
	}
	sort.Strings(out)
	return out
}

func top(votes map[string]int) string {
	best, n := "", 0
	for c, k := range votes {
		if k > n || (k == n && c < best) {
			best, n = c, k
		}
	}
	return best
}

// keystoreEntry finds a keystore entry of a node.
func keystoreEntry(n *store.Node, name string) (event.KeystoreEntry, bool) {
	if n.Snapshot == nil || n.Snapshot.Keystore == nil {
		return event.KeystoreEntry{}, false
	}
	for _, e := range n.Snapshot.Keystore.Entries {
		if e.Name == name {
			return e, true
		}
	}
	return event.KeystoreEntry{}, false
}

// KeystoreEntry is exported for rules.
func KeystoreEntry(n *store.Node, name string) (event.KeystoreEntry, bool) {
	return keystoreEntry(n, name)
}

// LinksTo returns the links whose remote is cluster.
func (v *View) LinksTo(cluster string) []*Link {
	var out []*Link
	for _, l := range v.Links() {
		if l.Remote == cluster {
			out = append(out, l)
		}
	}
	return out
}

// LinkForSymptom finds the link a local symptom belongs to: by its alias
// field, else by the address it names, else the cluster's only link.
func (v *View) LinkForSymptom(n *store.Node, a *store.SymptomAgg) *Link {
	if al := a.Last.Fields["alias"]; al != "" {
		return v.Link(n.Key.Cluster, al)
	}
	for _, f := range addrFields {
		addr := a.Last.Fields[f]
		if addr == "" {
			continue
		}
		host, port := SplitHostPort(addr)
		for _, l := range v.Links() {
			if l.Local != n.Key.Cluster {
				continue
			}
			for _, t := range l.Targets {
				th, tp := SplitHostPort(t.Addr)
				if strings.EqualFold(th, host) && (port == 0 || tp == port) {
					return l
				}
				for _, m := range t.Matches {
					for _, h := range v.hostAliases(m.Node) {
						if h == strings.ToLower(host) && (port == 0 || tp == port) {
							return l
						}
					}
				}
			}
		}
	}
	var mine []*Link
	for _, l := range v.Links() {
		if l.Local == n.Key.Cluster {
			mine = append(mine, l)
		}
	}
	if len(mine) == 1 {
		return mine[0]
	}
	return nil
}
