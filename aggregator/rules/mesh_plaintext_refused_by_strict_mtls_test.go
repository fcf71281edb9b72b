package rules_test

import (
	"testing"
	"time"

	"github.com/esdoctor/esdoctor/internal/testkit/scenario"
)

// A plaintext client reset by the STRICT ES sidecar (NR
// filter_chain_not_found), and the objects show the client's namespace
// without injection: a finding with the label fix.
func TestMeshPlaintextRefusedClientWithoutSidecar(t *testing.T) {
	w := scenario.New(t)
	c := w.Cluster("search", "es-1@127.0.7.1")
	c.Node("es-1").
		MeshLog(proxyLog, accessLine(w.At(time.Minute), "- - -", 0, "NR", "filter_chain_not_found", "-", "-", "-", "-", "10.244.0.12:9300", "10.244.3.7:51514")).
		MeshObjects("peerauthentication.yaml", strictMeshWide).MeshObjects("namespaces.yaml", meshNamespaces)
	ds := w.AnalyzeMesh()
	expectExactly(t, ds, "mesh-plaintext-refused-by-strict-mtls [search] alias= fix=search/es-1")
	if len(ds) == 1 {
		ns, _ := ds[0].Facts["namespaces_without_injection"].([]string)
		if ds[0].Severity != "warning" || len(ns) != 1 || ns[0] != "clients" || !containsCommand(ds[0].Fix.Commands, "kubectl label namespace clients istio-injection=enabled") {
			t.Errorf("severity %s facts %v fix %v", ds[0].Severity, ds[0].Facts, ds[0].Fix.Commands)
		}
	}
	expectExactly(t, w.Analyze())
}

// Without objects the reset is expected (informational); the guide's own
// check output (kubectl exec ... curl) is the evidence.
func TestMeshPlaintextRefusedExpected(t *testing.T) {
	w := scenario.New(t)
	c := w.Cluster("search", "es-1@127.0.7.1")
	c.Node("es-1").MeshLog("tls-check.txt", "curl: (56) Recv failure: Connection reset by peer", "command terminated with exit code 56")
	ds := w.AnalyzeMesh()
	expectExactly(t, ds, "mesh-plaintext-refused-by-strict-mtls [search] alias= fix=search/es-1")
	if len(ds) == 1 && ds[0].Severity != "info" {
		t.Errorf("severity %s", ds[0].Severity)
	}
}

// The objects alone predict it: STRICT mesh-wide and an application
// namespace without injection.
func TestMeshPlaintextRefusedPredicted(t *testing.T) {
	w := scenario.New(t)
	c := w.Cluster("search", "es-1@127.0.7.1")
	c.Node("es-1").MeshObjects("mesh.yaml", strictMeshWide+"---\n"+meshNamespaces)
	expectExactly(t, w.AnalyzeMesh(), "mesh-plaintext-refused-by-strict-mtls [search] alias= fix=search/es-1")
}
