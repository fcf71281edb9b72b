package rules

import (
	"fmt"
	"sort"
	"strings"

	"github.com/esdoctor/esdoctor/aggregator/pairing"
	"github.com/esdoctor/esdoctor/aggregator/store"
	"github.com/esdoctor/esdoctor/shared/catalog"
	"github.com/esdoctor/esdoctor/shared/diagnosis"
	"github.com/esdoctor/esdoctor/shared/event"
)

// ConfigDrift: a setting or keystore entry that must agree across a
// cluster's nodes differs. It runs after the other rules and skips what a
// more specific diagnosis already covers (their Claims).
type ConfigDrift struct{}

var _ Rule = ConfigDrift{}

func (ConfigDrift) Meta() Meta {
	return Meta{Code: catalog.ConfigDrift, Description: "nodes of one cluster disagree on a setting that must match",
		Inputs: []event.Kind{event.KindSnapshot}}
}

// mustAgree are settings compared with their defaults filled in.
var mustAgree = []string{
	"xpack.security.enabled",
	"xpack.security.transport.ssl.enabled",
	"xpack.security.transport.ssl.verification_mode",
	"xpack.security.transport.ssl.client_authentication",
	"xpack.security.http.ssl.enabled",
	"remote_cluster_server.enabled",
	"xpack.security.remote_cluster_server.ssl.enabled",
	"xpack.security.remote_cluster_client.ssl.enabled",
	"xpack.security.remote_cluster_client.ssl.verification_mode",
}

func (ConfigDrift) Evaluate(v *pairing.View, r *Reporter) {
	claimed := map[string]bool{}
	for _, f := range r.Findings() {
		for _, c := range f.Claims {
			for _, cl := range f.Clusters {
				claimed[cl+"\x00"+c] = true
			}
		}
	}
	for _, cluster := range v.Clusters() {
		var nodes []*store.Node
		for _, n := range v.Cluster(cluster) {
			if n.Snapshot != nil {
				nodes = append(nodes, n)
			}
		}
		if len(nodes) < 2 {
			continue
		}
		check := func(key string, value func(n *store.Node) (string, bool)) {
			if claimed[cluster+"\x00"+key] {
				return
			}
			groups := map[string][]*store.Node{}
			for _, n := range nodes {
				if val, ok := value(n); ok {
					groups[val] = append(groups[val], n)
				}
			}
			if len(groups) < 2 {
				return
			}
			majority := majorityValue(groups)
			tied := tiedValues(groups)
			var odd []*store.Node
			var ev []diagnosis.Evidence
			vals := map[string]any{}
			for val, ns := range groups {
				vals[val] = nodeNames(ns)
				for _, n := range ns {
					ev = append(ev, configEvidence(n, fmt.Sprintf("%s = %s on %s", key, display(val), n.Key.Node)))
				}
				if val != majority || tied {
					odd = append(odd, ns...)
				}
			}
			sort.Slice(odd, func(i, j int) bool { return odd[i].Key.Node < odd[j].Key.Node })
			f := Finding{Code: catalog.ConfigDrift, Key: key, Clusters: []string{cluster}, Evidence: ev,
				Facts: map[string]any{"setting": key, "values": vals, "expected": display(majority), "odd_nodes": nodeNames(odd)},
				Fix: diagnosis.Fix{Summary: fmt.Sprintf("Make %s on %s agree with the other nodes of %s (%s).", key, strings.Join(nodeNames(odd), ", "), cluster, display(majority)),
					Nodes: refs(odd)}}
			if !strings.HasPrefix(key, "keystore:") && !strings.HasPrefix(key, "es_version") && !strings.HasSuffix(key, "certificate_authorities") {
				f.Fix.Settings = map[string]string{key: display(majority)}
				f.Fix.Commands = []string{"restart the node after editing elasticsearch.yml"}
			}
			r.Report(f)
		}
		for _, key := range mustAgree {
			k := key
			check(k, func(n *store.Node) (string, bool) {
				s, ok := pairing.Setting(n, k)
				if !ok {
					return "", false
				}
				return strings.ToLower(s.Value), true
			})
		}
		// ES version (major.minor).
		check("es_version", func(n *store.Node) (string, bool) {
			if n.Snapshot.ESVersion == "" {
				return "", false
			}
			parts := strings.SplitN(n.Snapshot.ESVersion, ".", 3)
			if len(parts) < 2 {
				return n.Snapshot.ESVersion, true
			}
			return parts[0] + "." + parts[1], true
		})
		// Remote cluster definitions in the yml (not those from cluster settings).
		// Static per-node definitions may exist on some nodes only (ES allows
		// it); among the nodes that define the alias, they must agree.
		for _, alias := range ymlAliases(nodes) {
			a := alias
			fields := []string{"mode", "seeds"}
			for _, n := range nodes {
				for _, rm := range n.Snapshot.Remotes {
					if rm.Alias == a && rm.Mode == "proxy" {
						fields = []string{"mode", "proxy_address"}
					}
				}
			}
			for _, field := range fields {
				fl := field
				check("cluster.remote."+a+"."+fl, func(n *store.Node) (string, bool) {
					for _, rm := range n.Snapshot.Remotes {
						if rm.Alias == a && rm.Source == "yml" {
							switch fl {
							case "mode":
								return rm.Mode, true
							case "seeds":
								s := append([]string(nil), rm.Seeds...)
								sort.Strings(s)
								return strings.Join(s, ","), true
							default:
								return rm.ProxyAddress, true
							}
						}
					}
					return "", false // not defined on this node: not compared
				})
			}
		}
		// Cross-cluster credentials: presence and value (by keyed fingerprint).
		for _, entry := range credentialEntries(nodes) {
			e := entry
			check("keystore:"+e, func(n *store.Node) (string, bool) {
				if n.Snapshot.Keystore == nil || !n.Snapshot.Keystore.Opened {
					return "", false
				}
				ke, ok := pairing.KeystoreEntry(n, e)
				if !ok {
					// Presence is missing-cross-cluster-credentials' question
					// (only the nodes that connect need it); here the values.
					return "", false
				}
				if ke.APIKeyID != "" {
					return "api key " + ke.APIKeyID + " " + ke.Fingerprint, true
				}
				return ke.Fingerprint, true
			})
		}
		// Trusted CAs of the remote-cluster client and transport contexts.
		for _, ctx := range []string{ctxClient, ctxTransport} {
			c := ctx
			check(c+".ssl.certificate_authorities", func(n *store.Node) (string, bool) {
				ts := trustOf(n, c)
				if !ts.Known {
					return "", false
				}
				var fps []string
				for _, cert := range ts.Certs {
					fps = append(fps, cert.SHA1)
				}
				sort.Strings(fps)
				return "CA sha1 [" + strings.Join(uniq(fps), ",") + "]", true
			})
		}
	}
}

