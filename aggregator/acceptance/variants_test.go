package acceptance_test

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/esdoctor/esdoctor/internal/testkit/certgen"
)

// An enterprise PKI: the remote cluster server certificates are issued by
// an intermediate CA (the p12 holds leaf + intermediate + root, as
// certutil/openssl export it); the local nodes trust only the root. Java
// builds the path through the intermediate the server sends: healthy.
func TestHealthyIntermediateCA(t *testing.T) {
	tp := newTopo(t, style{def: "settings-nested", nRemote: 3})
	root := tp.remoteCA
	inter := mustLeaf(t, root, "Remote Issuing CA 01", certgen.AsCA()).Authority()
	for _, r := range tp.remote {
		r.server = mustLeaf(t, inter, r.name, certgen.DNS(r.name), certgen.IPs(r.ip))
		r.files["cross-cluster.p12"] = mustP12(t, ccPW, certgen.KeyEntry("instance", r.server), certgen.TrustedEntry("ca", root.Cert))
	}
	expect(t, tp.s.analyze())
}

// The same PKI, the local nodes trusting only the intermediate (Java
// accepts any certificate of the path as a trust anchor): healthy.
func TestHealthyTrustIntermediateOnly(t *testing.T) {
	tp := newTopo(t, style{def: "yml-flat"})
	inter := mustLeaf(t, tp.remoteCA, "Remote Issuing CA 02", certgen.AsCA()).Authority()
	for _, r := range tp.remote {
		r.server = mustLeaf(t, inter, r.name, certgen.IPs(r.ip))
		r.files["cross-cluster.p12"] = mustP12(t, ccPW, certgen.KeyEntry("instance", r.server))
	}
	for _, l := range tp.local {
		l.files["remote-cluster-ca.crt"] = certgen.PEMCerts(inter.Cert)
	}
	expect(t, tp.s.analyze())
}

// The remote cluster server with PEM files (certificate chain + key, the
// key's passphrase in the keystore) and the local client trusting through a
// PKCS#12 truststore; the remote's yml written with nested maps.
func TestHealthyPEMServerAndTruststoreClient(t *testing.T) {
	tp := newTopo(t, style{def: "settings-flat"})
	for _, r := range tp.remote {
		r.unset("remote_cluster_server.enabled").unset("remote_cluster.host").unset("xpack.security.remote_cluster_server.ssl.enabled").unset("xpack.security.remote_cluster_server.ssl.keystore.path")
		delete(r.files, "cross-cluster.p12")
		delete(r.secure, "xpack.security.remote_cluster_server.ssl.keystore.secure_password")
		key, err := certgen.EncryptedKeyPEM(r.server.Key, "CANARY-SECRET-keypass")
		if err != nil {
			t.Fatal(err)
		}
		r.files["certs/rcs/node.crt"] = certgen.PEMCerts(r.server.Cert, tp.remoteCA.Cert)
		r.files["certs/rcs/node.key"] = key
		r.secure["xpack.security.remote_cluster_server.ssl.secure_key_passphrase"] = "CANARY-SECRET-keypass"
		r.block(fmt.Sprintf(`remote_cluster_server:
  enabled: true
remote_cluster:
  host: %s
  port: 9443
xpack:
  security:
    remote_cluster_server:
      ssl:
        enabled: true
        certificate: certs/rcs/node.crt
        key: certs/rcs/node.key`, r.ip))
	}
	for _, l := range tp.local {
		l.unset("xpack.security.remote_cluster_client.ssl.certificate_authorities")
		delete(l.files, "remote-cluster-ca.crt")
		l.files["remote-truststore.p12"] = mustP12(t, "CANARY-SECRET-trust", certgen.TrustedEntry("remote-ca", tp.remoteCA.Cert))
		l.secure["xpack.security.remote_cluster_client.ssl.truststore.secure_password"] = "CANARY-SECRET-trust"
		l.set("xpack.security.remote_cluster_client.ssl.truststore.path", "remote-truststore.p12")
	}
	expect(t, tp.s.analyze())
}

// Proxy mode through a load balancer that is not an Elasticsearch node:
// nothing is known at the proxy address and nothing is wrong.
func TestHealthyProxyBehindLoadBalancer(t *testing.T) {
	tp := newTopo(t, style{def: "settings-nested", mode: "proxy"})
	tp.defineSeeds([]string{"127.0.70.1:9443"})
	expect(t, tp.s.analyze())
}

