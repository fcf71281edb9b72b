package symptom

import (
	"testing"

	"github.com/esdoctor/esdoctor/shared/catalog"
)

// Istio / Anthos Service Mesh lines (seed 002's regexps), plain and JSON.
var meshCases = []struct {
	line   string
	want   catalog.SymptomCode
	fields map[string]string
}{
	{"2024-01-03T10:00:00.123456Z\terror\tklog\thttp: TLS handshake error from 10.1.2.3:45678: remote error: tls: bad certificate",
		catalog.SymMeshBadCertificate, map[string]string{"remote_address": "10.1.2.3:45678"}},
	{`2024-01-03T10:00:00.123456Z	error	failed to list CRDs: customresourcedefinitions.apiextensions.k8s.io is forbidden: User "system:serviceaccount:istio-system:istiod-service-account" cannot list resource "customresourcedefinitions" in API group "apiextensions.k8s.io" at the cluster scope`,
		catalog.SymMeshCannotListResource, map[string]string{"resource": "customresourcedefinitions", "user": "system:serviceaccount:istio-system:istiod-service-account"}},
	{"2024-01-03T10:00:00.123456Z\terror\tserverca\tAuthentication failed: Authenticator ClientCertAuthenticator at index 0 got error: no verified chain; Authenticator KubeJWTAuthenticator at index 1 got error: failed to validate the JWT",
		catalog.SymMeshJwtAuthenticationFailed, nil},
	{`{"level":"error","time":"2024-01-03T10:00:00.123456Z","scope":"serverca","msg":"Authentication failed: Authenticator KubeJWTAuthenticator at index 1 got error: failed to validate the JWT"}`,
		catalog.SymMeshJwtAuthenticationFailed, nil},
	// Not errors: info lines and other handshakes.
	{"2024-01-03T10:00:00.123456Z\tinfo\tads\tADS: new connection for node:sidecar~10.0.0.1", "", nil},
	{"2024-01-03T10:00:00.123456Z\twarn\tklog\thttp: TLS handshake error from 10.1.2.3:45678: EOF", "", nil},
}

func TestMeshPack(t *testing.T) {
	on := NewMatcher(Options{MeshPack: true})
	off := NewMatcher(Options{})
	for _, c := range meshCases {
		recs, foreign := joinAll(c.line + "\n")
		if len(recs) != 1 {
			t.Fatalf("%q: %d records", c.line, len(recs))
		}
		match := func(m *Matcher) (string, map[string]string) {
			var s, ok = m.Match(recs[0])
			if foreign[0] {
				s, ok = m.MatchForeign(recs[0])
			}
			if !ok {
				return "", nil
			}
			return s.Symptom, s.Fields
		}
		code, fields := match(on)
		if code != string(c.want) {
			t.Errorf("%q: got %q, want %q", c.line, code, c.want)
		}
		for k, v := range c.fields {
			if fields[k] != v {
				t.Errorf("%q: field %s = %q, want %q", c.line, k, fields[k], v)
			}
		}
		if code, _ := match(off); code != "" {
			t.Errorf("%q: mesh pack off, got %s", c.line, code)
		}
	}
}
