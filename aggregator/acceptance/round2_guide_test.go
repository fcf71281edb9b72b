package acceptance_test

// Round 2: the troubleshooting guide's own log lines, verbatim (seed 001),
// on node directories that use the guide's addresses: the remote node at
// 192.168.0.42 (transport.port 9309, remote_cluster.port 9443), the local
// node at 192.168.0.84. The addresses are only text: nothing opens a socket.

import (
	"fmt"
	"strings"
	"testing"

	"github.com/esdoctor/esdoctor/internal/testkit/certgen"
)

// Cluster names with dots and dashes, as sites name them.
const (
	gLocal  = "eu-search.prod"
	gRemote = "eu-logs.archive-1"
)

// guide is the guide's two one-node clusters.
type guide struct {
	s             *site
	local, remote *node
	tCA, rcCA     *certgen.Authority
	transport     *certgen.Leaf // remote-node's transport certificate (CN=transport)
	rcs           *certgen.Leaf // remote-node's remote cluster server certificate (CN=remote_cluster)
}

// guideSANs are the subject alternative names the guide's certificates carry.
func guideSANs(ip string) []certgen.Option {
	return []certgen.Option{certgen.DNS("localhost", "localhost6.localdomain6", "localhost4", "localhost6", "localhost.localdomain", "localhost4.localdomain4"),
		certgen.IPs("127.0.0.1", "::1", ip)}
}

// newGuide writes the healthy API-key setup of guide 003 with the guide's
// addresses: the remote cluster is defined in the saved cluster settings
// (def is the "cluster.remote.my" object), the key in the local keystore.
func newGuide(t *testing.T, def string) *guide {
	t.Helper()
	g := &guide{s: newSite(t)}
	g.tCA = mustCA(t, "Elastic Auto Transport CA")
	g.rcCA = mustCA(t, "Elastic Auto RemoteCluster CA")
	g.transport = mustLeaf(t, g.tCA, "transport", guideSANs("192.168.0.42")...)
	g.rcs = mustLeaf(t, g.rcCA, "remote_cluster", guideSANs("192.168.0.42")...)
	localTransport := mustLeaf(t, g.tCA, "transport", guideSANs("192.168.0.84")...)

	transportSSL := `xpack.security.transport.ssl:
  enabled: true
  verification_mode: certificate
  key: ssl/transport.key
  certificate: ssl/transport.crt
  certificate_authorities: [ "ssl/transport-ca.crt" ]`

	r := g.s.node(gRemote, "remote-node")
	r.set("network.host", "192.168.0.42").set("transport.port", "9309").set("xpack.security.enabled", "true")
	r.block(transportSSL)
	r.set("remote_cluster_server.enabled", "true").set("remote_cluster.port", "9443")
	r.block(`xpack.security.remote_cluster_server.ssl:
  enabled: true
  key: ssl/remote-cluster.key
  certificate: ssl/remote-cluster.crt`)
	r.files["ssl/transport.crt"] = certgen.PEMCerts(g.transport.Cert)
	r.files["ssl/transport.key"] = keyPEM(t, g.transport)
	r.files["ssl/transport-ca.crt"] = certgen.PEMCerts(g.tCA.Cert)
	r.files["ssl/remote-cluster.crt"] = certgen.PEMCerts(g.rcs.Cert)
	r.files["ssl/remote-cluster.key"] = keyPEM(t, g.rcs)
	g.remote = r

	l := g.s.node(gLocal, "local-node")
	l.set("network.host", "192.168.0.84").set("xpack.security.enabled", "true")
	l.block(transportSSL)
	l.set("xpack.security.remote_cluster_client.ssl.enabled", "true")
	l.set("xpack.security.remote_cluster_client.ssl.certificate_authorities", `[ "ssl/remote-cluster-ca.crt" ]`)
	l.files["ssl/transport.crt"] = certgen.PEMCerts(localTransport.Cert)
	l.files["ssl/transport.key"] = keyPEM(t, localTransport)
	l.files["ssl/transport-ca.crt"] = certgen.PEMCerts(g.tCA.Cert)
	l.files["ssl/remote-cluster-ca.crt"] = certgen.PEMCerts(g.rcCA.Cert)
	l.secure["cluster.remote.my.credentials"] = ccKey.encoded()
	l.settings = fmt.Sprintf(`{"persistent":{"cluster":{"remote":{"my":%s}}},"transient":{}}`, def)
	g.local = l

	// Both nodes started that morning (8.13.4) and logged nothing else yet.
	g.logs(nil, nil)
	return g
}

