package main

import (
	"context"
	"strings"
	"testing"
)

// explain knows every text of guide 002 (and the releases' wordings), and
// says nothing about the look-alikes.
func TestExplainMeshTexts(t *testing.T) {
	cases := []struct{ in, want string }{
		{"2024-01-03T10:00:00.123456Z\terror\tklog\thttp: TLS handshake error from 10.1.2.3:45678: remote error: tls: bad certificate", "mesh-bad-certificate"},
		{`2024-01-03T10:00:00.123456Z	error	failed to list CRDs: customresourcedefinitions.apiextensions.k8s.io is forbidden: User "system:serviceaccount:istio-system:istiod-service-account" cannot list resource "customresourcedefinitions" in API group "apiextensions.k8s.io" at the cluster scope`, "mesh-cannot-list-resource"},
		{"2024-01-03T10:00:00.123456Z\terror\tserverca\tAuthentication failed: Authenticator ClientCertAuthenticator at index 0 got error: no verified chain is found. Authenticator KubeJWTAuthenticator at index 1 got error: failed to validate the JWT", "mesh-jwt-authentication-failed"},
		{`2023-05-19T06:04:06.117846Z	error	ads	Failed to authenticate client from 10.10.4.66:36454: Authenticator ClientCertAuthenticator: no verified chain is found; Authenticator KubeJWTAuthenticator: failed to validate the JWT from cluster "Kubernetes": the service account authentication returns an error: [invalid bearer token, service account token has expired]`, "mesh-jwt-authentication-failed"},
		{"curl: (56) Recv failure: Connection reset by peer command terminated with exit code 56", "mesh-plaintext-refused"},
		{`[2023-02-21T19:45:06.559Z] "- - -" 0 NR filter_chain_not_found - "-" 0 0 4995 - "-" "-" "-" "-" "-" - - 10.1.2.188:50000 10.1.2.182:50001 - -`, "mesh-plaintext-refused"},
		{"RBAC: access denied", "mesh-rbac-denied"},
		{`[2024-01-01T00:00:00.000Z] "GET /headers HTTP/1.1" 403 - rbac_access_denied_matched_policy[ns[foo]-policy[deny-all]-rule[0]] - "-" 0 19 0 - "-" "curl/8.5.0" "4f7b" "httpbin.foo:8000" "-" inbound|80|| - 10.244.0.12:80 10.244.0.9:52344 - -`, "mesh-rbac-denied"},
		{"upstream connect error or disconnect/reset before headers. reset reason: connection failure, transport failure reason: TLS error: 268435581:SSL routines:OPENSSL_internal:CERTIFICATE_VERIFY_FAILED", "mesh-upstream-tls-error"},
		// Look-alikes.
		{"2020/11/25 12:17:16 http: TLS handshake error from 10.221.136.81:51822: remote error: tls: bad certificate", ""},
		{"I0501 12:00:00.123456    1234 log.go:184] http: TLS handshake error from 10.0.0.8:33442: remote error: tls: bad certificate", ""},
		{"curl: (56) Recv failure: Connection reset by peer", ""},
		{"[ERR] failed to dial: remote error: tls: bad certificate", ""},
	}
	for _, c := range cases {
		ex, err := explain(context.Background(), []byte(c.in))
		if err != nil {
			t.Fatalf("%q: %v", c.in, err)
		}
		var got []string
		for _, s := range ex.Symptoms {
			got = append(got, s.Symptom)
			if strings.HasPrefix(s.Symptom, "mesh-") && (s.Meaning == "" || len(s.Check) == 0 || len(s.LeadsTo) == 0) {
				t.Errorf("%s: no advice: %+v", s.Symptom, s)
			}
		}
		if c.want == "" {
			if len(got) != 0 {
				t.Errorf("look-alike %q gave %v", c.in, got)
			}
			continue
		}
		if len(got) != 1 || got[0] != c.want {
			t.Errorf("%q: got %v, want %s", c.in, got, c.want)
		}
	}
}
