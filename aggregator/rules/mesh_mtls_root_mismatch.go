package rules

import (
	"fmt"
	"strings"

	"github.com/esdoctor/esdoctor/aggregator/pairing"
	"github.com/esdoctor/esdoctor/shared/catalog"
	"github.com/esdoctor/esdoctor/shared/diagnosis"
	"github.com/esdoctor/esdoctor/shared/event"
)

// MeshMTLSRootMismatch: guide 002's mTLS certificate check. A saved
// `openssl s_client -alpn istio -showcerts` output or an
// X-Forwarded-Client-Cert value is compared with what the site expects
// (agent config mesh.ca and mesh.trust_domain): with Mesh CA the root's CN
// holds istio_v1_cloud_workload_root-signer-... (and the leaf's
// OU=istio_v1_cloud_workload); with istiod the root has O=<trust domain>;
// the SPIFFE identities carry the trust domain.
type MeshMTLSRootMismatch struct{}

var _ Rule = MeshMTLSRootMismatch{}

const meshCARootPrefix = "istio_v1_cloud_workload_root-signer-"

func (MeshMTLSRootMismatch) Meta() Meta {
	return Meta{Code: catalog.MeshMtlsRootMismatch, Description: "workload certificate chain (s_client or XFCC) not from the expected CA / trust domain",
		Inputs: []event.Kind{event.KindSnapshot}}
}

func (MeshMTLSRootMismatch) Evaluate(v *pairing.View, r *Reporter) {
	for _, mn := range meshNodes(v) {
		for _, c := range mn.m.CertChecks {
			problems := certCheckProblems(mn.m, c)
			if len(problems) == 0 {
				continue
			}
			r.Report(Finding{Code: catalog.MeshMtlsRootMismatch, Key: mn.n.Key.Node + "|" + c.File, Clusters: []string{mn.n.Key.Cluster},
				Evidence: []diagnosis.Evidence{objectEvidence(mn.n, event.ObjectRef{File: c.File}, describeCheck(c))},
				Facts:    map[string]any{"expected_ca": mn.m.CA, "expected_trust_domain": mn.m.TrustDomain, "trust_domains": c.TrustDomains, "check": c.Kind},
				Detail:   strings.Join(problems, " "),
				Fix: diagnosis.Fix{Nodes: []diagnosis.NodeRef{ref(mn.n)}, Commands: []string{
					"kubectl exec SOURCE_POD -n SOURCE_NAMESPACE -c istio-proxy -- openssl s_client -alpn istio -showcerts -connect DESTINATION:PORT",
					"istioctl proxy-config secret SOURCE_POD -n SOURCE_NAMESPACE -o json",
				}}})
		}
	}
}

// certCheckProblems compares one check with the expectation.
func certCheckProblems(m *event.Mesh, c event.MeshCertCheck) []string {
	var out []string
	if m.TrustDomain != "" {
		for _, td := range c.TrustDomains {
			if td != m.TrustDomain {
				out = append(out, fmt.Sprintf("The SPIFFE identity's trust domain is %s, not %s.", td, m.TrustDomain))
			}
		}
	}
	switch m.CA {
	case "mesh-ca":
		if c.Root != nil && !strings.Contains(c.Root.CN, meshCARootPrefix) {
			out = append(out, fmt.Sprintf("The root is %s, not Mesh CA's (CN %s...).", c.Root.Subject, meshCARootPrefix))
		}
		if c.Kind == "xfcc" {
			for _, n := range c.Chain {
				if n.Subject != "" && !meshContains(n.OU, "istio_v1_cloud_workload") {
					out = append(out, fmt.Sprintf("The client certificate's subject %s is not a Mesh CA workload certificate (OU=istio_v1_cloud_workload).", n.Subject))
				}
			}
		}
	case "istiod":
		if c.Root != nil && m.TrustDomain != "" && !meshContains(c.Root.O, m.TrustDomain) {
			out = append(out, fmt.Sprintf("The root is %s, not istiod's (O=%s).", c.Root.Subject, m.TrustDomain))
		}
		if c.Root != nil && strings.Contains(c.Root.CN, meshCARootPrefix) {
			out = append(out, "The root is Mesh CA's, but istiod is the expected CA.")
		}
	}
	return out
}

func describeCheck(c event.MeshCertCheck) string {
	var parts []string
	for i, n := range c.Chain {
		s := fmt.Sprintf("%d s:%s", i, n.Subject)
		if n.Issuer != "" {
			s += " i:" + n.Issuer
		}
		parts = append(parts, s)
	}
	if len(c.TrustDomains) > 0 {
		parts = append(parts, "trust domains "+strings.Join(c.TrustDomains, ","))
	}
	return c.Kind + ": " + strings.Join(parts, "; ")
}

func meshContains(ss []string, s string) bool {
	for _, x := range ss {
		if x == s {
			return true
		}
	}
	return false
}
