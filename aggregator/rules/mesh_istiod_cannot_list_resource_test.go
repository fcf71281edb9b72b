package rules_test

import (
	"testing"
	"time"

	"github.com/esdoctor/esdoctor/internal/testkit/scenario"
)

// istiod's service account may not list CRDs (guide 002's example) nor
// WasmPlugins (Istio 1.12's new kind): one finding for the account, with
// both resources and the IAM/RBAC/installer fix.
func TestMeshCannotListResourceIstiod(t *testing.T) {
	w := scenario.New(t)
	c := w.Cluster("search", "es-1@127.0.7.1")
	c.Node("es-1").MeshLog(istiodLog,
		istiodLine(w.At(time.Minute), "error", "", `failed to list CRDs: customresourcedefinitions.apiextensions.k8s.io is forbidden: User "system:serviceaccount:istio-system:istiod-service-account" cannot list resource "customresourcedefinitions" in API group "apiextensions.k8s.io" at the cluster scope`),
		istiodLine(w.At(2*time.Minute), "error", "", `watch error in cluster Kubernetes: failed to list *v1alpha1.WasmPlugin: wasmplugins.extensions.istio.io is forbidden: User "system:serviceaccount:istio-system:istiod-service-account" cannot list resource "wasmplugins" in API group "extensions.istio.io" at the cluster scope`))
	ds := w.AnalyzeMesh()
	expectExactly(t, ds, "mesh-istiod-cannot-list-resource [search] alias= fix=search/es-1")
	if len(ds) == 1 {
		res, _ := ds[0].Facts["resources"].([]string)
		if len(res) != 2 || ds[0].Facts["service_account"] != "system:serviceaccount:istio-system:istiod-service-account" {
			t.Errorf("facts %v", ds[0].Facts)
		}
		if !containsCommand(ds[0].Fix.Commands, "roles/meshdataplane.serviceAgent") || !containsCommand(ds[0].Fix.Commands, "istioctl install") {
			t.Errorf("fix %v", ds[0].Fix.Commands)
		}
	}
	expectExactly(t, w.Analyze())
}

// The JSON layout of Istio 1.16 (klog scope) gives it too; an operator's
// account listing Istio resources does not.
func TestMeshCannotListResourceJSONAndLookAlike(t *testing.T) {
	w := scenario.New(t)
	c := w.Cluster("search", "es-1@127.0.7.1")
	c.Node("es-1").MeshLog(istiodLog,
		scenario.CRI("2024-05-01T11:00:00Z", `{"level":"error","time":"2024-05-01T11:00:00.966311Z","scope":"klog","msg":"k8s.io/client-go@v0.25.2/tools/cache/reflector.go:169: Failed to watch *v1.Deployment: failed to list *v1.Deployment: deployments.apps is forbidden: User \"system:serviceaccount:istio-system:istiod\" cannot list resource \"deployments\" in API group \"apps\" at the cluster scope"}`)).
		MeshLog(scenario.ContainerLog("pulsar-operator-0", "default", "manager"),
			scenario.CRI("2024-05-01T11:00:00Z", `E0501 11:00:00.120463       1 reflector.go:138] Failed to watch *v1beta1.PeerAuthentication: failed to list *v1beta1.PeerAuthentication: peerauthentications.security.istio.io is forbidden: User "system:serviceaccount:default:pso-pulsar-operator" cannot list resource "peerauthentications" in API group "security.istio.io" at the cluster scope`))
	expectExactly(t, w.AnalyzeMesh(), "mesh-istiod-cannot-list-resource [search] alias= fix=search/es-1")
}

func containsCommand(cs []string, s string) bool {
	for _, c := range cs {
		if len(c) >= len(s) && contains(c, s) {
			return true
		}
	}
	return false
}

func contains(s, sub string) bool {
	for i := 0; i+len(sub) <= len(s); i++ {
		if s[i:i+len(sub)] == sub {
			return true
		}
	}
	return false
}
