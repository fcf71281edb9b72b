package rules_test

import (
	"testing"
	"time"

	"github.com/esdoctor/esdoctor/internal/testkit/scenario"
)

const denyAllAuthzNS = `apiVersion: security.istio.io/v1beta1
kind: AuthorizationPolicy
metadata:
  name: deny-authz-ns
  namespace: authz-ns
spec: {}
`

// Guide 002's deny-all in authz-ns, but the namespace has no injection:
// nothing enforces it.
func TestMeshAuthorizationPolicyNotEnforced(t *testing.T) {
	w := scenario.New(t)
	c := w.Cluster("search", "es-1@127.0.7.1")
	c.Node("es-1").MeshObjects("policy.yaml", denyAllAuthzNS).MeshObjects("ns.yaml", "apiVersion: v1\nkind: Namespace\nmetadata:\n  name: authz-ns\n")
	ds := w.AnalyzeMesh()
	expectExactly(t, ds, "mesh-authorization-policy-not-enforced [search] alias= fix=search/es-1")
	if len(ds) == 1 && ds[0].Facts["policy"] != "authz-ns/deny-authz-ns" {
		t.Errorf("facts %v", ds[0].Facts)
	}
	expectExactly(t, w.Analyze())
}

// With injection the policy is enforced: silent; a revision label counts
// as injection.
func TestMeshAuthorizationPolicyEnforced(t *testing.T) {
	w := scenario.New(t)
	c := w.Cluster("search", "es-1@127.0.7.1")
	c.Node("es-1").MeshObjects("policy.yaml", denyAllAuthzNS).
		MeshObjects("ns.yaml", "apiVersion: v1\nkind: Namespace\nmetadata:\n  name: authz-ns\n  labels:\n    istio.io/rev: asm-1-20\n")
	expectExactly(t, w.AnalyzeMesh())
	// Labelled "disabled": not enforced.
	w2 := scenario.New(t)
	w2.Cluster("search", "es-1@127.0.7.1").Node("es-1").MeshObjects("policy.yaml", denyAllAuthzNS).
		MeshObjects("ns.yaml", "apiVersion: v1\nkind: Namespace\nmetadata:\n  name: authz-ns\n  labels:\n    istio-injection: disabled\n    istio.io/rev: asm-1-20\n")
	expectExactly(t, w2.AnalyzeMesh(), "mesh-authorization-policy-not-enforced [search] alias= fix=search/es-1")
}

// The guide's opposite case from the logs: a deny-all policy in search,
// yet the ES sidecar lets _search requests in.
func TestMeshAuthorizationPolicyRequestsPass(t *testing.T) {
	w := scenario.New(t)
	c := w.Cluster("search", "es-1@127.0.7.1")
	c.Node("es-1").MeshObjects("policy.yaml", denyAllSearch).MeshObjects("namespaces.yaml", meshNamespaces).
		MeshLog(proxyLog, accessLine(w.At(time.Minute), "GET /_search HTTP/1.1", 200, "-", "via_upstream", "-", "es.search:9200", "10.244.0.12:9200", "inbound|9200||", "10.244.0.12:9200", "10.244.0.9:52344"),
			accessLine(w.At(2*time.Minute), "GET /_search HTTP/1.1", 200, "-", "via_upstream", "-", "es.search:9200", "10.244.0.12:9200", "inbound|9200||", "10.244.0.12:9200", "10.244.0.9:52346"))
	ds := w.AnalyzeMesh()
	expectExactly(t, ds, "mesh-authorization-policy-not-enforced [search] alias= fix=search/es-1")
	if len(ds) == 1 && (ds[0].Facts["requests_passed"] != true || ds[0].Count != 2) {
		t.Errorf("facts %v count %d", ds[0].Facts, ds[0].Count)
	}
}