// logs writes both nodes' plain logs: their start lines, then the guide's
// verbatim lines.
func (g *guide) logs(local, remote []string) {
	start := guideTime("2023-06-28T08:00:00,000")
	g.local.plainLog(startLines(start, "8.13.4", gLocal, "local-node", "192.168.0.84", 9300, 9200), local...)
	g.remote.plainLog(startLines(start, "8.13.4", gRemote, "remote-node", "192.168.0.42", 9309, 9200), remote...)
}

// The guide's lines (seed 001), copied as they are printed there.
const (
	guideProxyConnect = `[2023-06-28T16:36:47,264][WARN ][o.e.t.ProxyConnectionStrategy] [local-node] failed to open any proxy connections to cluster [my]
org.elasticsearch.transport.ConnectTransportException: [][192.168.0.42:9443] connect_exception`
	guideSniffConnect = `[2023-06-28T16:38:37,731][WARN ][o.e.t.SniffConnectionStrategy] [local-node] fetching nodes from external cluster [my] failed
org.elasticsearch.transport.ConnectTransportException: [][192.168.0.42:9443] connect_exception`
	guideClosedByRemote = `[2023-06-28T16:36:47,264][INFO ][o.e.t.ClusterConnectionManager] [local-node] transport connection to [{my-remote#192.168.0.42:9443}{...}] closed by remote`
	guideTrustLocal     = `[2023-06-29T09:40:55,465][WARN ][o.e.c.s.DiagnosticTrustManager] [local-node] failed to establish trust with server at [192.168.0.42]; the server provided a certificate with subject name [CN=remote_cluster], fingerprint [529de35e15666ffaa26afa50876a2a48119db03a], no keyUsage and no extendedKeyUsage; the certificate is valid between [2023-01-29T12:08:37Z] and [2032-08-29T12:08:37Z] (current time is [2023-08-16T23:40:55.464275Z], certificate dates are valid); the session uses cipher suite [TLS_AES_256_GCM_SHA384] and protocol [TLSv1.3]; the certificate has subject alternative names [DNS:localhost,DNS:localhost6.localdomain6,IP:127.0.0.1,IP:0:0:0:0:0:0:0:1,DNS:localhost4,DNS:localhost6,DNS:localhost.localdomain,DNS:localhost4.localdomain4,IP:192.168.0.42]; the certificate is issued by [CN=Elastic Auto RemoteCluster CA] but the server did not provide a copy of the issuing certificate in the certificate chain; this ssl context ([(shared) (with trust configuration: JDK-trusted-certs)]) is not configured to trust that issuer but trusts [97] other issuers
sun.security.validator.ValidatorException: PKIX path building failed: sun.security.provider.certpath.SunCertPathBuilderException: unable to find valid certification path to requested target`
	guideTrustRemote   = `[2023-06-29T09:40:55,478][WARN ][o.e.x.c.s.t.n.SecurityNetty4Transport] [remote-node] client did not trust this server's certificate, closing connection Netty4TcpChannel{localAddress=/192.168.0.42:9443, remoteAddress=/192.168.0.84:57305, profile=_remote_cluster}`
	guidePortSym1Local = `[2023-06-28T12:48:46,575][WARN ][o.e.c.s.DiagnosticTrustManager] [local-node] failed to establish trust with server at [1192.168.0.42]; the server provided a certificate with subject name [CN=transport], fingerprint [c43e628be2a8aaaa4092b82d78f2bc206c492322], no keyUsage and no extendedKeyUsage; the certificate is valid between [2023-01-29T12:05:53Z] and [2032-08-29T12:05:53Z] (current time is [2023-06-28T02:48:46.574738Z], certificate dates are valid); the session uses cipher suite [TLS_AES_256_GCM_SHA384] and protocol [TLSv1.3]; the certificate has subject alternative names [DNS:localhost,DNS:localhost6.localdomain6,IP:127.0.0.1,IP:0:0:0:0:0:0:0:1,DNS:localhost4,DNS:localhost6,DNS:localhost.localdomain,DNS:localhost4.localdomain4,IP:192.168.0.42]; the certificate is issued by [CN=Elastic Auto Transport CA] but the server did not provide a copy of the issuing certificate in the certificate chain; this ssl context ([xpack.security.remote_cluster_client.ssl (with trust configuration: PEM-trust{/rcs2/ssl/remote-cluster-ca.crt})]) is not configured to trust that issuer, it only trusts the issuer [CN=Elastic Auto RemoteCluster CA] with fingerprint [ba2350661f66e46c746c1629f0c4b645a2587ff4]
sun.security.validator.ValidatorException: PKIX path building failed: sun.security.provider.certpath.SunCertPathBuilderException: unable to find valid certification path to requested target`
	guidePortSym1Remote = `[2023-06-28T12:48:46,584][WARN ][o.e.x.c.s.t.n.SecurityNetty4Transport] [remote-node] client did not trust this server's certificate, closing connection Netty4TcpChannel{localAddress=/192.168.0.42:9309, remoteAddress=/192.168.0.84:60810, profile=default}`
	guidePortSym2Local  = `[2023-06-28T12:43:30,705][WARN ][o.e.t.TcpTransport ] [local-node] exception caught on transport layer [Netty4TcpChannel{localAddress=/192.168.0.84:60738, remoteAddress=/192.168.0.42:9309, profile=_remote_cluster}], closing connection
io.netty.handler.codec.DecoderException: javax.net.ssl.SSLHandshakeException: Received fatal alert: bad_certificate`
	guidePortSym2Remote = `[2023-06-28T12:43:30,772][WARN ][o.e.t.TcpTransport ] [remote-node] exception caught on transport layer [Netty4TcpChannel{localAddress=/192.168.0.42:9309, remoteAddress=/192.168.0.84:60783, profile=default}], closing connection
io.netty.handler.codec.DecoderException: javax.net.ssl.SSLHandshakeException: Empty client certificate chain`
	guidePortSym3 = `[2023-06-28T13:04:52,710][WARN ][o.e.t.ProxyConnectionStrategy] [local-node] failed to open any proxy connections to cluster [my]
org.elasticsearch.transport.RemoteTransportException: [remote-node][192.168.0.42:9309][cluster:internal/remote_cluster/handshake]
Caused by: org.elasticsearch.ElasticsearchSecurityException: missing authentication credentials for action [cluster:internal/remote_cluster/handshake]`
	guidePortSym4a = `[2023-06-28T13:07:12,118][WARN ][o.e.t.ProxyConnectionStrategy] [local-node] failed to open any proxy connections to cluster [my]
org.elasticsearch.transport.RemoteTransportException: [remote-node][192.168.0.42:9309][cluster:internal/remote_cluster/handshake]
Caused by: org.elasticsearch.ElasticsearchSecurityException: action [cluster:internal/remote_cluster/handshake] is unauthorized for user [anonymous_foo] with effective roles [reporting_user], this action is granted by the cluster privileges [cross_cluster_search,cross_cluster_replication,manage,all]`
	guidePortSym4b = `[2023-06-28T13:09:52,031][WARN ][o.e.t.ProxyConnectionStrategy] [local-node] failed to open any proxy connections to cluster [my]
org.elasticsearch.transport.RemoteTransportException: [remote-node][192.168.0.42:9309][cluster:internal/remote_cluster/handshake]
Caused by: java.lang.IllegalArgumentException: remote cluster handshake action requires channel profile to be [_remote_cluster], but got [default]`
	guideNoKeyLocal = `[2023-06-28T12:51:06,452][WARN ][o.e.c.s.DiagnosticTrustManager] [local-node] failed to establish trust with server at [<unknown host>]; the server provided a certificate with subject name [CN=remote_cluster], fingerprint [529de35e15666ffaa26afa50876a2a48119db03a], no keyUsage and no extendedKeyUsage; the certificate is valid between [2023-01-29T12:08:37Z] and [2032-08-29T12:08:37Z] (current time is [2023-06-28T02:51:06.451581Z], certificate dates are valid); the session uses cipher suite [TLS_AES_256_GCM_SHA384] and protocol [TLSv1.3]; the certificate has subject alternative names [DNS:localhost,DNS:localhost6.localdomain6,IP:127.0.0.1,IP:0:0:0:0:0:0:0:1,DNS:localhost4,DNS:localhost6,DNS:localhost.localdomain,DNS:localhost4.localdomain4,IP:192.168.0.42]; the certificate is issued by [CN=Elastic Auto RemoteCluster CA] but the server did not provide a copy of the issuing certificate in the certificate chain; this ssl context ([xpack.security.transport.ssl (with trust configuration: PEM-trust{/rcs2/ssl/transport-ca.crt})]) is not configured to trust that issuer, it only trusts the issuer [CN=Elastic Auto Transport CA] with fingerprint [bbe49e3f986506008a70ab651b188c70df104812]
sun.security.validator.ValidatorException: PKIX path building failed: sun.security.provider.certpath.SunCertPathBuilderException: unable to find valid certification path to requested target`
	guideNoKeyRemote = `[2023-06-28T12:52:16,914][WARN ][o.e.x.c.s.t.n.SecurityNetty4Transport] [remote-node] client did not trust this server's certificate, closing connection Netty4TcpChannel{localAddress=/192.168.0.42:9443, remoteAddress=/192.168.0.84:60981, profile=_remote_cluster}`
	guideNoKeyHeader = `[2023-06-28T12:55:40,101][WARN ][o.e.t.SniffConnectionStrategy] [local-node] fetching nodes from external cluster [my] failed
org.elasticsearch.transport.RemoteTransportException: [remote-node][192.168.0.42:9443][cluster:internal/remote_cluster/handshake]
Caused by: java.lang.IllegalArgumentException: Cross cluster requests through the dedicated remote cluster server port require transport header [_cross_cluster_access_credentials] but none found. Please ensure you have configured remote cluster credentials on the cluster originating the request.`
	guideRestKey = `[2023-06-28T13:26:53,962][WARN ][o.e.t.ProxyConnectionStrategy] [local-node] failed to open any proxy connections to cluster [my]
org.elasticsearch.transport.RemoteTransportException: [remote-node][192.168.0.42:9443][cluster:internal/remote_cluster/handshake]
Caused by: org.elasticsearch.ElasticsearchSecurityException: authentication expected API key type of [cross_cluster], but API key [agZXJocBmA2beJfq2yKu] has type [rest]`
	guideInvalidLocal = `[2023-06-28T13:22:58,264][WARN ][o.e.t.ProxyConnectionStrategy] [local-node] failed to open any proxy connections to cluster [my]
org.elasticsearch.transport.RemoteTransportException: [remote-node][192.168.0.42:9443][cluster:internal/remote_cluster/handshake]
Caused by: org.elasticsearch.ElasticsearchSecurityException: unable to authenticate user [agZXJocBmA2beJfq2yKu] for action [cluster:internal/remote_cluster/handshake]`
	guideInvalidRemote = `[2023-06-28T13:24:38,744][WARN ][o.e.x.s.a.ApiKeyAuthenticator] [remote-node] Authentication using apikey failed - invalid credentials for API key [agZXJocBmA2beJfq2yKu]`
)

