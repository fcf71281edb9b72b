package main

import (
	"os"
	"path/filepath"
	"testing"
)

// The mesh pack is off unless --mesh: the same istiod and istio-proxy files
// give nothing without it and their symptoms with it, a directory
// contributes its mesh logs only with it, and an Elasticsearch log scanned
// with --mesh gives its own symptoms and no mesh one.
func TestScanMeshFlagSwitchesThePack(t *testing.T) {
	dir := t.TempDir()
	istiod := filepath.Join(dir, "istiod-5d8d9dd979-d8ccs_istio-system_discovery-0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef.log")
	os.WriteFile(istiod, []byte(
		"2024-05-01T10:00:00.000000000Z stderr F 2024-05-01T10:00:00.000000Z\terror\tklog\thttp: TLS handshake error from 10.1.2.3:45678: remote error: tls: bad certificate\n"+
			"2024-05-01T10:00:01.000000000Z stderr F 2024-05-01T10:00:01.000000Z\twarn\tserverca\tAuthentication failed for 10.1.2.9:37692: Authenticator ClientCertAuthenticator at index 0 got error: no verified chain is found. Authenticator KubeJWTAuthenticator at index 1 got error: failed to validate the JWT from cluster \"c1\": the service account authentication returns an error: [invalid bearer token, service account token has expired].\n"), 0o600)
	proxy := filepath.Join(dir, "es-0_search_istio-proxy-0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef.log")
	os.WriteFile(proxy, []byte(`2024-05-01T10:00:02.000000000Z stdout F [2024-05-01T10:00:02.000Z] "GET /_remote/info HTTP/1.1" 403 - rbac_access_denied_matched_policy[ns[search]-policy[deny-all]-rule[0]] - "-" 0 19 0 - "-" "curl/8.5.0" "id" "es.search:9200" "-" inbound|9200|| - 10.244.0.12:9200 10.244.0.9:52344 outbound_.9200_._.es.search.svc.cluster.local -`+"\n"), 0o600)
	es := filepath.Join("testdata", "connect-exception--01.log")

	for _, c := range []struct {
		args []string
		want map[string]int
	}{
		{[]string{istiod, proxy, es}, map[string]int{"connect-exception": 1}},
		{[]string{"--mesh", istiod, proxy, es}, map[string]int{"connect-exception": 1, "mesh-bad-certificate": 1, "mesh-jwt-authentication-failed": 1, "mesh-rbac-denied": 1}},
		{[]string{dir}, map[string]int{}},
		{[]string{"--mesh", dir}, map[string]int{"mesh-bad-certificate": 1, "mesh-jwt-authentication-failed": 1, "mesh-rbac-denied": 1}},
	} {
		code, out, errs := runScanArgs(append([]string{"--format", "json"}, c.args...)...)
		if code != 0 || errs != "" {
			t.Fatalf("%v: exit %d, stderr %q", c.args, code, errs)
		}
		got := map[string]int{}
		for _, s := range decodeLines(t, out) {
			got[s.Symptom]++
		}
		if len(got) != len(c.want) {
			t.Errorf("%v: got %v, want %v", c.args[0], got, c.want)
		}
		for k, v := range c.want {
			if got[k] != v {
				t.Errorf("%v: %s x%d, want %d (all %v)", c.args[0], k, got[k], v, got)
			}
		}
	}
	if code, _, _ := runScanArgs("--mesh", "--follow", istiod); code != 2 {
		t.Errorf("--mesh --follow: exit %d, want 2", code)
	}
}
