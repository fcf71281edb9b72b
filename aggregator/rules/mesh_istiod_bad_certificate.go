package rules

import (
	"fmt"
	"strings"
	"time"

	"github.com/esdoctor/esdoctor/aggregator/pairing"
	"github.com/esdoctor/esdoctor/shared/catalog"
	"github.com/esdoctor/esdoctor/shared/diagnosis"
	"github.com/esdoctor/esdoctor/shared/event"
)

// MeshIstiodBadCertificate: istiod's "TLS handshake error ... bad
// certificate". Guide 002 calls these usually informational and transient;
// they are a finding when they persist — at least persistMin occurrences
// over at least persistSpan — and then the sidecar injector webhook's CA
// bundle is what to check. An injector webhook without a CA bundle in the
// saved objects is the same problem predicted before any log line.
type MeshIstiodBadCertificate struct{}

var _ Rule = MeshIstiodBadCertificate{}

const (
	persistMin  = 10
	persistSpan = 10 * time.Minute
)

func (MeshIstiodBadCertificate) Meta() Meta {
	return Meta{Code: catalog.MeshIstiodBadCertificate, Description: "istiod TLS handshake bad-certificate errors: persistent (rate over a window) vs transient, with the injector webhook's caBundle",
		Inputs: []event.Kind{event.KindSymptom, event.KindSnapshot}}
}

func (MeshIstiodBadCertificate) Evaluate(v *pairing.View, r *Reporter) {
	clusters := meshClusters(v)
	empty := map[string][]diagnosis.Evidence{} // cluster -> webhook evidence
	emptyNames := map[string][]string{}
	for _, mc := range clusters {
		for _, w := range mc.injectorWebhooks() {
			if names := emptyCABundles(w.obj); len(names) > 0 {
				empty[mc.cluster] = append(empty[mc.cluster], objectEvidence(w.n, w.obj.ObjectRef,
					fmt.Sprintf("MutatingWebhookConfiguration %s: webhooks without clientConfig.caBundle: %s", w.obj.Name, strings.Join(names, ", "))))
				emptyNames[mc.cluster] = append(emptyNames[mc.cluster], names...)
			}
		}
	}
	reported := map[string]bool{}
	for _, n := range v.Nodes {
		aggs := meshSymptoms(v, n, catalog.SymMeshBadCertificate)
		if len(aggs) == 0 {
			continue
		}
		// The rate is over every such line of the node, whatever the
		// client: the API server calls from several addresses.
		var ev []diagnosis.Evidence
		count := 0
		var firstT, lastT time.Time
		clients := map[string]bool{}
		for _, a := range aggs {
			ev = append(ev, symptomEvidence(diagnosis.SideLocal, n, a))
			count += a.Count
			if firstT.IsZero() || a.FirstTime.Before(firstT) {
				firstT = a.FirstTime
			}
			if a.LastTime.After(lastT) {
				lastT = a.LastTime
			}
			if c := field(a, "remote_address"); c != "" {
				host, _, _ := strings.Cut(c, ":")
				clients[host] = true
			}
		}
		span := lastT.Sub(firstT)
		persistent := count >= persistMin && span >= persistSpan
		facts := map[string]any{"count": count, "span": span.String(), "persistent": persistent, "clients": meshKeys(clients)}
		if span > 0 {
			facts["per_minute"] = float64(int(float64(count)/span.Minutes()*10)) / 10
		}
		f := Finding{Code: catalog.MeshIstiodBadCertificate, Key: n.Key.Node, Clusters: []string{n.Key.Cluster},
			Evidence: ev, Facts: facts,
			Fix: diagnosis.Fix{Nodes: []diagnosis.NodeRef{ref(n)},
				Commands: []string{"kubectl get mutatingwebhookconfigurations.admissionregistration.k8s.io istio-sidecar-injector -o=jsonpath='{.webhooks[0].clientConfig.caBundle}'"}}}
		if ev := empty[n.Key.Cluster]; len(ev) > 0 {
			f.Evidence = append(f.Evidence, ev...)
			f.Facts["webhooks_without_ca_bundle"] = emptyNames[n.Key.Cluster]
			f.Severity = catalog.Error
			f.Detail = "The saved istio-sidecar-injector configuration has no CA bundle: restart istiod so that it patches it in again (kubectl rollout restart deployment/istiod -n istio-system)."
			f.Fix.Commands = append(f.Fix.Commands, "kubectl rollout restart deployment/istiod -n istio-system")
			reported[n.Key.Cluster] = true
		} else if !persistent {
			f.Severity = catalog.Info
			f.Detail = fmt.Sprintf("Transient so far (%d in %s): informational unless it goes on.", count, span.Round(time.Second))
		} else {
			f.Detail = fmt.Sprintf("Persistent: %d over %s.", count, span.Round(time.Second))
		}
		r.Report(f)
	}
	// The objects alone: an injector webhook without a CA bundle.
	for _, mc := range clusters {
		if reported[mc.cluster] || len(empty[mc.cluster]) == 0 {
			continue
		}
		var refs []diagnosis.NodeRef
		for _, e := range empty[mc.cluster] {
			refs = append(refs, diagnosis.NodeRef{Cluster: e.Cluster, Node: e.Node})
		}
		r.Report(Finding{Code: catalog.MeshIstiodBadCertificate, Key: "webhook-ca-bundle", Clusters: []string{mc.cluster},
			Evidence: empty[mc.cluster], Facts: map[string]any{"webhooks_without_ca_bundle": emptyNames[mc.cluster]},
			Detail: "Predicted from the saved objects: the injector webhook has no CA bundle, so the API server cannot verify istiod and sidecar injection fails; restart istiod so that it patches the bundle in again.",
			Fix:    diagnosis.Fix{Nodes: refs, Commands: []string{"kubectl rollout restart deployment/istiod -n istio-system"}}})
	}
}