// The yml was edited after the first start, but the node restarted after
// the edit: the running node uses the file. Healthy.
func TestHealthyConfigChangedThenRestarted(t *testing.T) {
	tp, start := recentTopo(t, style{def: "yml-nested"})
	l1 := tp.n("local-1")
	l1.mtimes["elasticsearch.yml"] = start.Add(30 * time.Minute)
	l1.log(stopLines(start.Add(time.Hour))...)
	l1.log(startLines(start.Add(time.Hour+time.Minute), "8.13.4", l1.cluster, l1.name, l1.ip, 9300, 9200)...)
	l1.log(rec{t: time.Now().UTC().Add(-5 * time.Minute), level: "INFO", logger: "org.elasticsearch.cluster.service.ClusterApplierService", msg: "master node changed {previous [], current [{local-2}{id-local-2}]}"})
	expect(t, tp.s.analyze())
}

// invalid-api-key, remote logs only, the other reasons ES gives: the key
// was invalidated (remote-1) and then deleted (remote-2, "unable to find
// apikey with id X" without brackets). Every local node holds it.
func TestInvalidKeyInvalidatedAndDeletedRemoteOnly(t *testing.T) {
	tp := newTopo(t, style{def: "yml-flat", layout: "ecs", nLocal: 3})
	tp.n("remote-1").log(rec{t: at(time.Hour), level: "WARN", logger: lApiKey, msg: fmt.Sprintf("Authentication using apikey failed - api key [%s] has been invalidated", tp.key.id)})
	tp.n("remote-2").log(rec{t: at(2 * time.Hour), level: "WARN", logger: lApiKey, msg: fmt.Sprintf("Authentication using apikey failed - unable to find apikey with id %s", tp.key.id)})
	expect(t, tp.s.analyze(), "invalid-api-key [local,remote] alias=my fix=local/local-1,local/local-2,local/local-3")
}

// Look-alike: a REST login failure of an ordinary user is not an API key
// problem.
func TestLookalikeRESTAuthenticationFailure(t *testing.T) {
	tp := newTopo(t, style{def: "settings-nested"})
	tp.n("local-1").log(restFailure(at(time.Hour), "/_security/_authenticate",
		"org.elasticsearch.ElasticsearchSecurityException: unable to authenticate user [kibana_system] for REST request [/_security/_authenticate]"))
	tp.n("remote-1").log(rec{t: at(time.Hour), level: "WARN", logger: "org.elasticsearch.xpack.security.authc.RealmsAuthenticator", msg: "Authentication to realm file1 failed - Password authentication failed for kibana_system"})
	expect(t, tp.s.analyze())
}

// transport-port-instead-of-remote-cluster-port, logs (guide symptom 4a):
// anonymous access on the remote without the privilege; yml definition.
func TestTransportPortAnonymousUnauthorized(t *testing.T) {
	tp := newTopo(t, style{def: "yml-flat", layout: "plain"})
	r2 := tp.n("remote-2")
	tp.defineSeeds([]string{tp.n("remote-1").transportAddr(), r2.transportAddr()})
	tp.n("local-2").log(handshakeFailed(at(time.Hour), "sniff", "my", "remote-2", r2.ipTransport(), causeAnonymous))
	expect(t, tp.s.analyze(), "transport-port-instead-of-remote-cluster-port [local,remote] alias=my fix=local/local-1,local/local-2")
}

// remote-server-disabled, logs: 8.x proxy mode's own error naming the
// address, with every remote node's server off.
func TestServerDisabledEverywhereProxyLogs(t *testing.T) {
	tp := newTopo(t, style{def: "settings-flat", mode: "proxy", layout: "plain"})
	for _, r := range tp.remote {
		r.unset("remote_cluster_server.enabled").unset("xpack.security.remote_cluster_server.ssl.enabled").unset("xpack.security.remote_cluster_server.ssl.keystore.path").unset("remote_cluster.host")
		delete(r.files, "cross-cluster.p12")
		delete(r.secure, "xpack.security.remote_cluster_server.ssl.keystore.secure_password")
	}
	r1 := tp.n("remote-1")
	tp.n("local-1").log(rec{t: at(time.Hour), level: "WARN", logger: lProxy, msg: "failed to open any proxy connections to cluster [my]",
		exc: []string{fmt.Sprintf("org.elasticsearch.transport.NoSeedNodeLeftException: Unable to open any proxy connections to cluster [my] at address [%s]", r1.ipRC()),
			"\tat org.elasticsearch.transport.ProxyConnectionStrategy.getNoSeedNodeLeftException(ProxyConnectionStrategy.java:284) ~[elasticsearch-8.13.4.jar:8.13.4]",
			fmt.Sprintf("\tSuppressed: org.elasticsearch.transport.ConnectTransportException: [][%s] connect_exception", r1.ipRC()),
			fmt.Sprintf("\tCaused by: java.net.ConnectException: Connection refused: /%s", r1.ipRC())}})
	expect(t, tp.s.analyze(), "remote-server-disabled [local,remote] alias=my fix=remote/remote-1,remote/remote-2")
}

