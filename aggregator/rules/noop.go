package rules

import (
	"sort"
	"strings"

	"github.com/esdoctor/esdoctor/aggregator/pairing"
	"github.com/esdoctor/esdoctor/aggregator/store"
	"github.com/esdoctor/esdoctor/shared/diagnosis"
)

// No fix is a no-op: a finding whose every advised setting already has the
// advised value on the nodes it names rests on a wrong premise for this
// evidence (the fault is elsewhere). The engine drops it before merging, so
// the evidence stays with the rules that do explain it, and tests assert
// that no rule produces one (NoOpSettings).

// NoOpSettings returns, for a fix, the settings whose advised value every
// named node (every node of the diagnosis' first cluster when the fix names
// none) already has, and whether the fix changes nothing at all (every
// advised setting is one of them). Settings whose current value is not
// known on any of those nodes (keystore entries, kernel settings) are never
// no-ops.
func NoOpSettings(fix diagnosis.Fix, clusters []string, nodes []*store.Node) (same []string, noop bool) {
	if len(fix.Settings) == 0 {
		return nil, false
	}
	named := map[diagnosis.NodeRef]bool{}
	for _, r := range fix.Nodes {
		named[r] = true
	}
	var on []*store.Node
	for _, n := range nodes {
		ref := diagnosis.NodeRef{Cluster: n.Key.Cluster, Node: n.Key.Node}
		if named[ref] || (len(named) == 0 && len(clusters) > 0 && n.Key.Cluster == clusters[0]) {
			on = append(on, n)
		}
	}
	keys := make([]string, 0, len(fix.Settings))
	for k := range fix.Settings {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		want := normalizeValue(fix.Settings[k])
		known, equal := false, true
		for _, n := range on {
			cur, ok := currentValue(n, k)
			if !ok {
				continue
			}
			known = true
			if normalizeValue(cur) != want {
				equal = false
			}
		}
		if known && equal {
			same = append(same, k)
		}
	}
	return same, len(same) == len(keys)
}

// currentValue is a node's value of a setting: its snapshot's setting, or
// the remote definition (yml or cluster settings) for
// cluster.remote.<alias>.seeds / proxy_address.
func currentValue(n *store.Node, key string) (string, bool) {
	if n.Snapshot == nil {
		return "", false
	}
	if rest, ok := strings.CutPrefix(key, "cluster.remote."); ok {
		for _, field := range []string{".seeds", ".proxy_address"} {
			alias, ok := strings.CutSuffix(rest, field)
			if !ok {
				continue
			}
			for _, r := range n.Snapshot.Remotes {
				if r.Alias != alias {
					continue
				}
				if field == ".seeds" && len(r.Seeds) > 0 {
					return strings.Join(r.Seeds, ","), true
				}
				if field == ".proxy_address" && r.ProxyAddress != "" {
					return r.ProxyAddress, true
				}
			}
		}
	}
	s, ok := pairing.Setting(n, key)
	if !ok || s.Default { // setting a default explicitly is a change
		return "", false
	}
	if len(s.Values) > 0 {
		return strings.Join(s.Values, ","), true
	}
	return s.Value, true
}

// normalizeValue makes "[a, b]", "a,b" and `["a","b"]` compare equal (as a
// set, case-insensitively).
func normalizeValue(v string) string {
	v = strings.Trim(strings.TrimSpace(v), "[]")
	parts := strings.Split(v, ",")
	for i, p := range parts {
		parts[i] = strings.ToLower(strings.Trim(strings.TrimSpace(p), `"'`))
	}
	sort.Strings(parts)
	return strings.Join(parts, ",")
}

// dropNoOps removes findings whose fix changes nothing.
func dropNoOps(fs []Finding, v *pairing.View) []Finding {
	out := fs[:0]
	for _, f := range fs {
		if _, noop := NoOpSettings(f.Fix, f.Clusters, v.Nodes); noop {
			continue
		}
		out = append(out, f)
	}
	return out
}
