package rules

import (
	"github.com/esdoctor/esdoctor/aggregator/pairing"
	"github.com/esdoctor/esdoctor/aggregator/store"
	"github.com/esdoctor/esdoctor/shared/catalog"
	"github.com/esdoctor/esdoctor/shared/diagnosis"
	"github.com/esdoctor/esdoctor/shared/event"
)

// ConfigChangedSinceStart: a node's yml, keystore or certificate changed
// after its process started.
type ConfigChangedSinceStart struct{}

var _ Rule = ConfigChangedSinceStart{}

func (ConfigChangedSinceStart) Meta() Meta {
	return Meta{Code: catalog.ConfigChangedSinceStart, Description: "configuration modified after the node started",
		Inputs: []event.Kind{event.KindSnapshot}}
}

func (ConfigChangedSinceStart) Evaluate(v *pairing.View, r *Reporter) {
	nodeProblemFindings(v, r, catalog.ConfigChangedSinceStart, true, func(p event.Problem, nodes []*store.Node) diagnosis.Fix {
		fx := diagnosis.Fix{Summary: "Restart the node so that it reads " + p.File + ".", Commands: []string{"systemctl restart elasticsearch"}, Nodes: refs(nodes)}
		if p.Facts["role"] == "keystore" {
			fx.Summary = "Reload secure settings (reloadable entries such as cluster.remote.*.credentials and s3.client.*), or restart the node for the others."
			fx.Commands = []string{"POST _nodes/reload_secure_settings", "systemctl restart elasticsearch"}
		}
		return fx
	})
}
