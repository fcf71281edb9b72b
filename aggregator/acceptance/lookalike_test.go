package acceptance_test

import (
	"fmt"
	"testing"
	"time"
)

// HTTP-layer TLS errors on both clusters (a client with the wrong CA, curl
// over plain http, Kibana distrusting the HTTP certificate, a reindex from
// remote failing to connect): none is a remote-cluster symptom.
func TestLookalikeHTTPLayerTLS(t *testing.T) {
	for _, layout := range []string{"plain", "ecs"} {
		t.Run(layout, func(t *testing.T) {
			tp := newTopo(t, style{def: "yml-flat", layout: layout})
			l1, r1 := tp.n("local-1"), tp.n("remote-1")
			l1.log(
				rec{t: at(time.Hour), level: "WARN", logger: lHTTPSrv, msg: fmt.Sprintf("http client did not trust this server's certificate, closing connection Netty4HttpChannel{localAddress=/%s:9200, remoteAddress=/127.0.99.5:51812}", l1.ip)},
				rec{t: at(time.Hour + time.Second), level: "WARN", logger: lHTTPSrv, msg: fmt.Sprintf("received plaintext http traffic on an https channel, closing connection Netty4HttpChannel{localAddress=/%s:9200, remoteAddress=/127.0.99.5:51813}", l1.ip)},
				rec{t: at(time.Hour + 2*time.Second), level: "WARN", logger: lHTTP, msg: fmt.Sprintf("caught exception while handling client http traffic, closing connection Netty4HttpChannel{localAddress=/%s:9200, remoteAddress=/127.0.99.6:40022}", l1.ip),
					exc: []string{"io.netty.handler.codec.DecoderException: javax.net.ssl.SSLHandshakeException: Received fatal alert: bad_certificate",
						"\tat io.netty.handler.codec.ByteToMessageDecoder.callDecode(ByteToMessageDecoder.java:499) ~[?:?]",
						"Caused by: javax.net.ssl.SSLHandshakeException: Received fatal alert: bad_certificate"}},
			)
			r1.log(
				rec{t: at(time.Hour), level: "WARN", logger: lTrust, msg: "failed to establish trust with client at [127.0.99.7]; the client provided a certificate with subject name [CN=kibana], fingerprint [0b4f6a3f0d1e0f4c9f3c2b7d6e5a4b3c2d1e0f9a], keyUsage [digitalSignature, keyEncipherment] and extendedKeyUsage [clientAuth]; the certificate is valid between [2023-01-01T00:00:00Z] and [2026-01-01T00:00:00Z] (current time is [2023-06-28T10:00:00.000Z], certificate dates are valid); the session uses cipher suite [TLS_AES_256_GCM_SHA384] and protocol [TLSv1.3]; the certificate is issued by [CN=Kibana CA] but the client did not provide a copy of the issuing certificate in the certificate chain; this ssl context ([xpack.security.http.ssl (with trust configuration: Composite-Trust{JDK-trusted-certs,StoreTrustConfig{path=certs/http.p12, password=<non-empty>, type=PKCS12, algorithm=PKIX}})]) is not configured to trust that issuer but trusts [97] other issuers",
					exc: []string{pkixPathBuilding}},
				rec{t: at(2 * time.Hour), level: "WARN", logger: "org.elasticsearch.reindex.remote.RemoteScrollableHitSource", msg: "failed to connect to remote host for reindex from remote",
					exc: []string{"java.net.ConnectException: Connection refused", "\tat org.apache.http.nio.pool.RouteSpecificPool.timeout(RouteSpecificPool.java:169) ~[?:?]"}},
			)
			expect(t, tp.s.analyze())
		})
	}
}

// "closed by remote" explained by the remote node's restart at that time.
func TestLookalikeClosedByRemoteRestart(t *testing.T) {
	tp := newTopo(t, style{def: "settings-nested", layout: "both", nRemote: 3})
	r2 := tp.n("remote-2")
	restart := at(4 * time.Hour)
	r2.log(stopLines(restart)...)
	r2.log(startLines(restart.Add(40*time.Second), "8.13.4", r2.cluster, r2.name, r2.ip, r2.transportPort, r2.httpPort)...)
	for _, l := range tp.local {
		l.log(closedByRemote(restart.Add(time.Second), "remote-2", r2.ip, r2.ipRC()))
	}
	expect(t, tp.s.analyze())
}

