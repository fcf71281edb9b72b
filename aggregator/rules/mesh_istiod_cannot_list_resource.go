package rules

import (
	"sort"
	"strings"

	"github.com/esdoctor/esdoctor/aggregator/pairing"
	"github.com/esdoctor/esdoctor/shared/catalog"
	"github.com/esdoctor/esdoctor/shared/diagnosis"
	"github.com/esdoctor/esdoctor/shared/event"
)

// MeshIstiodCannotListResource: istiod's service account may not list the
// resources it reads (RBAC, or the ASM IAM binding). Only istiod's own
// service accounts give the symptom (agent/mesh/meshlog).
type MeshIstiodCannotListResource struct{}

var _ Rule = MeshIstiodCannotListResource{}

func (MeshIstiodCannotListResource) Meta() Meta {
	return Meta{Code: catalog.MeshIstiodCannotListResource, Description: "istiod's service account cannot list resources (RBAC, IAM binding, installer)",
		Inputs: []event.Kind{event.KindSymptom}}
}

func (MeshIstiodCannotListResource) Evaluate(v *pairing.View, r *Reporter) {
	for _, n := range v.Nodes {
		bySA := map[string][]int{}
		aggs := meshSymptoms(v, n, catalog.SymMeshCannotListResource)
		for i, a := range aggs {
			bySA[field(a, "user")] = append(bySA[field(a, "user")], i)
		}
		users := make([]string, 0, len(bySA))
		for u := range bySA {
			users = append(users, u)
		}
		sort.Strings(users)
		for _, u := range users {
			var ev []diagnosis.Evidence
			resources := map[string]bool{}
			cluster := false
			for _, i := range bySA[u] {
				a := aggs[i]
				ev = append(ev, symptomEvidence(diagnosis.SideLocal, n, a))
				res := field(a, "resource")
				if g := field(a, "api_group"); g != "" {
					res += "." + g
				}
				resources[res] = true
				cluster = cluster || field(a, "scope") == "cluster"
			}
			list := make([]string, 0, len(resources))
			for k := range resources {
				list = append(list, k)
			}
			sort.Strings(list)
			sa := strings.TrimPrefix(u, "system:serviceaccount:")
			ns, name, _ := strings.Cut(sa, ":")
			r.Report(Finding{Code: catalog.MeshIstiodCannotListResource, Key: n.Key.Node + "|" + u, Clusters: []string{n.Key.Cluster},
				Evidence: ev, Facts: map[string]any{"service_account": u, "resources": list, "cluster_scope": cluster},
				Detail: "Service account " + sa + " cannot list " + strings.Join(list, ", ") + ".",
				Fix: diagnosis.Fix{Nodes: []diagnosis.NodeRef{ref(n)}, Commands: []string{
					`gcloud projects add-iam-policy-binding ${PROJECT_ID} --member "serviceAccount:service-${PROJECT_NUMBER}@gcp-sa-meshdataplane.iam.gserviceaccount.com" --role "roles/meshdataplane.serviceAgent"`,
					"kubectl auth can-i list " + firstResource(list) + " --as=" + u,
					"kubectl get clusterrolebindings,rolebindings -A -o wide | grep " + name,
					"kubectl get deployment istiod -n " + ns + " -o jsonpath='{.spec.template.spec.serviceAccountName}'",
					"istioctl install (or the installer used) again when the ClusterRoles are missing",
				}}})
		}
	}
}

func firstResource(list []string) string {
	if len(list) == 0 {
		return "RESOURCE"
	}
	return list[0]
}