const (
	gSniff9443 = `{"seeds":["192.168.0.42:9443"]}`
	gProxy9443 = `{"mode":"proxy","proxy_address":"192.168.0.42:9443"}`
	gSniff9309 = `{"seeds":["192.168.0.42:9309"]}`
	gProxy9309 = `{"mode":"proxy","proxy_address":"192.168.0.42:9309"}`
)

func gLink(code string, fix ...string) string {
	return want(code, []string{gLocal, gRemote}, "my", fix...)
}

const (
	fixLocal  = gLocal + "/local-node"
	fixRemote = gRemote + "/remote-node"
)

// The guide's setup with nothing wrong, and only the start lines logged.
func TestR2GuideHealthy(t *testing.T) {
	for _, def := range []string{gSniff9443, gProxy9443} {
		g := newGuide(t, def)
		expect(t, g.s.analyzeUTC(collectOpts{}))
	}
}

// "Remote cluster not reachable", proxy mode, verbatim: the remote node
// never enabled the remote cluster server.
func TestR2GuideProxyConnectServerDisabled(t *testing.T) {
	g := newGuide(t, gProxy9443)
	g.remote.unset("remote_cluster_server.enabled")
	g.logs([]string{guideProxyConnect}, nil)
	ds := expect(t, g.s.analyzeUTC(collectOpts{}), gLink("remote-server-disabled", fixRemote))
	if s := sides(find(ds, "remote-server-disabled")); !s["local:"+fixLocal] || !s["config:"+fixRemote] {
		t.Errorf("want the guide's line and the remote's setting as evidence: %v", s)
	}
}

