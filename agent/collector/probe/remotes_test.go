package probe_test

import (
	"crypto/tls"
	"strings"
	"testing"
	"time"

	"github.com/esdoctor/esdoctor/agent/collector/probe"
	"github.com/esdoctor/esdoctor/internal/testkit/certgen"
)

// Real TLS servers on 127.x with test-made certificates: what the probe of
// each seed records, verified with the node's own remote_cluster_client
// trust (a PEM CA file).
func TestRemoteProbeCases(t *testing.T) {
	other, err := certgen.NewCA("Some Other CA")
	if err != nil {
		t.Fatal(err)
	}
	w, n, remote := apiKeyNode(t)
	good := serveTLS(t, "127.0.1.2", certgen.ServerTLSConfig(issue(t, remote.RemoteCA, "remote-1", certgen.DNS("remote-1"), certgen.IPs("127.0.1.2"))))
	wrongCA := serveTLS(t, "127.0.1.3", certgen.ServerTLSConfig(issue(t, other, "remote-2", certgen.IPs("127.0.1.3"))))
	wrongSAN := serveTLS(t, "127.0.1.4", certgen.ServerTLSConfig(issue(t, remote.RemoteCA, "remote-3", certgen.DNS("remote-3.example.com"), certgen.IPs("127.0.1.99"))))
	expired := serveTLS(t, "127.0.1.5", certgen.ServerTLSConfig(issue(t, remote.RemoteCA, "remote-4", certgen.IPs("127.0.1.5"),
		certgen.Validity(time.Now().Add(-400*24*time.Hour), time.Now().Add(-24*time.Hour)))))
	transportCfg := certgen.ServerTLSConfig(issue(t, remote.TransportCA, "remote-5", certgen.IPs("127.0.1.6")))
	transportCfg.ClientAuth = tls.RequireAnyClientCert
	transport := serveTLS(t, "127.0.1.6", transportCfg)
	tls12Cfg := certgen.ServerTLSConfig(issue(t, remote.TransportCA, "remote-6", certgen.IPs("127.0.1.7")))
	tls12Cfg.ClientAuth, tls12Cfg.MaxVersion = tls.RequireAnyClientCert, tls.VersionTLS12
	transport12 := serveTLS(t, "127.0.1.7", tls12Cfg)
	refused := closedPort(t, "127.0.1.8")
	silent := serveSilent(t, "127.0.1.9")

	w, n, _ = reuse(w, n, good, wrongCA, wrongSAN, expired, transport, transport12, refused, silent)
	got := byTarget(probeNode(t, w, n, probe.Options{HandshakeTimeout: 500 * time.Millisecond}))

	check := func(addr, kind string, ok bool, errKind, reason string, requested *bool) {
		t.Helper()
		p, found := got[addr]
		if !found {
			t.Fatalf("no probe of %s in %v", addr, got)
		}
		if p.Kind != kind || p.OK != ok || p.ErrorKind != errKind || p.VerifyReason != reason {
			t.Errorf("%s: kind %s ok %v error_kind %q reason %q (error %q, verify %q); want %s %v %q %q", addr, p.Kind, p.OK, p.ErrorKind, p.VerifyReason, p.Error, p.VerifyError, kind, ok, errKind, reason)
		}
		if requested != nil && (p.ClientCertRequested == nil || *p.ClientCertRequested != *requested) {
			t.Errorf("%s: client_cert_requested %v, want %v", addr, p.ClientCertRequested, *requested)
		}
		if p.Alias != "my" || p.Model != "api_key" || p.SSLContext != "xpack.security.remote_cluster_client.ssl" || p.Source != "cluster_settings" {
			t.Errorf("%s: alias %q model %q context %q source %q", addr, p.Alias, p.Model, p.SSLContext, p.Source)
		}
	}
	yes, no := true, false
	check(good, "tls", true, "", "", &no)
	check(wrongCA, "tls", false, "", "unknown-issuer", &no)
	check(wrongSAN, "tls", false, "", "hostname-mismatch", &no)
	check(expired, "tls", false, "", "expired", &no)
	check(transport, "tls", false, "", "unknown-issuer", &yes)
	check(transport12, "tls", false, "", "unknown-issuer", &yes)
	check(refused, "tcp", false, "refused", "", nil)
	check(silent, "tls", false, "tls-timeout", "", nil)

	p := got[good]
	if p.TLSVersion != "TLS 1.3" || p.CipherSuite == "" || len(p.PeerCertificates) != 2 || p.PeerCertificates[0].Subject != "CN=remote-1" ||
		p.PeerCertificates[0].Issuer != "CN=Elastic Auto RemoteCluster CA remote" || p.PeerCertificates[0].SHA256 == "" {
		t.Errorf("good seed: %+v", p)
	}
	if got[transport12].TLSVersion != "TLS 1.2" || len(got[transport12].PeerCertificates) == 0 {
		t.Errorf("TLS 1.2 transport port: %+v", got[transport12])
	}
	if v := got[wrongCA].VerifyError; !strings.Contains(v, "CN=Some Other CA") || !strings.Contains(v, "CN=Elastic Auto RemoteCluster CA remote") {
		t.Errorf("unknown issuer not named: %q", v)
	}
	if v := got[wrongSAN].VerifyError; !strings.Contains(v, "127.0.1.4") || !strings.Contains(v, "IP:127.0.1.99") {
		t.Errorf("mismatch not explained: %q", v)
	}
	if v := got[expired].VerifyError; !strings.Contains(v, "expired on") {
		t.Errorf("expiry not explained: %q", v)
	}
}

