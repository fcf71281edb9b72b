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

// APIKeyPrerequisites: what API-key remote clusters need on each node
// (security on, 8.10+, client trust, server keystore and its password), as
// the agents found them, plus the remote side of API-key links.
type APIKeyPrerequisites struct{}

var _ Rule = APIKeyPrerequisites{}

func (APIKeyPrerequisites) Meta() Meta {
	return Meta{Code: catalog.APIKeyPrerequisites, Description: "a prerequisite of API-key remote clusters is missing",
		Inputs: []event.Kind{event.KindSnapshot}}
}

func (APIKeyPrerequisites) Evaluate(v *pairing.View, r *Reporter) {
	nodeProblemFindings(v, r, catalog.APIKeyPrerequisites, false, func(p event.Problem, nodes []*store.Node) diagnosis.Fix {
		fx := diagnosis.Fix{Summary: p.Message, Nodes: refs(nodes)}
		if m := p.Facts["missing"]; m != "" {
			fx.Summary = "Set " + m + " on the nodes named."
			if strings.Contains(m, "secure_password") || strings.HasPrefix(m, "cluster.remote.") {
				fx.Commands = []string{"bin/elasticsearch-keystore add " + m}
			} else if k, val, ok := strings.Cut(m, ": "); ok {
				fx.Settings = map[string]string{k: val}
				fx.Commands = []string{"restart the node"}
			} else {
				fx.Settings = map[string]string{m: "<value>"}
				fx.Commands = []string{"restart the node"}
			}
		}
		if src := p.Facts["password_source"]; src != "" && p.Setting != "" {
			// The entry exists but holds another password: replace it.
			fx.Summary = p.Message + ". Replace " + p.Setting + " with the password of " + p.File + " on the nodes named, then restart them."
			fx.Commands = []string{"bin/elasticsearch-keystore add --force " + p.Setting, "restart the node"}
		}
		if u := p.Facts["use"]; u != "" {
			fx.Summary = "Remove " + p.Setting + " from elasticsearch.yml and store it in the keystore as " + u + "."
			fx.Commands = []string{"bin/elasticsearch-keystore add " + u}
		}
		return fx
	})
	// The remote side of API-key links: security must be on and the version
	// 8.10+ on every node of the remote cluster, even where the server is off.
	for _, l := range v.Links() {
		if l.Remote == "" || !l.APIKeyModel() {
			continue
		}
		var off []*store.Node
		var ev []diagnosis.Evidence
		for _, n := range v.Cluster(l.Remote) {
			if n.Snapshot != nil && !pairing.Bool(n, "xpack.security.enabled", true) && !pairing.Bool(n, "remote_cluster_server.enabled", false) {
				off = append(off, n)
				ev = append(ev, configEvidence(n, fmt.Sprintf("xpack.security.enabled is false on %s, a node of %s that %s reaches with an API key", n.Key.Node, l.Remote, l.Local)))
			}
		}
		var old []*store.Node
		var oldEv []diagnosis.Evidence
		for _, n := range v.Cluster(l.Remote) {
			if tooOld(n) {
				old = append(old, n)
				oldEv = append(oldEv, configEvidence(n, fmt.Sprintf("%s runs Elasticsearch %s; API-key remote clusters need 8.10 or later", n.Key.Node, n.Snapshot.ESVersion)))
			}
		}
		if len(old) > 0 {
			r.Report(Finding{Code: catalog.APIKeyPrerequisites, Key: "remote-version|" + l.Alias, Clusters: clusters(l.Local, l.Remote), Alias: l.Alias,
				Evidence: oldEv, Claims: []string{"es_version", "remote_cluster_server.enabled"}, Facts: map[string]any{"required": "8.10", "nodes": nodeNames(old)},
				Absorbs: []catalog.Code{catalog.RemoteUnreachable},
				Fix: diagnosis.Fix{Summary: "Upgrade the remote nodes named to Elasticsearch 8.10 or later (API-key authentication), or use the certificate model.",
					Nodes: refs(old)}})
		}
		if len(off) == 0 {
			continue
		}
		r.Report(Finding{Code: catalog.APIKeyPrerequisites, Key: "remote-security|" + l.Alias, Clusters: clusters(l.Local, l.Remote), Alias: l.Alias,
			Evidence: ev, Claims: []string{"xpack.security.enabled"}, Facts: map[string]any{"missing": "xpack.security.enabled: true"},
			Fix: diagnosis.Fix{Summary: "Enable security (xpack.security.enabled: true) on the remote nodes named, then restart them.",
				Settings: map[string]string{"xpack.security.enabled": "true"}, Commands: []string{"restart the node"}, Nodes: refs(off)}})
	}
}

// tooOld: the node's known version is before 8.10.
func tooOld(n *store.Node) bool {
	if n.Snapshot == nil || n.Snapshot.ESVersion == "" {
		return false
	}
	parts := strings.SplitN(n.Snapshot.ESVersion, ".", 3)
	if len(parts) < 2 {
		return false
	}
	var ma, mi int
	if _, err := fmt.Sscanf(parts[0]+" "+parts[1], "%d %d", &ma, &mi); err != nil {
		return false
	}
	return ma < 8 || (ma == 8 && mi < 10)
}
