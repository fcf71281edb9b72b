package rules_test

import (
	"testing"

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
