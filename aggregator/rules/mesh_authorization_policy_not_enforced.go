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
	return Meta{Code: catalog.MeshAuthorizationPolicyNotEnforced, Description: "a deny-all AuthorizationPolicy yet requests pass, or nothing can enforce it (namespace without sidecars)",
		Inputs: []event.Kind{event.KindSnapshot, event.KindSymptom}}
}

func (MeshAuthorizationPolicyNotEnforced) Evaluate(v *pairing.View, r *Reporter) {
	// Requests let in, by cluster and namespace.
	allowed := map[string][]diagnosis.Evidence{}
	for _, n := range v.Nodes {
		for _, a := range meshSymptoms(v, n, catalog.SymMeshRequestAllowed) {
			k := n.Key.Cluster + "|" + field(a, "namespace")
			allowed[k] = append(allowed[k], symptomEvidence(diagnosis.SideLocal, n, a))
		}
	}
	for _, mc := range meshClusters(v) {
		for _, p := range mc.authz {
			if !p.obj.DenyAll || len(p.obj.Selector) > 0 || p.obj.Namespace == "" || p.obj.Namespace == rootNamespace {
				continue
			}
			ns, known := mc.ns[p.obj.Namespace]
			uninjected := known && !injectionEnabled(ns.obj)
			passed := allowed[mc.cluster+"|"+p.obj.Namespace]
			if !uninjected && len(passed) == 0 {
				continue
			}
			ev := []diagnosis.Evidence{objectEvidence(p.n, p.obj.ObjectRef,
				fmt.Sprintf("AuthorizationPolicy %s/%s: action %s without rules: denies every request", p.obj.Namespace, p.obj.Name, p.obj.Action))}
			if known {
				ev = append(ev, objectEvidence(ns.n, ns.obj.ObjectRef, namespaceText(ns.obj)))
			}
			ev = append(ev, passed...)
			f := Finding{Code: catalog.MeshAuthorizationPolicyNotEnforced, Key: p.obj.Namespace + "/" + p.obj.Name, Clusters: []string{mc.cluster},
				Evidence: ev, Facts: map[string]any{"policy": p.obj.Namespace + "/" + p.obj.Name, "namespace": p.obj.Namespace, "requests_passed": len(passed) > 0},
				Fix: diagnosis.Fix{Nodes: []diagnosis.NodeRef{ref(p.n)}, Commands: []string{
					"kubectl label namespace " + p.obj.Namespace + " istio-injection=enabled --overwrite",
					"kubectl rollout restart deployment -n " + p.obj.Namespace,
					"kubectl exec SOURCE_POD -n SOURCE_NAMESPACE -c SOURCE_CONTAINER -- curl DESTINATION_URL   # expect RBAC: access denied",
				}}}
			switch {
			case uninjected && len(passed) > 0:
				f.Detail = fmt.Sprintf("Requests to %s pass: the namespace is not labelled for injection, so its pods have no sidecar to enforce the policy.", p.obj.Namespace)
			case uninjected:
				f.Detail = fmt.Sprintf("Namespace %s is not labelled for injection: its pods have no sidecar, so the policy is not enforced and requests pass.", p.obj.Namespace)
			default:
				f.Detail = fmt.Sprintf("Requests to %s pass although the policy denies every request: check that the policy is in the destination's namespace, that istiod pushed it (istioctl proxy-config listener POD -n %s), and that the destination pods run the istio-proxy sidecar.", p.obj.Namespace, p.obj.Namespace)
				f.Fix.Commands = []string{"istioctl x authz check POD -n " + p.obj.Namespace, "kubectl get pods -n " + p.obj.Namespace + " -o jsonpath='{..containers[*].name}'"}
			}
			r.Report(f)
		}
	}
}
