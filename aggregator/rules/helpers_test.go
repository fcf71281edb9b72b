package rules_test

import (
	"strings"
	"testing"

	"github.com/esdoctor/esdoctor/internal/testkit/scenario"
	"github.com/esdoctor/esdoctor/shared/diagnosis"
)

var key = scenario.APIKey{ID: "agZXJocBmA2beJfq2yKu", Secret: "CANARY-SECRET-apikey-secret"}

// healthy builds the guide-003 API-key setup: local (3 nodes) reaches
// remote (2 nodes) as alias "my" on the remote cluster port.
func healthy(t *testing.T) (*scenario.World, *scenario.Cluster, *scenario.Cluster) {
	w := scenario.New(t)
	local := w.Cluster("local", "local-1@127.0.0.2", "local-2@127.0.0.3", "local-3@127.0.0.4")
	remote := w.Cluster("remote", "remote-1@127.0.1.2", "remote-2@127.0.1.3")
	local.TransportTLS()
	remote.TransportTLS().RemoteClusterServer()
	local.Link(remote, "my", key, 9443)
	local.Each(func(n *scenario.Node) { n.Started() })
	remote.Each(func(n *scenario.Node) { n.Started() })
	return w, local, remote
}

// expectExactly checks the diagnosis summaries (code [clusters] alias fix).
func expectExactly(t *testing.T, ds []diagnosis.Diagnosis, want ...string) {
	t.Helper()
	got := summaries(ds)
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("diagnoses:\n  got:\n    %s\n  want:\n    %s", strings.Join(got, "\n    "), strings.Join(want, "\n    "))
		for _, d := range ds {
			t.Logf("%s: %s | %v", d.Code, d.Explanation, d.Facts)
			for _, e := range d.Evidence {
				t.Logf("   [%s %s/%s] %.200s", e.Side, e.Cluster, e.Node, e.Text)
			}
		}
	}
}

func summaries(ds []diagnosis.Diagnosis) []string { return scenario.Summary(ds) }

type scenarioNode = scenario.Node
