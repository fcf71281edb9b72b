package rules

import (
	"sort"

	"github.com/esdoctor/esdoctor/aggregator/pairing"
	"github.com/esdoctor/esdoctor/shared/catalog"
	"github.com/esdoctor/esdoctor/shared/diagnosis"
	"github.com/esdoctor/esdoctor/shared/event"
)

// MeshUpstreamTLSVerifyFailed: Envoy's upstream TLS handshakes between
// sidecars fail (upstream connect error ... TLS error ...
// CERTIFICATE_VERIFY_FAILED; access log UF,URX). Other TLS reasons
// (WRONG_VERSION_NUMBER: TLS spoken to a plaintext port) are reported with
// their own explanation, as a warning.
type MeshUpstreamTLSVerifyFailed struct{}

var _ Rule = MeshUpstreamTLSVerifyFailed{}

func (MeshUpstreamTLSVerifyFailed) Meta() Meta {
	return Meta{Code: catalog.MeshUpstreamTLSVerifyFailed, Description: "Envoy upstream TLS failures between sidecars (CERTIFICATE_VERIFY_FAILED)",
		Inputs: []event.Kind{event.KindSymptom}}
}

var certVerifyReasons = map[string]bool{"CERTIFICATE_VERIFY_FAILED": true, "SSLV3_ALERT_BAD_CERTIFICATE": true, "SSLV3_ALERT_CERTIFICATE_UNKNOWN": true,
	"TLSV1_ALERT_UNKNOWN_CA": true, "SSLV3_ALERT_CERTIFICATE_EXPIRED": true}

func (MeshUpstreamTLSVerifyFailed) Evaluate(v *pairing.View, r *Reporter) {
	for _, n := range v.Nodes {
		byUpstream := map[string][]diagnosis.Evidence{}
		reasons := map[string]map[string]bool{}
		for _, a := range meshSymptoms(v, n, catalog.SymMeshUpstreamTLSError) {
			up := field(a, "upstream_cluster")
			byUpstream[up] = append(byUpstream[up], symptomEvidence(diagnosis.SideLocal, n, a))
			if reasons[up] == nil {
				reasons[up] = map[string]bool{}
			}
			reasons[up][field(a, "tls_reason")] = true
		}
		ups := make([]string, 0, len(byUpstream))
		for u := range byUpstream {
			ups = append(ups, u)
		}
		sort.Strings(ups)
		for _, up := range ups {
			rs := meshKeys(reasons[up])
			f := Finding{Code: catalog.MeshUpstreamTLSVerifyFailed, Key: n.Key.Node + "|" + up, Clusters: []string{n.Key.Cluster}, Evidence: byUpstream[up],
				Facts: map[string]any{"tls_reasons": rs}, Fix: diagnosis.Fix{Nodes: []diagnosis.NodeRef{ref(n)}, Commands: []string{
					"istioctl proxy-config secret SOURCE_POD -n SOURCE_NAMESPACE -o json   # compare ROOTCA on both sides",
					"kubectl get destinationrule -A -o yaml | grep -B5 -A5 'tls:'",
				}}}
			if up != "" {
				f.Facts["upstream_cluster"] = up
			}
			verify := false
			for _, x := range rs {
				verify = verify || certVerifyReasons[x]
			}
			if !verify {
				f.Severity = catalog.Warning
				f.Detail = "The TLS failure is not a certificate verification (" + joinOr(rs) + "): usually TLS spoken to a plaintext port or the reverse — check the DestinationRule tls mode and the port's protocol."
			}
			r.Report(f)
		}
	}
}

func joinOr(ss []string) string {
	if len(ss) == 0 {
		return "reason not logged"
	}
	out := ss[0]
	for _, s := range ss[1:] {
		out += ", " + s
	}
	return out
}