// majorityValue picks the value most nodes share; ties go to the value of
// the alphabetically first node.
func majorityValue(groups map[string][]*store.Node) string {
	best, bestN, bestFirst := "", -1, ""
	for val, ns := range groups {
		first := nodeNames(ns)[0]
		if len(ns) > bestN || (len(ns) == bestN && first < bestFirst) {
			best, bestN, bestFirst = val, len(ns), first
		}
	}
	return best
}

// tiedValues reports whether the largest group is not unique: then no node
// can be called the odd one, and every node is named.
func tiedValues(groups map[string][]*store.Node) bool {
	best, n := 0, 0
	for _, ns := range groups {
		switch {
		case len(ns) > best:
			best, n = len(ns), 1
		case len(ns) == best:
			n++
		}
	}
	return n > 1
}

func display(v string) string {
	if v == "" {
		return "(empty)"
	}
	return v
}

func ymlAliases(nodes []*store.Node) []string {
	set := map[string]bool{}
	fromAPI := map[string]bool{}
	for _, n := range nodes {
		for _, r := range n.Snapshot.Remotes {
			switch r.Source {
			case "yml":
				set[r.Alias] = true
			case "cluster_settings":
				fromAPI[r.Alias] = true
			}
		}
	}
	var out []string
	for a := range set {
		if !fromAPI[a] {
			out = append(out, a)
		}
	}
	sort.Strings(out)
	return out
}

func credentialEntries(nodes []*store.Node) []string {
	set := map[string]bool{}
	for _, n := range nodes {
		if n.Snapshot.Keystore == nil {
			continue
		}
		for _, e := range n.Snapshot.Keystore.Entries {
			if strings.HasPrefix(e.Name, "cluster.remote.") && strings.HasSuffix(e.Name, ".credentials") {
				set[e.Name] = true
			}
		}
	}
	return sortedKeys(set)
}
