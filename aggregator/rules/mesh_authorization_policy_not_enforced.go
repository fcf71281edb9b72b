package rules

import (
	"fmt"

	"github.com/esdoctor/esdoctor/aggregator/pairing"
	"github.com/esdoctor/esdoctor/shared/catalog"
	"github.com/esdoctor/esdoctor/shared/diagnosis"
	"github.com/esdoctor/esdoctor/shared/event"
)

// MeshAuthorizationPolicyNotEnforced: guide 002's opposite case — a
// deny-all AuthorizationPolicy in a namespace, yet requests pass. From the
// saved objects: the namespace has no sidecar injection, so nothing
// enforces the policy.
type MeshAuthorizationPolicyNotEnforced struct{}

var _ Rule = MeshAuthorizationPolicyNotEnforced{}

func (MeshAuthorizationPolicyNotEnforced) Meta() Meta {
	return Meta{Code: catalog.MeshAuthorizationPolicyNotEnforced, Description: "a deny-all AuthorizationPolicy that nothing enforces (namespace without sidecars)",
		Inputs: []event.Kind{event.KindSnapshot}}
}

func (MeshAuthorizationPolicyNotEnforced) Evaluate(v *pairing.View, r *Reporter) {
	for _, mc := range meshClusters(v) {
		for _, p := range mc.authz {
			if !p.obj.DenyAll || len(p.obj.Selector) > 0 || p.obj.Namespace == "" || p.obj.Namespace == rootNamespace {
				continue
			}
			ns, ok := mc.ns[p.obj.Namespace]
			if !ok || injectionEnabled(ns.obj) {
				continue
			}
			r.Report(Finding{Code: catalog.MeshAuthorizationPolicyNotEnforced, Key: p.obj.Namespace + "/" + p.obj.Name, Clusters: []string{mc.cluster},
				Evidence: []diagnosis.Evidence{
					objectEvidence(p.n, p.obj.ObjectRef, fmt.Sprintf("AuthorizationPolicy %s/%s: action %s without rules: denies every request", p.obj.Namespace, p.obj.Name, p.obj.Action)),
					objectEvidence(ns.n, ns.obj.ObjectRef, namespaceText(ns.obj)),
				},
				Facts:  map[string]any{"policy": p.obj.Namespace + "/" + p.obj.Name, "namespace": p.obj.Namespace},
				Detail: fmt.Sprintf("Namespace %s is not labelled for injection: its pods have no sidecar, so the policy is not enforced and requests pass.", p.obj.Namespace),
				Fix: diagnosis.Fix{Nodes: []diagnosis.NodeRef{ref(p.n)}, Commands: []string{
					"kubectl label namespace " + p.obj.Namespace + " istio-injection=enabled --overwrite",
					"kubectl rollout restart deployment -n " + p.obj.Namespace,
					"kubectl exec SOURCE_POD -n SOURCE_NAMESPACE -c SOURCE_CONTAINER -- curl DESTINATION_URL   # expect RBAC: access denied",
				}}})
		}
	}
}