// "Remote cluster not reachable", sniff mode, verbatim: the remote cluster
// server is on but bound to localhost (remote_cluster.host), which the
// guide names as the reason remote clusters on other machines cannot
// connect.
func TestR2GuideSniffConnectBoundToLoopback(t *testing.T) {
	g := newGuide(t, gSniff9443)
	g.remote.set("remote_cluster.host", "localhost")
	g.logs([]string{guideSniffConnect}, nil)
	ds := expect(t, g.s.analyzeUTC(collectOpts{}), gLink("remote-server-bound-to-loopback", fixRemote))
	if s := sides(find(ds, "remote-server-bound-to-loopback")); !s["local:"+fixLocal] {
		t.Errorf("want the guide's line as evidence: %v", s)
	}
}

// "Remote cluster connection is unreliable", verbatim: in proxy mode ES
// names the connection {<alias>#<proxy address>}; here the alias is
// my-remote, as in the guide's line. The remote node did not restart.
func TestR2GuideClosedByRemote(t *testing.T) {
	g := newGuide(t, gProxy9443)
	g.local.settings = strings.Replace(g.local.settings, `"my"`, `"my-remote"`, 1)
	g.local.secure["cluster.remote.my-remote.credentials"] = g.local.secure["cluster.remote.my.credentials"]
	delete(g.local.secure, "cluster.remote.my.credentials")
	g.logs([]string{guideClosedByRemote}, nil)
	expect(t, g.s.analyzeUTC(collectOpts{}), want("connection-unreliable", []string{gLocal, gRemote}, "my-remote", fixLocal, fixRemote))
}

