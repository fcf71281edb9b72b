package rules

import (
	"sort"
	"strings"

	"github.com/esdoctor/esdoctor/aggregator/pairing"
	"github.com/esdoctor/esdoctor/shared/catalog"
	"github.com/esdoctor/esdoctor/shared/diagnosis"
	"github.com/esdoctor/esdoctor/shared/event"
)

// MeshCAJwtAuthenticationFailed: istiod cannot authenticate workloads by
// their service account JWT (both releases' wordings), with the cause read
// from the authenticator's message: expired token, audience, issuer.
type MeshCAJwtAuthenticationFailed struct{}

var _ Rule = MeshCAJwtAuthenticationFailed{}

func (MeshCAJwtAuthenticationFailed) Meta() Meta {
	return Meta{Code: catalog.MeshCAJwtAuthenticationFailed, Description: "istiod CA (serverca) JWT authentication failures: issuer, expired token, audience",
		Inputs: []event.Kind{event.KindSymptom}}
}

var jwtReasonText = map[string]string{
	"expired-token":  "The client presents an expired service account token: restart the client pod so that the kubelet projects a fresh one, and check the node's clock.",
	"audience":       "The token's audience is not the one istiod expects (istio-ca): use third-party (projected) tokens with that audience (values.global.jwtPolicy=third-party-jwt) or make istiod accept the audience the cluster issues.",
	"issuer":         "The token is not signed by an issuer istiod trusts (a signature/issuer mismatch): check the JWT issuer configuration of istiod and of the API server (--service-account-issuer) and the cluster istiod validates against.",
	"stale-token":    "The token belongs to a deleted pod or service account (its UID no longer matches): restart the client pod.",
	"no-kube-client": "istiod has no client for the cluster the token names (multi-cluster secret missing): check the remote secret for that cluster.",
	"invalid-token":  "The token review rejected the token: check the JWT issuer configuration, the token's expiry and audience.",
}

func (MeshCAJwtAuthenticationFailed) Evaluate(v *pairing.View, r *Reporter) {
	for _, n := range v.Nodes {
		aggs := meshSymptoms(v, n, catalog.SymMeshJwtAuthenticationFailed)
		if len(aggs) == 0 {
			continue
		}
		reasons := map[string]bool{}
		clients := map[string]bool{}
		var ev []diagnosis.Evidence
		for _, a := range aggs {
			ev = append(ev, symptomEvidence(diagnosis.SideLocal, n, a))
			reasons[field(a, "reason")] = true
			if c := field(a, "remote_address"); c != "" {
				host, _, _ := strings.Cut(c, ":")
				clients[host] = true
			}
		}
		rs := meshKeys(reasons)
		var detail []string
		for _, k := range rs {
			detail = append(detail, jwtReasonText[k])
		}
		r.Report(Finding{Code: catalog.MeshCAJwtAuthenticationFailed, Key: n.Key.Node, Clusters: []string{n.Key.Cluster}, Evidence: ev,
			Facts:  map[string]any{"reasons": rs, "clients": meshKeys(clients)},
			Detail: strings.Join(detail, " "),
			Fix: diagnosis.Fix{Nodes: []diagnosis.NodeRef{ref(n)}, Commands: []string{
				"kubectl get --raw /.well-known/openid-configuration",
				"kubectl -n istio-system get deployment istiod -o yaml | grep -A1 -E 'JWT_POLICY|TOKEN_AUDIENCE|ISTIO_META_CLUSTER_ID'",
			}}})
	}
}

func meshKeys(m map[string]bool) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		if k != "" {
			out = append(out, k)
		}
	}
	sort.Strings(out)
	return out
}
