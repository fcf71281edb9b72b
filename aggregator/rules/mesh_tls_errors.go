package rules

import (
	"github.com/esdoctor/esdoctor/aggregator/pairing"
	"github.com/esdoctor/esdoctor/shared/catalog"
	"github.com/esdoctor/esdoctor/shared/diagnosis"
	"github.com/esdoctor/esdoctor/shared/event"
)

// MeshTLSErrors is the service-mesh rule pack: Istio/ASM TLS, RBAC and CA
// authentication errors. It reports only when the pack is enabled (the
// agent emits mesh symptoms only with the pack on).
type MeshTLSErrors struct{}

var _ Rule = MeshTLSErrors{}

func (MeshTLSErrors) Meta() Meta {
	return Meta{Code: catalog.MeshTLSErrors, Description: "service mesh TLS handshake, RBAC and JWT errors (rule pack)",
		Inputs: []event.Kind{event.KindSymptom}}
}

var meshFixes = map[string]string{
	"mesh-bad-certificate":           "A sidecar rejected a peer certificate: check that both workloads are in the mesh with the same root CA and that PeerAuthentication modes agree (STRICT vs PERMISSIVE).",
	"mesh-cannot-list-resource":      "A mesh component lacks RBAC permission: check its ClusterRole/ClusterRoleBinding for the resource named.",
	"mesh-jwt-authentication-failed": "istiod rejected the workload's JWT: check the service account token audience/issuer (projected tokens) and the trust domain.",
}

func (MeshTLSErrors) Evaluate(v *pairing.View, r *Reporter) {
	for _, n := range v.Nodes {
		for _, a := range v.Symptoms(n, "mesh-bad-certificate", "mesh-cannot-list-resource", "mesh-jwt-authentication-failed") {
			r.Report(Finding{Code: catalog.MeshTLSErrors, Key: n.Key.Node + "|" + a.Code, Clusters: []string{n.Key.Cluster},
				Nodes: refs(nil), Evidence: []diagnosis.Evidence{symptomEvidence(diagnosis.SideLocal, n, a)}, Facts: map[string]any{"symptom": a.Code},
				Fix: diagnosis.Fix{Summary: meshFixes[a.Code], Nodes: []diagnosis.NodeRef{ref(n)}}})
		}
	}
}
