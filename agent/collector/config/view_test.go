package config

import (
	"reflect"
	"testing"

	"github.com/esdoctor/esdoctor/shared/event"
)

func view(t *testing.T, yml, cs string) *View {
	t.Helper()
	var y *YML
	if yml != "" {
		y = parse(t, yml, nil)
	}
	var c *ClusterSettings
	if cs != "" {
		var err error
		if c, err = ParseClusterSettings([]byte(cs), "cs.json"); err != nil {
			t.Fatal(err)
		}
	}
	return NewView(y, c)
}

func TestPrecedence(t *testing.T) {
	v := view(t, "cluster.remote.a.skip_unavailable: true\ncluster.remote.a.mode: sniff\ncluster.remote.a.seeds: h:1\n",
		`{"persistent":{"cluster.remote.a.skip_unavailable":"false","cluster.remote.a.mode":"proxy"},
		  "transient":{"cluster":{"remote":{"a":{"mode":"sniff"}}}}}`)
	for key, want := range map[string][2]string{
		"cluster.remote.a.skip_unavailable": {"false", SourceClusterSettings},
		"cluster.remote.a.mode":             {"sniff", SourceClusterSettings},
		"cluster.remote.a.seeds":            {"h:1", SourceYML},
	} {
		val, src, ok := v.Get(key)
		if !ok || val.Scalar != want[0] || src != want[1] {
			t.Errorf("%s: %q %q %v, want %q", key, val.Scalar, src, ok, want)
		}
	}
	if _, _, ok := v.Get("nope"); ok {
		t.Error("nope is set")
	}
	if _, _, ok := NewView(nil, nil).Get("x"); ok {
		t.Error("empty view")
	}
}

func TestDefaults(t *testing.T) {
	v := NewView(nil, nil)
	if v.ClusterName() != "elasticsearch" || v.NodeName("h1") != "h1" || !v.SecurityEnabled() || v.RemoteClusterServerEnabled() {
		t.Errorf("defaults: %q %q %v %v", v.ClusterName(), v.NodeName("h1"), v.SecurityEnabled(), v.RemoteClusterServerEnabled())
	}
	r := v.Report()
	for key, want := range map[string]string{
		"cluster.name": "elasticsearch", "network.host": "_local_", "transport.port": "9300-9400",
		"http.port": "9200-9300", "remote_cluster_server.enabled": "false", "remote_cluster.port": "9443",
		"remote_cluster.host": "_local_", "xpack.security.enabled": "true",
		"xpack.security.transport.ssl.enabled": "false", "xpack.security.http.ssl.enabled": "false",
		"xpack.security.remote_cluster_server.ssl.enabled": "true", "xpack.security.remote_cluster_client.ssl.enabled": "true",
		"xpack.security.transport.ssl.verification_mode": "full", "xpack.security.transport.ssl.client_authentication": "required",
		"xpack.security.http.ssl.client_authentication": "none", "xpack.security.remote_cluster_server.ssl.client_authentication": "none",
	} {
		s, ok := r[key]
		if !ok || s.Value != want || !s.Default || s.Source != SourceDefault {
			t.Errorf("%s: %+v, want default %q", key, s, want)
		}
	}
	if _, ok := r["xpack.security.remote_cluster_client.ssl.client_authentication"]; ok {
		t.Error("client_authentication does not apply to the remote cluster client")
	}
	v = view(t, "xpack.security.enabled: false\nremote_cluster_server.enabled: true\ncluster.name: c\nnode.name: n\n", "")
	if v.SecurityEnabled() || !v.RemoteClusterServerEnabled() || v.ClusterName() != "c" || v.NodeName("h") != "n" {
		t.Error("explicit values ignored")
	}
}

