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
		if len(off) == 0 {
			continue
		}
		r.Report(Finding{Code: catalog.APIKeyPrerequisites, Key: "remote-security|" + l.Alias, Clusters: clusters(l.Local, l.Remote), Alias: l.Alias,
			Evidence: ev, Claims: []string{"xpack.security.enabled"}, Facts: map[string]any{"missing": "xpack.security.enabled: true"},
			Fix: diagnosis.Fix{Summary: "Enable security (xpack.security.enabled: true) on the remote nodes named, then restart them.",
				Settings: map[string]string{"xpack.security.enabled": "true"}, Commands: []string{"restart the node"}, Nodes: refs(off)}})
	}
}
