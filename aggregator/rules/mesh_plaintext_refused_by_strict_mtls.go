package rules

import (
	"fmt"
	"strings"

	"github.com/esdoctor/esdoctor/aggregator/pairing"
	"github.com/esdoctor/esdoctor/shared/catalog"
	"github.com/esdoctor/esdoctor/shared/diagnosis"
	"github.com/esdoctor/esdoctor/shared/event"
)

// MeshPlaintextRefusedByStrictMTLS: plaintext refused by a STRICT mTLS
// workload (the client's curl: (56) reset, the server sidecar's NR
// filter_chain_not_found). Expected for a client outside the mesh
// (informational); a finding when the saved objects show a STRICT policy
// and application namespaces without sidecar injection — clients meant to
// be in the mesh that are not. The objects alone predict it.
type MeshPlaintextRefusedByStrictMTLS struct{}

var _ Rule = MeshPlaintextRefusedByStrictMTLS{}

func (MeshPlaintextRefusedByStrictMTLS) Meta() Meta {
	return Meta{Code: catalog.MeshPlaintextRefusedByStrictMtls, Description: "plaintext refused by STRICT mTLS: expected, or a client without its sidecar (namespace label / webhook)",
		Inputs: []event.Kind{event.KindSymptom, event.KindSnapshot}}
}

func (MeshPlaintextRefusedByStrictMTLS) Evaluate(v *pairing.View, r *Reporter) {
	type clusterFacts struct {
		strict   []diagnosis.Evidence
		uninject []diagnosis.Evidence
		names    []string
		refs     []diagnosis.NodeRef
	}
	facts := map[string]*clusterFacts{}
	for _, mc := range meshClusters(v) {
		cf := &clusterFacts{}
		for _, p := range mc.strictAnywhere() {
			cf.strict = append(cf.strict, objectEvidence(p.n, p.obj.ObjectRef, peerAuthnText(p.obj)))
			cf.refs = append(cf.refs, ref(p.n))
		}
		for _, name := range mc.nsOrder {
			ns := mc.ns[name]
			if systemNamespace(name) || injectionEnabled(ns.obj) {
				continue
			}
			cf.uninject = append(cf.uninject, objectEvidence(ns.n, ns.obj.ObjectRef, namespaceText(ns.obj)))
			cf.names = append(cf.names, name)
		}
		facts[mc.cluster] = cf
	}
	seenCluster := map[string]bool{}
	for _, n := range v.Nodes {
		aggs := meshSymptoms(v, n, catalog.SymMeshPlaintextRefused)
		if len(aggs) == 0 {
			continue
		}
		var ev []diagnosis.Evidence
		clients := map[string]bool{}
		for _, a := range aggs {
			ev = append(ev, symptomEvidence(diagnosis.SideLocal, n, a))
			if c := field(a, "downstream_remote_address"); c != "" {
				host, _, _ := strings.Cut(c, ":")
				clients[host] = true
			}
		}
		f := Finding{Code: catalog.MeshPlaintextRefusedByStrictMtls, Key: n.Key.Node, Clusters: []string{n.Key.Cluster}, Evidence: ev,
			Facts: map[string]any{"clients": meshKeys(clients)}, Fix: diagnosis.Fix{Nodes: []diagnosis.NodeRef{ref(n)}}}
		cf := facts[n.Key.Cluster]
		switch {
		case cf != nil && len(cf.uninject) > 0:
			seenCluster[n.Key.Cluster] = true
			f.Evidence = append(append(f.Evidence, cf.strict...), cf.uninject...)
			f.Facts["namespaces_without_injection"] = cf.names
			f.Detail = "Namespaces without sidecar injection: " + strings.Join(cf.names, ", ") + "; their pods send plaintext."
			f.Fix.Commands = injectionCommands(cf.names)
		case cf != nil && len(cf.strict) > 0:
			f.Evidence = append(f.Evidence, cf.strict...)
			f.Severity = catalog.Info
			f.Detail = "Expected: the destination is STRICT and the client is outside the mesh. If the client is meant to be in the mesh, check that its pod has an istio-proxy container (namespace label, injector webhook)."
		default:
			f.Severity = catalog.Info
			f.Detail = "Expected when the destination's mTLS is STRICT and the client is outside the mesh; a finding if the client is meant to be in the mesh (check its pod for an istio-proxy container, its namespace label and the injector webhook)."
		}
		r.Report(f)
	}
	// The objects alone: STRICT somewhere, and application namespaces
	// without injection.
	for c, cf := range facts {
		if seenCluster[c] || len(cf.strict) == 0 || len(cf.uninject) == 0 {
			continue
		}
		r.Report(Finding{Code: catalog.MeshPlaintextRefusedByStrictMtls, Key: "objects", Clusters: []string{c},
			Evidence: append(append([]diagnosis.Evidence{}, cf.strict...), cf.uninject...),
			Facts:    map[string]any{"namespaces_without_injection": cf.names},
			Detail:   fmt.Sprintf("Predicted from the saved objects: mTLS is STRICT and %s have no sidecar injection, so their requests to STRICT workloads will be reset.", strings.Join(cf.names, ", ")),
			Fix:      diagnosis.Fix{Nodes: cf.refs, Commands: injectionCommands(cf.names)}})
	}
}

func injectionCommands(names []string) []string {
	var out []string
	for _, ns := range names {
		out = append(out, "kubectl label namespace "+ns+" istio-injection=enabled --overwrite", "kubectl rollout restart deployment -n "+ns)
	}
	return append(out, "kubectl get mutatingwebhookconfigurations istio-sidecar-injector -o yaml")
}