// A connect_exception logged before the local node's latest restart is
// history: the node restarted (with the fixed seeds) and is fine since.
func TestLookalikeConnectExceptionBeforeRestart(t *testing.T) {
	tp := newTopo(t, style{def: "yml-nested", layout: "ecs", noStart: true})
	for _, e := range append(append([]*es{}, tp.local...), tp.remote...) {
		if e.cluster == "local" {
			e.log(startLines(at(-2*time.Hour), "8.13.4", e.cluster, e.name, e.ip, e.transportPort, e.httpPort)...)
			for i := 0; i < 5; i++ {
				e.log(connectFailed(at(-time.Hour+time.Duration(i)*time.Minute), "sniff", "my", "127.0.20.1:9400"))
			}
			e.log(stopLines(at(-10 * time.Minute))...)
		}
		e.log(startLines(at(0), "8.13.4", e.cluster, e.name, e.ip, e.transportPort, e.httpPort)...)
	}
	expect(t, tp.s.analyze())
}

// S3 "Access Denied" (an IAM policy problem) with no keys in any keystore:
// not stale keystore credentials. Also a 7.x node's JSON log.
func TestLookalikeS3AccessDenied(t *testing.T) {
	s := newSite(t)
	for i := 1; i <= 3; i++ {
		n := s.node("backup", fmt.Sprintf("backup-%d", i))
		n.set("network.host", fmt.Sprintf("127.0.40.%d", i)).set("xpack.security.enabled", "false")
		n.layout = "json7"
		n.log(startLines(at(0), "7.17.9", "backup", n.name, fmt.Sprintf("127.0.40.%d", i), 9300, 9200)...)
	}
	s.find("backup", "backup-1").log(restFailure(at(time.Hour), "/_snapshot/s3_repo/_verify",
		"org.elasticsearch.repositories.RepositoryVerificationException: [s3_repo] path  is not accessible on master node",
		"Caused by: java.io.IOException: Unable to upload object [tests-abc/master.dat] using a single upload",
		"Caused by: com.amazonaws.services.s3.model.AmazonS3Exception: Access Denied (Service: Amazon S3; Status Code: 403; Error Code: AccessDenied; Request ID: 7Q2GXK9W1M3PZ8RT; S3 Extended Request ID: b3BfZ2xvYmFsX2lkX2Zvcl90ZXN0cw==; Proxy: null)"))
	expect(t, s.analyze())
}

// A "closed by remote" about a member of the node's own cluster (a node of
// the same cluster restarted) is not a remote-cluster connection problem.
func TestLookalikeClosedByRemoteSameCluster(t *testing.T) {
	tp := newTopo(t, style{def: "yml-flat", nLocal: 3})
	l2 := tp.n("local-2")
	tp.n("local-1").log(closedByRemote(at(3*time.Hour), "local-2", l2.ip, l2.ipTransport()))
	expect(t, tp.s.analyze())
}

// A settings update cancels a connection attempt: the same WARN with
// ExecutionCancelledException [connect handler is closed] is not a
// connectivity problem.
func TestLookalikeConnectCancelled(t *testing.T) {
	tp := newTopo(t, style{def: "settings-nested"})
	tp.n("local-1").log(rec{t: at(time.Hour), level: "WARN", logger: lSniff, msg: "fetching nodes from external cluster [my] failed",
		exc: []string{"org.elasticsearch.common.util.CancellableThreads$ExecutionCancelledException: operation was cancelled reason [connect handler is closed]",
			"\tat org.elasticsearch.common.util.CancellableThreads.checkForCancel(CancellableThreads.java:65) ~[elasticsearch-8.13.4.jar:8.13.4]"}})
	expect(t, tp.s.analyze())
}