func TestRemoteClusterHostChain(t *testing.T) {
	cases := []struct{ yml, host, note string }{
		{"network.host: 127.0.0.1\n", "127.0.0.1", "from network.host"},
		{"network.host: 127.0.0.1\nnetwork.bind_host: 127.0.0.2\n", "127.0.0.2", "from network.bind_host"},
		{"network.host: 127.0.0.1\ntransport.host: 127.0.0.3\nhttp.host: 127.0.0.9\n", "127.0.0.3", "from transport.host"},
		{"transport.host: 127.0.0.3\ntransport.bind_host: 127.0.0.4\n", "127.0.0.4", "from transport.bind_host"},
		{"http.host: 0.0.0.0\n", "_local_", "network.host default"},
	}
	for _, tc := range cases {
		s := view(t, tc.yml, "").Report()["remote_cluster.host"]
		if s.Value != tc.host || !s.Default || len(s.Note) < len(tc.note) || s.Note[:len(tc.note)] != tc.note {
			t.Errorf("%q: %+v, want %s (%s)", tc.yml, s, tc.host, tc.note)
		}
	}
	s := view(t, "remote_cluster.host: 127.0.0.8\ntransport.host: 127.0.0.3\n", "").Report()["remote_cluster.host"]
	if s.Value != "127.0.0.8" || s.Default || s.Source != SourceYML {
		t.Errorf("explicit remote_cluster.host: %+v", s)
	}
}

func TestRemotes(t *testing.T) {
	v := view(t, `cluster.remote:
  b_proxy: {mode: PROXY, proxy_address: "127.0.0.2:9443", server_name: sni.test}
  a_sniff: {seeds: ["127.0.0.1:9443", "127.0.0.1:9444"], skip_unavailable: false}
  c_noaddr: {skip_unavailable: true}
  d_empty: {seeds: []}
  initial_connect_timeout: 10s
  connections_per_cluster: 5
  node.attr: gateway
`, `{"persistent":{"cluster.remote.e_api.seeds":"127.0.0.5:9443"}}`)
	got := v.Remotes()
	want := []event.Remote{
		{Alias: "a_sniff", Mode: "sniff", Seeds: []string{"127.0.0.1:9443", "127.0.0.1:9444"}, SkipUnavailable: "false", Source: SourceYML},
		{Alias: "b_proxy", Mode: "proxy", ProxyAddress: "127.0.0.2:9443", ServerName: "sni.test", Source: SourceYML},
		{Alias: "e_api", Mode: "sniff", Seeds: []string{"127.0.0.5:9443"}, Source: SourceClusterSettings, Layer: "persistent"},
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("Remotes:\n got %+v\nwant %+v", got, want)
	}
	r := v.Report()
	for key, want := range map[string]string{
		"cluster.remote.a_sniff.node_connections":         "5",
		"cluster.remote.b_proxy.proxy_socket_connections": "18",
		"cluster.remote.e_api.skip_unavailable":           "true",
		"cluster.remote.e_api.mode":                       "sniff",
	} {
		if r[key].Value != want || !r[key].Default {
			t.Errorf("%s: %+v, want default %s", key, r[key], want)
		}
	}
	if r["cluster.remote.e_api.skip_unavailable"].Note != "true since 8.15, false before" {
		t.Errorf("skip_unavailable note: %q", r["cluster.remote.e_api.skip_unavailable"].Note)
	}
	if r["cluster.remote.initial_connect_timeout"].Value != "10s" || r["cluster.remote.node.attr"].Value != "gateway" {
		t.Error("global cluster.remote settings missing from the report")
	}
}

func TestListeners(t *testing.T) {
	v := view(t, `network.host: [127.0.0.1, 127.0.0.2]
transport.port: 9301-9310
transport.publish_host: 127.0.0.5
remote_cluster_server.enabled: true
remote_cluster.port: 9444
http.port: 9201
http.publish_port: 19201
`, "")
	want := []event.Address{
		{Profile: "transport", Host: "127.0.0.5", Port: 9301, Source: "settings"},
		{Profile: "remote_cluster", Host: "127.0.0.1", Port: 9444, Source: "settings"},
		{Profile: "remote_cluster", Host: "127.0.0.2", Port: 9444, Source: "settings"},
		{Profile: "http", Host: "127.0.0.1", Port: 19201, Source: "settings"},
		{Profile: "http", Host: "127.0.0.2", Port: 19201, Source: "settings"},
	}
	if got := v.Listeners(); !reflect.DeepEqual(got, want) {
		t.Errorf("Listeners:\n got %+v\nwant %+v", got, want)
	}
	got := NewView(nil, nil).Listeners()
	want = []event.Address{
		{Profile: "transport", Host: "_local_", Port: 9300, Source: "settings"},
		{Profile: "http", Host: "_local_", Port: 9200, Source: "settings"},
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("default Listeners: %+v", got)
	}
}

