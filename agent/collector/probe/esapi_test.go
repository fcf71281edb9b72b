package probe_test

import (
	"context"
	"crypto/tls"
	"encoding/json"
	"io"
	"log"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/esdoctor/esdoctor/agent/collector/probe"
	"github.com/esdoctor/esdoctor/agent/inspect"
	"github.com/esdoctor/esdoctor/internal/testkit/certgen"
	"github.com/esdoctor/esdoctor/shared/event"
)

const apiPassword = "CANARY-SECRET-api-password"

// esAPI serves the recorded responses over TLS on 127.0.4.1; status
// overrides an endpoint's answer, slow makes every request hang.
type esAPI struct {
	seed   string
	status map[string]int
	slow   time.Duration
	auth   []string
}

func (f *esAPI) serve(t *testing.T, ca *certgen.Authority) string {
	t.Helper()
	leaf := issue(t, ca, "local-1", certgen.IPs("127.0.4.1"))
	files := map[string]string{"/": "root.json", "/_remote/info": "remote_info.json", "/_cluster/settings": "cluster_settings.json",
		"/_nodes/settings": "nodes_settings.json", "/_ssl/certificates": "ssl_certificates.json", "/_resolve/cluster/my:*": "resolve_cluster.json"}
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		f.auth = append(f.auth, r.Header.Get("Authorization"))
		if f.slow > 0 {
			select {
			case <-time.After(f.slow):
			case <-r.Context().Done():
				return
			}
		}
		path := r.URL.Path
		if strings.HasPrefix(path, "/_resolve/cluster/") {
			path = "/_resolve/cluster/my:*"
		}
		name, ok := files[path]
		if !ok {
			http.NotFound(w, r)
			return
		}
		code := f.status[path]
		switch code {
		case 401:
			name = "error_401.json"
		case 403:
			name = "error_403.json"
		case 0:
			code = 200
		}
		b, err := os.ReadFile(filepath.Join("testdata", "esapi", name))
		if err != nil {
			t.Error(err)
		}
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(code)
		w.Write([]byte(strings.ReplaceAll(string(b), "SEED", f.seed)))
	}))
	l, err := net.Listen("tcp", "127.0.4.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv.Listener = l
	srv.Config.ErrorLog = log.New(io.Discard, "", 0)
	srv.TLS = &tls.Config{Certificates: []tls.Certificate{leaf.TLSCertificate()}}
	srv.StartTLS()
	t.Cleanup(srv.Close)
	return "https://" + l.Addr().String()
}

func credentials(t *testing.T, content string, mode os.FileMode) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "es-credentials")
	if err := os.WriteFile(p, []byte(content), mode); err != nil {
		t.Fatal(err)
	}
	os.Chmod(p, mode)
	return p
}

// apiNode is a node whose HTTP layer uses a CA from its config dir and
// whose remote "my" is defined only in the live cluster settings.
func apiNode(t *testing.T) (*probe.Input, *certgen.Authority) {
	t.Helper()
	w, n, _ := apiKeyNode(t)
	delete(n.C.Settings, "cluster.remote.my.seeds")
	httpCA, err := certgen.NewCA("Elasticsearch security auto-configuration HTTP CA")
	if err != nil {
		t.Fatal(err)
	}
	n.File("certs/http_ca.crt", certgen.PEMCerts(httpCA.Cert)).
		YML("xpack.security.http.ssl.enabled: true", `xpack.security.http.ssl.certificate_authorities: [ "certs/http_ca.crt" ]`)
	w.Build()
	o := n.Options()
	o.ClusterSettings = ""
	res, err := inspect.Inspect(context.Background(), o)
	if err != nil {
		t.Fatal(err)
	}
	return probe.FromInspect(res), httpCA
}

func runAPI(t *testing.T, in *probe.Input, api *probe.ESAPI) ([]event.Probe, event.Probe) {
	t.Helper()
	ps := probe.New(probe.Options{ESAPI: api, Spacing: -1, ConnectTimeout: time.Second, HandshakeTimeout: time.Second, ProcSys: t.TempDir()}).Run(context.Background(), in)
	for _, p := range ps {
		if p.Kind == "esapi" {
			b, _ := json.Marshal(ps)
			if strings.Contains(string(b), "CANARY-SECRET") {
				t.Fatalf("a secret reached the probe results: %s", b)
			}
			return ps, p
		}
	}
	t.Fatalf("no esapi result in %+v", ps)
	return nil, event.Probe{}
}