// reuse points the node's alias at the given seeds.
func reuse(w *worldT, n *nodeT, seeds ...string) (*worldT, *nodeT, any) {
	n.C.Settings["cluster.remote.my.seeds"] = seeds
	return w, n, nil
}

// The certificate model: the transport context's trust (a PKCS#12
// truststore, then a JKS one) with verification_mode certificate (no host
// name check), and proxy mode's server_name under full verification.
func TestRemoteProbeCertificateModelAndProxy(t *testing.T) {
	w, n, remote := apiKeyNode(t)
	local := n.C
	n.RemoveSecure("cluster.remote.my.credentials")
	// The remote transport certificate is issued by the local transport CA
	// (a shared CA, as the certificate model needs), without the seed's IP.
	shared := serveTLS(t, "127.0.1.2", certgen.ServerTLSConfig(issue(t, local.TransportCA, "remote-1", certgen.DNS("remote-1.example.com"))))
	foreign := serveTLS(t, "127.0.1.3", certgen.ServerTLSConfig(issue(t, remote.TransportCA, "remote-2", certgen.IPs("127.0.1.3"))))
	n.C.Settings["cluster.remote.my.seeds"] = []string{shared, foreign}
	got := byTarget(probeNode(t, w, n, probe.Options{}))
	if p := got[shared]; !p.OK || p.Model != "certificate" || p.SSLContext != "xpack.security.transport.ssl" || p.VerificationMode != "certificate" {
		t.Errorf("shared CA over PKCS#12 truststore: %+v", p)
	}
	if p := got[foreign]; p.OK || p.VerifyReason != "unknown-issuer" {
		t.Errorf("foreign CA: %+v", p)
	}

	// JKS truststore holding the remote's transport CA.
	jks, err := certgen.EncodeJKS("CANARY-SECRET-jks-pw", certgen.TrustedEntry("remote-ca", remote.TransportCA.Cert))
	if err != nil {
		t.Fatal(err)
	}
	n.File("certs/trust.jks", jks).Secure("xpack.security.transport.ssl.truststore.secure_password", "CANARY-SECRET-jks-pw").
		YML("xpack.security.transport.ssl.truststore.path: certs/trust.jks")
	got = byTarget(probeNode(t, w, n, probe.Options{}))
	if p := got[foreign]; !p.OK {
		t.Errorf("JKS truststore with the remote CA: %+v", p)
	}
	if p := got[shared]; p.OK || p.VerifyReason != "unknown-issuer" {
		t.Errorf("JKS truststore without the local CA: %+v", p)
	}

	// Proxy mode: server_name is what is checked (and sent as SNI).
	w2, n2, remote2 := apiKeyNode(t)
	proxy := serveTLS(t, "127.0.1.4", certgen.ServerTLSConfig(issue(t, remote2.RemoteCA, "proxy", certgen.DNS("remote.example.com"))))
	delete(n2.C.Settings, "cluster.remote.my.seeds")
	n2.C.Settings["cluster.remote.my.mode"] = "proxy"
	n2.C.Settings["cluster.remote.my.proxy_address"] = proxy
	n2.C.Settings["cluster.remote.my.server_name"] = "remote.example.com"
	got = byTarget(probeNode(t, w2, n2, probe.Options{}))
	if p := got[proxy]; !p.OK || p.Purpose != probe.PurposeRemoteProxy || p.ServerName != "remote.example.com" {
		t.Errorf("proxy with server_name: %+v", p)
	}
	n2.C.Settings["cluster.remote.my.server_name"] = "other.example.com"
	got = byTarget(probeNode(t, w2, n2, probe.Options{}))
	if p := got[proxy]; p.OK || p.VerifyReason != "hostname-mismatch" {
		t.Errorf("proxy with the wrong server_name: %+v", p)
	}
}