func TestSSLContext(t *testing.T) {
	v := view(t, `xpack.security.transport.ssl:
  keystore.path: certs/Node.PFX
  truststore.path: certs/trust.jks
  truststore.type: PKCS12
  verification_mode: Certificate
  keystore.password: pw
xpack.security.remote_cluster_server.ssl.enabled: false
xpack.security.remote_cluster_client.ssl.certificate_authorities: "a.crt,b.crt"
`, "")
	tr := v.SSL("transport")
	want := SSLContext{Prefix: SSLTransport, EnabledIsDefault: true, KeystorePath: "certs/Node.PFX", KeystoreType: "PKCS12",
		KeystoreTypeInferred: true, TruststorePath: "certs/trust.jks", TruststoreType: "PKCS12",
		VerificationMode: "certificate", ClientAuthentication: "required", LegacyKeystorePassword: true}
	if !reflect.DeepEqual(tr, want) {
		t.Errorf("transport:\n got %+v\nwant %+v", tr, want)
	}
	if rcs := v.SSL(SSLRemoteClusterServer); rcs.Enabled || rcs.EnabledIsDefault || rcs.ClientAuthentication != "none" {
		t.Errorf("rcs %+v", rcs)
	}
	if rcc := v.SSL("xpack.security.remote_cluster_client.ssl."); !rcc.Enabled || !rcc.EnabledIsDefault ||
		!reflect.DeepEqual(rcc.CertificateAuthorities, []string{"a.crt", "b.crt"}) {
		t.Errorf("rcc %+v", rcc)
	}
	for p, want := range map[string]string{"a.p12": "PKCS12", "a.PKCS12": "PKCS12", "a.pfx": "PKCS12", "a.jks": "JKS", "a": "JKS", "a.p12.bak": "JKS"} {
		if got := InferKeystoreType(p); got != want {
			t.Errorf("InferKeystoreType(%s) = %s", p, got)
		}
	}
}

func TestIsLoopback(t *testing.T) {
	for h, want := range map[string]bool{
		"_local_": true, "_lo_": true, "_local:ipv4_": true, "_lo0_": true, "localhost": true, "LocalHost": true,
		"127.0.0.1": true, "127.1.2.3": true, "::1": true, "[::1]": true, " 127.0.0.1 ": true,
		"0.0.0.0": false, "_site_": false, "_global_": false, "10.0.0.1": false, "::": false, "host1": false, "": false,
		"_eth0_": false, "128.0.0.1": false,
	} {
		if got := IsLoopback(h); got != want {
			t.Errorf("IsLoopback(%q) = %v", h, got)
		}
	}
}

func TestS3Clients(t *testing.T) {
	v := view(t, "s3.client.zeta.endpoint: e\ns3.client:\n  alpha: {protocol: http}\n  alpha.region: r\n", `{"persistent":{"s3.client.fromcs.endpoint":"x"}}`)
	if got := v.S3Clients(); !reflect.DeepEqual(got, []string{"alpha", "zeta"}) {
		t.Errorf("S3Clients = %v", got)
	}
	if NewView(nil, nil).S3Clients() != nil {
		t.Error("no yml, no clients")
	}
}

func TestFirstPort(t *testing.T) {
	for in, want := range map[string]int{"9300-9400": 9300, "9443": 9443, " 9300 ,9301": 9300, "x": 0, "70000": 0, "": 0} {
		if got := FirstPort(in); got != want {
			t.Errorf("FirstPort(%q) = %d", in, got)
		}
	}
}