// Look-alike: a rolling restart of the remote cluster. While remote-1 was
// down (stopping ... started) the local nodes logged connect_exception to
// it; it came back with the same configuration and nothing failed since.
func TestLookalikeConnectExceptionDuringRemoteRestart(t *testing.T) {
	tp := newTopo(t, style{def: "settings-nested", layout: "both"})
	r1 := tp.n("remote-1")
	down := at(5 * time.Hour)
	r1.log(stopLines(down)...)
	r1.log(startLines(down.Add(50*time.Second), "8.13.4", r1.cluster, r1.name, r1.ip, 9300, 9200)...)
	for _, l := range tp.local {
		for i := 0; i < 3; i++ {
			l.log(connectFailed(down.Add(time.Duration(5+15*i)*time.Second), "sniff", "my", r1.ipRC()))
		}
		l.log(rec{t: down.Add(2 * time.Hour), level: "INFO", logger: "org.elasticsearch.cluster.metadata.MetadataCreateIndexService", msg: "[logs-2023.06.29] creating index, cause [auto(bulk api)], templates [logs], shards [1]/[1]"})
	}
	expect(t, tp.s.analyze())
}

// Two faults on one link: the local cluster uses API keys but its seeds
// name the transport port, and the remote never enabled its remote cluster
// server. Fixing the seeds alone would only trade one failure for another:
// both are reported.
func TestTransportPortAndServerDisabled(t *testing.T) {
	tp := newTopo(t, style{def: "yml-flat"})
	for _, r := range tp.remote {
		r.unset("remote_cluster_server.enabled").unset("xpack.security.remote_cluster_server.ssl.enabled").unset("xpack.security.remote_cluster_server.ssl.keystore.path").unset("remote_cluster.host")
		delete(r.files, "cross-cluster.p12")
		delete(r.secure, "xpack.security.remote_cluster_server.ssl.keystore.secure_password")
	}
	tp.defineSeeds([]string{tp.n("remote-1").transportAddr(), tp.n("remote-2").transportAddr()})
	r1 := tp.n("remote-1")
	tp.n("local-1").log(handshakeFailed(at(time.Hour), "sniff", "my", "remote-1", r1.ipTransport(), causeMissingAuth))
	expect(t, tp.s.analyze(),
		"remote-server-disabled [local,remote] alias=my fix=remote/remote-1,remote/remote-2",
		"transport-port-instead-of-remote-cluster-port [local,remote] alias=my fix=local/local-1,local/local-2")
}

// Logs as users paste them: the exception on the same line as the WARN
// (the one-line form of GH #107381) in a plain log. Still the same
// connect_exception; the seeds name a port where nothing listens.
func TestUnreachableOneLineForm(t *testing.T) {
	tp := newTopo(t, style{def: "yml-flat", nLocal: 2})
	tp.defineSeeds([]string{"127.0.20.1:9301"})
	l1 := tp.n("local-1")
	l1.log(rec{t: at(time.Hour), level: "WARN", logger: lSniff, msg: "fetching nodes from external cluster [my] failed org.elasticsearch.transport.ConnectTransportException: [][127.0.20.1:9301] connect_exception"})
	expect(t, tp.s.analyze(), "remote-unreachable [local,remote] alias=my fix=local/local-1,local/local-2")
}

// The evidence is in yesterday's rotated, gzipped log (the node did not
// restart since): local-2 still lacks the key and logged the missing
// header before midnight.
func TestMissingCredentialsInRotatedLog(t *testing.T) {
	tp := newTopo(t, style{def: "settings-nested"})
	l2, r1 := tp.n("local-2"), tp.n("remote-1")
	delete(l2.secure, "cluster.remote.my.credentials")
	var b strings.Builder
	for _, r := range startLines(at(0), "8.13.4", "local", "local-2", l2.ip, 9300, 9200) {
		b.WriteString(r.render("plain", "local", "local-2") + "\n")
	}
	b.WriteString(handshakeFailed(at(14*time.Hour), "sniff", "my", "remote-1", r1.ipRC(), causeNoHeader).render("plain", "local", "local-2") + "\n")
	l2.records = nil
	l2.extraLogs["local-2023-06-28-1.log.gz"] = gz(t, b.String())
	l2.log(rec{t: at(16 * time.Hour), level: "INFO", logger: "org.elasticsearch.cluster.routing.allocation.AllocationService", msg: `current.health="GREEN"`})
	// the next day's file holds only routine lines
	ds := expect(t, tp.s.analyze(), "missing-cross-cluster-credentials [local,remote] alias=my fix=local/local-2")
	if s := sides(find(ds, "missing-cross-cluster-credentials")); !s["local:local/local-2"] {
		t.Errorf("the rotated log's line must be evidence: %v", s)
	}
}
