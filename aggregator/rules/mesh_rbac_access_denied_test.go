package rules_test

import (
	"testing"
	"time"

	"github.com/esdoctor/esdoctor/internal/testkit/scenario"
)

const denyAllSearch = `apiVersion: security.istio.io/v1beta1
kind: AuthorizationPolicy
metadata:
  name: deny-all
  namespace: search
spec: {}
`

// The ES sidecar denies _remote/info with 403: the matched policy, joined
// with the saved policy.
func TestMeshRBACDeniedMatchedPolicy(t *testing.T) {
	w := scenario.New(t)
	c := w.Cluster("search", "es-1@127.0.7.1")
	c.Node("es-1").
		MeshLog(proxyLog, accessLine(w.At(time.Minute), "GET /_remote/info HTTP/1.1", 403, "-", "rbac_access_denied_matched_policy[ns[search]-policy[deny-all]-rule[0]]", "-",
			"es.search:9200", "-", "inbound|9200||", "10.244.0.12:9200", "10.244.0.9:52344")).
		MeshObjects("policies.yaml", denyAllSearch).MeshObjects("namespaces.yaml", meshNamespaces)
	ds := w.AnalyzeMesh()
	expectExactly(t, ds, "mesh-rbac-access-denied [search] alias= fix=search/es-1")
	if len(ds) == 1 && (ds[0].Facts["policy"] != "search/deny-all" || len(ds[0].Evidence) != 2) {
		t.Errorf("facts %v evidence %d", ds[0].Facts, len(ds[0].Evidence))
	}
	expectExactly(t, w.Analyze())
}

// The guide's curl output: RBAC: access denied (no policy named).
func TestMeshRBACDeniedCurl(t *testing.T) {
	w := scenario.New(t)
	c := w.Cluster("search", "es-1@127.0.7.1")
	c.Node("es-1").MeshLog("authz-check.txt", "RBAC: access denied")
	expectExactly(t, w.AnalyzeMesh(), "mesh-rbac-access-denied [search] alias= fix=search/es-1")
}