// "TLS trust not established", verbatim: the local node's remote cluster
// client trusts only the JDK's CAs (the "(shared)" context of the line),
// the remote logs the distrust on _remote_cluster. The guide's fix is
// xpack.security.remote_cluster_client.ssl.certificate_authorities on the
// local node — one diagnosis with that setting.
func TestR2GuideTrustNotEstablished(t *testing.T) {
	g := newGuide(t, gSniff9443)
	g.local.unset("xpack.security.remote_cluster_client.ssl.certificate_authorities")
	delete(g.local.files, "ssl/remote-cluster-ca.crt")
	g.logs([]string{guideTrustLocal}, []string{guideTrustRemote})
	ds := g.s.analyzeUTC(collectOpts{})
	d := find(ds, "tls-untrusted-ca")
	if d == nil {
		expect(t, ds, gLink("tls-untrusted-ca", fixLocal))
		return
	}
	if s := sides(d); !s["local:"+fixLocal] || !s["remote:"+fixRemote] {
		t.Errorf("evidence must pair local-node and remote-node: %v", s)
	}
	_, ok := d.Fix.Settings["xpack.security.remote_cluster_client.ssl.certificate_authorities"]
	known(t, fmt.Sprintf("fix names setting %v, not xpack.security.remote_cluster_client.ssl.certificate_authorities (the line's context is \"(shared)\"); diagnoses %v", d.Fix.Settings, lines(ds)), ok)
	expectOrKnown(t, ds, "JDK-only client trust with the failure logged gives a second diagnosis for the same cause",
		gLink("tls-untrusted-ca", fixLocal))
}

// "Connecting to the transport port", symptom 1, verbatim — including the
// guide's "[1192.168.0.42]" typo, which resolves to nothing: the seeds
// name 9309, the remote's transport.port.
func TestR2GuideTransportPortSymptom1(t *testing.T) {
	g := newGuide(t, gSniff9309)
	g.logs([]string{guidePortSym1Local}, []string{guidePortSym1Remote})
	ds := expect(t, g.s.analyzeUTC(collectOpts{}), gLink("transport-port-instead-of-remote-cluster-port", fixLocal))
	if d := find(ds, "transport-port-instead-of-remote-cluster-port"); d != nil {
		if got := d.Fix.Settings["cluster.remote.my.seeds"]; got != "[192.168.0.42:9443]" {
			t.Errorf("fix seeds %q, want [192.168.0.42:9443]", got)
		}
		if s := sides(d); !s["local:"+fixLocal] || !s["remote:"+fixRemote] {
			t.Errorf("evidence must hold both lines: %v", s)
		}
	}
}

