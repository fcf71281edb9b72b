package rules

import (
	"fmt"

	"github.com/esdoctor/esdoctor/aggregator/pairing"
	"github.com/esdoctor/esdoctor/shared/catalog"
	"github.com/esdoctor/esdoctor/shared/diagnosis"
	"github.com/esdoctor/esdoctor/shared/event"
)

// MeshRBACAccessDenied: a sidecar answers 403 RBAC: access denied; which
// policy denied (the access log's matched policy, joined with the saved
// AuthorizationPolicy when there is one).
type MeshRBACAccessDenied struct{}

var _ Rule = MeshRBACAccessDenied{}

func (MeshRBACAccessDenied) Meta() Meta {
	return Meta{Code: catalog.MeshRbacAccessDenied, Description: "requests denied by an Istio AuthorizationPolicy (403 RBAC: access denied), with the policy",
		Inputs: []event.Kind{event.KindSymptom, event.KindSnapshot}}
}

func (MeshRBACAccessDenied) Evaluate(v *pairing.View, r *Reporter) {
	policies := map[string]withNode[event.AuthorizationPolicy]{}
	for _, mc := range meshClusters(v) {
		for _, p := range mc.authz {
			policies[mc.cluster+"|"+p.obj.Namespace+"/"+p.obj.Name] = p
		}
	}
	for _, n := range v.Nodes {
		for _, a := range meshSymptoms(v, n, catalog.SymMeshRbacDenied) {
			ns, name := field(a, "policy_namespace"), field(a, "policy")
			f := Finding{Code: catalog.MeshRbacAccessDenied, Key: n.Key.Node + "|" + ns + "/" + name, Clusters: []string{n.Key.Cluster},
				Evidence: []diagnosis.Evidence{symptomEvidence(diagnosis.SideLocal, n, a)},
				Facts:    map[string]any{}, Fix: diagnosis.Fix{Nodes: []diagnosis.NodeRef{ref(n)}}}
			if name != "" {
				f.Facts["policy"] = ns + "/" + name
				f.Facts["rule"] = field(a, "policy_rule")
				f.Detail = fmt.Sprintf("Denied by AuthorizationPolicy %s/%s (rule %s).", ns, name, field(a, "policy_rule"))
				f.Fix.Commands = []string{"kubectl get authorizationpolicy -n " + ns + " " + name + " -o yaml"}
				if p, ok := policies[n.Key.Cluster+"|"+ns+"/"+name]; ok {
					txt := fmt.Sprintf("AuthorizationPolicy %s/%s: action %s, %d rules", ns, name, p.obj.Action, p.obj.Rules)
					if p.obj.DenyAll {
						txt += " (denies every request)"
					}
					f.Evidence = append(f.Evidence, objectEvidence(p.n, p.obj.ObjectRef, txt))
				}
			} else {
				f.Detail = "The proxy did not record which policy matched; list the AuthorizationPolicies of the destination's namespace and of the root namespace."
				f.Fix.Commands = []string{"kubectl get authorizationpolicy -A"}
			}
			if p := field(a, "path"); p != "" {
				f.Facts["request"] = field(a, "method") + " " + p
			}
			r.Report(f)
		}
	}
}
