package main

import (
	"encoding/json"
	"path/filepath"
	"testing"

	"github.com/esdoctor/esdoctor/internal/testkit/scenario"
	"github.com/esdoctor/esdoctor/shared/bundle"
	"github.com/esdoctor/esdoctor/shared/diagnosis"
)

// `analyze --mesh` turns the pack on: the same bundles (a node whose agent
// read a deny-all policy in a namespace without injection) give nothing
// without it.
func TestAnalyzeMeshFlag(t *testing.T) {
	w := scenario.New(t)
	w.Cluster("search", "es-1@127.0.7.1").Node("es-1").
		MeshObjects("policy.yaml", "apiVersion: security.istio.io/v1beta1\nkind: AuthorizationPolicy\nmetadata:\n  name: deny-authz-ns\n  namespace: authz-ns\nspec: {}\n").
		MeshObjects("ns.yaml", "apiVersion: v1\nkind: Namespace\nmetadata:\n  name: authz-ns\n")
	var paths []string
	for _, b := range w.Bundles() {
		p := filepath.Join(t.TempDir(), b.Node+".bundle")
		if err := bundle.Write(p, b); err != nil {
			t.Fatal(err)
		}
		paths = append(paths, p)
	}
	out, errOut, code := run(t, "", append([]string{"analyze", "--format", "json"}, paths...)...)
	if code != 0 || out != "[]\n" {
		t.Errorf("without --mesh: exit %d, stderr %q, %s", code, errOut, out)
	}
	out, errOut, code = run(t, "", append([]string{"analyze", "--mesh", "--format", "json"}, paths...)...)
	var ds []diagnosis.Diagnosis
	if code != 1 || json.Unmarshal([]byte(out), &ds) != nil || len(ds) != 1 || ds[0].Code != "mesh-authorization-policy-not-enforced" {
		t.Errorf("with --mesh: exit %d, stderr %q, %s", code, errOut, out)
	}
}