// The same lines when the local cluster's definition is not visible (no
// cluster settings were saved): the lines alone say it.
func TestR2GuideTransportPortSymptom1LogsOnly(t *testing.T) {
	for _, typo := range []bool{false, true} {
		t.Run(fmt.Sprintf("typo=%v", typo), func(t *testing.T) {
			g := newGuide(t, gSniff9309)
			g.local.settings = ""
			local := guidePortSym1Local
			if !typo {
				local = strings.Replace(local, "[1192.168.0.42]", "[192.168.0.42]", 1)
			}
			g.logs([]string{local}, []string{guidePortSym1Remote})
			expectOrKnown(t, g.s.analyzeUTC(collectOpts{}), "logs only: the remote's 'client did not trust' on profile default from the local node's address is not paired; the remote cluster stays unknown",
				gLink("transport-port-instead-of-remote-cluster-port", fixLocal))
		})
	}
}

// Symptom 2, verbatim (the guide's "[o.e.t.TcpTransport ]" padding): one
// CA for both interfaces, bad_certificate on the local node, Empty client
// certificate chain on the remote's default profile.
func TestR2GuideTransportPortSymptom2(t *testing.T) {
	g := newGuide(t, gSniff9309)
	g.logs([]string{guidePortSym2Local}, []string{guidePortSym2Remote})
	ds := expect(t, g.s.analyzeUTC(collectOpts{}), gLink("transport-port-instead-of-remote-cluster-port", fixLocal))
	if s := sides(find(ds, "transport-port-instead-of-remote-cluster-port")); !s["local:"+fixLocal] || !s["remote:"+fixRemote] {
		t.Errorf("want both lines as evidence: %v", s)
	}
}

// Symptoms 3 and 4, verbatim, proxy mode: missing authentication, the
// anonymous user without privileges, and a superuser anonymous (channel
// profile) — one diagnosis.
func TestR2GuideTransportPortSymptoms3And4(t *testing.T) {
	g := newGuide(t, gProxy9309)
	g.logs([]string{guidePortSym3, guidePortSym4a, guidePortSym4b}, nil)
	ds := expect(t, g.s.analyzeUTC(collectOpts{}), gLink("transport-port-instead-of-remote-cluster-port", fixLocal))
	if d := find(ds, "transport-port-instead-of-remote-cluster-port"); d != nil {
		if got := d.Fix.Settings["cluster.remote.my.proxy_address"]; got != "192.168.0.42:9443" {
			t.Errorf("fix %v, want cluster.remote.my.proxy_address 192.168.0.42:9443", d.Fix.Settings)
		}
		if d.Count != 3 {
			t.Errorf("count %d, want 3", d.Count)
		}
	}
}

// "Connecting without a cross-cluster API key", symptoms 1 and 2,
// verbatim: the trust failure at [<unknown host>] in the transport
// context, the remote's distrust on _remote_cluster, and the missing
// header. The local keystore has no credentials.
func TestR2GuideNoCrossClusterKey(t *testing.T) {
	g := newGuide(t, gSniff9443)
	delete(g.local.secure, "cluster.remote.my.credentials")
	g.logs([]string{guideNoKeyLocal, guideNoKeyHeader}, []string{guideNoKeyRemote})
	ds := expect(t, g.s.analyzeUTC(collectOpts{}), gLink("missing-cross-cluster-credentials", fixLocal))
	if s := sides(find(ds, "missing-cross-cluster-credentials")); !s["local:"+fixLocal] || !s["remote:"+fixRemote] {
		t.Errorf("want the local and the remote lines as evidence: %v", s)
	}
}

// "Using the wrong API key type", verbatim: the local keystore holds a REST
// key whose id is the one in the line.
func TestR2GuideRestKey(t *testing.T) {
	g := newGuide(t, gProxy9443)
	g.local.secure["cluster.remote.my.credentials"] = apiKey{"agZXJocBmA2beJfq2yKu", "CANARY-SECRET-rest-secret"}.encoded()
	g.logs([]string{guideRestKey}, nil)
	expect(t, g.s.analyzeUTC(collectOpts{}), gLink("rest-api-key-instead-of-cross-cluster", fixLocal))
}

// "Invalid API key", verbatim on both sides.
func TestR2GuideInvalidKey(t *testing.T) {
	g := newGuide(t, gProxy9443)
	g.logs([]string{guideInvalidLocal}, []string{guideInvalidRemote})
	ds := expect(t, g.s.analyzeUTC(collectOpts{}), gLink("invalid-api-key", fixLocal))
	if s := sides(find(ds, "invalid-api-key")); !s["local:"+fixLocal] || !s["remote:"+fixRemote] {
		t.Errorf("want both sides: %v", s)
	}
}
