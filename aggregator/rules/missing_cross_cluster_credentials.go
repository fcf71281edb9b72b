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

// MissingCrossClusterCredentials: some local nodes lack
// cluster.remote.<alias>.credentials while connecting to the remote
// cluster server port.
type MissingCrossClusterCredentials struct{}

var _ Rule = MissingCrossClusterCredentials{}

func (MissingCrossClusterCredentials) Meta() Meta {
	return Meta{Code: catalog.MissingCrossClusterCredentials, Description: "cross-cluster API key missing from the keystore of some local nodes",
		Inputs: []event.Kind{event.KindSnapshot, event.KindSymptom}}
}

func (MissingCrossClusterCredentials) Evaluate(v *pairing.View, r *Reporter) {
	for _, l := range v.Links() {
		var ev []diagnosis.Evidence
		var involved []*store.Node
		local := localSymptoms(v, l, "missing-cross-cluster-credentials-header")
		for _, tf := range trustFailures(v) {
			if tf.link == l && tf.ctx == ctxTransport && (tf.presented == "remote_cluster" || (tf.presented == "" && lacks(l, tf.n) && len(targetNodesAt(l, "remote_cluster")) > 0)) {
				local = append(local, nodeAgg{tf.n, tf.a})
			}
		}
		// Only nodes whose own configuration supports it: a node that has
		// the key is not missing it, unless its keystore changed after its
		// start (the running node uses the key only once reloaded).
		var unloaded []*store.Node
		kept := local[:0]
		for _, x := range local {
			if !lacks(l, x.n) {
				if !keystoreChangedSinceStart(v, x.n) {
					continue
				}
				unloaded = append(unloaded, x.n)
			}
			kept = append(kept, x)
		}
		local = kept
		unloaded = dedupNodes(unloaded)
		for _, x := range local {
			ev = append(ev, symptomEvidence(diagnosis.SideLocal, x.n, x.a))
			involved = append(involved, x.n)
		}
		atRC := len(targetNodesAt(l, "remote_cluster")) > 0
		partial := len(l.WithCredentials) > 0 && len(l.WithoutCredentials) > 0
		predicted := len(l.WithoutCredentials) > 0 && (atRC || partial)
		if len(local) == 0 && !predicted {
			continue
		}
		if len(local) == 0 && !defined(l) && misnamedFor(v, l) {
			continue // these credentials belong to another alias: reported there
		}
		if l.Remote != "" {
			for _, x := range remoteSymptomsFrom(v, l.Remote, l.WithoutCredentials, "_remote_cluster", "client-did-not-trust-server-cert") {
				if x.a.Last.Fields["profile"] == "_remote_cluster" {
					ev = append(ev, symptomEvidence(diagnosis.SideRemote, x.n, x.a))
					involved = append(involved, x.n)
				}
			}
		}
		entry := "cluster.remote." + l.Alias + ".credentials"
		fix := l.WithoutCredentials
		if len(fix) == 0 {
			fix = aggNodes(local)
		}
		for _, n := range unloaded {
			ev = append(ev, configEvidence(n, fmt.Sprintf("%s is in the keystore of %s, which changed after the node started: until reloaded (POST _nodes/reload_secure_settings) the running node does not use it", entry, n.Key.Node)))
		}
		fix = dedupNodes(append(append([]*store.Node{}, fix...), unloaded...))
		claims := []string{"keystore:" + entry}
		for _, n := range fix {
			other := otherCredentialAliases(n, l.Alias)
			for _, o := range other {
				claims = append(claims, "keystore:cluster.remote."+o+".credentials")
			}
			msg := fmt.Sprintf("%s is not in the keystore of %s", entry, n.Key.Node)
			if len(other) > 0 {
				msg += fmt.Sprintf(" (it holds credentials under another alias: %s)", strings.Join(other, ", "))
			}
			ev = append(ev, configEvidence(n, msg))
		}
		for _, n := range l.WithCredentials {
			if !containsNode(unloaded, n) {
				ev = append(ev, configEvidence(n, fmt.Sprintf("%s is in the keystore of %s", entry, n.Key.Node)))
			}
		}
		f := Finding{Code: catalog.MissingCrossClusterCredentials, Key: l.Alias, Clusters: clusters(l.Local, l.Remote), Alias: l.Alias,
			Evidence: ev, Nodes: refs(involved), Absorbs: []catalog.Code{catalog.TLSUntrustedCA, catalog.ConnectionUnreliable},
			Claims: claims,
			Facts:  map[string]any{"nodes_without": nodeNames(fix), "nodes_with": nodeNames(l.WithCredentials)},
			Fix: diagnosis.Fix{
				Summary:  fmt.Sprintf("Add the cross-cluster API key as %s to the keystore of the nodes named, then reload secure settings.", entry),
				Settings: map[string]string{entry: "<encoded cross-cluster API key> (keystore)"},
				Commands: []string{"bin/elasticsearch-keystore add " + entry, "POST _nodes/reload_secure_settings"},
				Nodes:    refs(fix),
			}}
		r.Report(f)
	}
}

func lacks(l *pairing.Link, n *store.Node) bool {
	for _, x := range l.WithoutCredentials {
		if x == n {
			return true
		}
	}
	return false
}

// otherCredentialAliases lists the aliases a node holds credentials for,
// other than alias.
func otherCredentialAliases(n *store.Node, alias string) []string {
	if n.Snapshot == nil || n.Snapshot.Keystore == nil {
		return nil
	}
	var out []string
	for _, e := range n.Snapshot.Keystore.Entries {
		rest, ok := strings.CutPrefix(e.Name, "cluster.remote.")
		if !ok {
			continue
		}
		if a, ok := strings.CutSuffix(rest, ".credentials"); ok && a != alias {
			out = append(out, a)
		}
	}
	return out
}

// misnamedFor reports whether every holder of an undefined alias's
// credentials lacks the credentials of a defined alias of the same cluster:
// the entry was stored under the wrong alias.
func misnamedFor(v *pairing.View, l *pairing.Link) bool {
	for _, other := range v.Links() {
		if other == l || other.Local != l.Local || !defined(other) || len(other.WithoutCredentials) == 0 {
			continue
		}
		all := true
		for _, n := range l.WithCredentials {
			if !lacks(other, n) {
				all = false
			}
		}
		if all {
			return true
		}
	}
	return false
}

// keystoreChangedSinceStart reports whether a node's keystore was modified
// after the node's latest known start: its reloadable entries are in use
// only after POST _nodes/reload_secure_settings.
func keystoreChangedSinceStart(v *pairing.View, n *store.Node) bool {
	if n.Snapshot == nil || n.Snapshot.Keystore == nil {
		return false
	}
	e := v.Epoch(n)
	return !e.IsZero() && n.Snapshot.Keystore.ModTime.After(e)
}
