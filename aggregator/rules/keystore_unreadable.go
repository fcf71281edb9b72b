package rules

import (
	"github.com/esdoctor/esdoctor/aggregator/pairing"
	"github.com/esdoctor/esdoctor/aggregator/store"
	"github.com/esdoctor/esdoctor/shared/catalog"
	"github.com/esdoctor/esdoctor/shared/diagnosis"
	"github.com/esdoctor/esdoctor/shared/event"
)

// KeystoreUnreadable: Elasticsearch cannot open a node's keystore.
type KeystoreUnreadable struct{}

var _ Rule = KeystoreUnreadable{}

func (KeystoreUnreadable) Meta() Meta {
	return Meta{Code: catalog.KeystoreUnreadable, Description: "elasticsearch.keystore corrupt or its password does not open it",
		Inputs: []event.Kind{event.KindSnapshot}}
}

func (KeystoreUnreadable) Evaluate(v *pairing.View, r *Reporter) {
	nodeProblemFindings(v, r, catalog.KeystoreUnreadable, true, func(p event.Problem, nodes []*store.Node) diagnosis.Fix {
		return diagnosis.Fix{Summary: p.Message + ". Give the right password (ES_KEYSTORE_PASSPHRASE_FILE / the agent's keystore_password_file) or recreate the keystore.",
			Commands: []string{"bin/elasticsearch-keystore has-passwd", "bin/elasticsearch-keystore create (then add the entries again)"}, Nodes: refs(nodes)}
	})
}