// Every endpoint answers as the ES reference documents: facts, and the
// remote defined only in the live cluster settings is probed too.
func TestESAPIFacts(t *testing.T) {
	in, ca := apiNode(t)
	seed := closedPort(t, "127.0.1.2")
	f := &esAPI{seed: seed}
	url := f.serve(t, ca)
	ps, p := runAPI(t, in, &probe.ESAPI{URL: url, CredentialsFile: credentials(t, "esdoctor:"+apiPassword+"\n", 0o600)})
	if !p.OK || p.Error != "" {
		t.Fatalf("esapi: %+v", p)
	}
	want := map[string]string{"es_version": "8.13.4", "remote_info.my.connected": "false", "remote_info.my.model": "api_key",
		"remote_info.legacy.connected": "true", "remote_info.legacy.model": "certificate", "remote_info.legacy.num_connected": "18",
		"nodes": "2", "node.local-1.remote_cluster_server.enabled": "true", "ssl_certificates": "2",
		"resolve.my.connected": "false", "cluster_settings.remote.my": "sniff " + seed + " "}
	for k, v := range want {
		if p.Facts[k] != v {
			t.Errorf("fact %s = %q, want %q", k, p.Facts[k], v)
		}
	}
	if !strings.Contains(p.Facts["ssl_certificates.earliest_expiry"], "2026-12-20") {
		t.Errorf("earliest expiry: %q", p.Facts["ssl_certificates.earliest_expiry"])
	}
	live := byTarget(ps)[seed]
	if live.Alias != "my" || live.Source != "cluster_settings (live)" || live.ErrorKind != "refused" || live.Model != "api_key" {
		t.Errorf("live remote not probed: %+v", live)
	}
	for _, a := range f.auth {
		if !strings.HasPrefix(a, "Basic ") {
			t.Errorf("authorization %q", a)
		}
	}
}

// 401, 403, a node that does not answer in time, a CA that does not
// verify the node's certificate, and a credentials file others can read.
func TestESAPIFailures(t *testing.T) {
	in, ca := apiNode(t)
	creds := credentials(t, "ApiKey VnVhQ2ZHY0JDZGJrUW0tZTVhT3g6dWkybHAyYXhUTm1zeWFrdzl0dk5udw==\n", 0o600)

	f := &esAPI{seed: "127.0.1.2:1", status: map[string]int{"/": 401, "/_remote/info": 401, "/_cluster/settings": 401, "/_nodes/settings": 401, "/_ssl/certificates": 401}}
	_, p := runAPI(t, in, &probe.ESAPI{URL: f.serve(t, ca), CredentialsFile: creds})
	if p.OK || !strings.Contains(p.Facts["error /_remote/info"], "HTTP 401 (security_exception: missing authentication credentials") {
		t.Errorf("401: %+v", p)
	}
	if f.auth[0] != "ApiKey VnVhQ2ZHY0JDZGJrUW0tZTVhT3g6dWkybHAyYXhUTm1zeWFrdzl0dk5udw==" {
		t.Errorf("api key header %q", f.auth[0])
	}

	f = &esAPI{seed: "127.0.1.2:1", status: map[string]int{"/_ssl/certificates": 403}}
	_, p = runAPI(t, in, &probe.ESAPI{URL: f.serve(t, ca), CredentialsFile: creds})
	if p.OK || !strings.Contains(p.Facts["error /_ssl/certificates"], "HTTP 403 (security_exception: action [cluster:monitor/xpack/ssl/certificates/get] is unauthorized") ||
		p.Facts["remote_info.my.connected"] != "false" {
		t.Errorf("403 on one endpoint: %+v", p)
	}

	f = &esAPI{seed: "127.0.1.2:1", slow: 3 * time.Second}
	start := time.Now()
	_, p = runAPI(t, in, &probe.ESAPI{URL: f.serve(t, ca), CredentialsFile: creds, Timeout: 200 * time.Millisecond})
	if p.OK || !strings.Contains(p.Facts["error /"], "timeout") || time.Since(start) > 2500*time.Millisecond {
		t.Errorf("slow node (%v): %+v", time.Since(start), p)
	}

	other, _ := certgen.NewCA("Not The HTTP CA")
	f = &esAPI{seed: "127.0.1.2:1"}
	_, p = runAPI(t, in, &probe.ESAPI{URL: f.serve(t, other), CredentialsFile: creds})
	if p.OK || !strings.Contains(p.Facts["error /"], "certificate signed by unknown authority") {
		t.Errorf("wrong CA: %+v", p)
	}

	_, p = runAPI(t, in, &probe.ESAPI{URL: "https://127.0.4.1:1", CredentialsFile: credentials(t, "u:"+apiPassword, 0o644)})
	if p.OK || !strings.Contains(p.Error, "mode 0644 lets others read it") || !strings.Contains(p.Error, "es-credentials") {
		t.Errorf("readable credentials: %+v", p)
	}
	_, p = runAPI(t, in, &probe.ESAPI{URL: "ftp://x", CredentialsFile: creds})
	if p.OK || !strings.Contains(p.Error, "want http(s)://host:port") {
		t.Errorf("bad url: %+v", p)
	}
}
