package acceptance_test

import (
	"fmt"
	"testing"
	"time"
)

// transport-port-instead-of-remote-cluster-port, logs (guide symptom 1,
// separate CAs) plus configuration: the saved cluster settings name the
// transport port; local-1 does not trust the transport certificate in its
// remote_cluster_client context and remote-1 logs it on profile default.
func TestTransportPortTrustFailureLogs(t *testing.T) {
	tp := newTopo(t, style{def: "settings-nested", layout: "plain"})
	tp.defineSeeds([]string{tp.n("remote-1").transportAddr(), tp.n("remote-2").transportAddr()})
	l1, r1 := tp.n("local-1"), tp.n("remote-1")
	tr := serverTrust(r1, r1.transport, r1.ip, "xpack.security.remote_cluster_client.ssl (with trust configuration: PEM-trust{/rcs2/ssl/remote-cluster-ca.crt})",
		fmt.Sprintf("is not configured to trust that issuer, it only trusts the issuer [%s] with fingerprint [%s]", tp.remoteCA.Cert.Subject, sha1Hex(tp.remoteCA.Cert)))
	l1.log(tr.rec(at(time.Hour)))
	r1.log(clientDidNotTrust(at(time.Hour), r1.ipTransport(), l1.ip+":60810", "default"))
	ds := expect(t, tp.s.analyze(), "transport-port-instead-of-remote-cluster-port [local,remote] alias=my fix=local/local-1,local/local-2")
	if d := find(ds, "transport-port-instead-of-remote-cluster-port"); d != nil {
		if got := d.Fix.Settings["cluster.remote.my.seeds"]; got != "[127.0.20.1:9443, 127.0.20.2:9443]" {
			t.Errorf("fix seeds %q", got)
		}
	}
}

// transport-port-instead-of-remote-cluster-port, logs only: the remote is
// defined through the API and no settings were saved; local-2's trust
// failure names the remote's transport certificate by subject and issuer
// (the fingerprint in the line is the one from the guide, not computable
// by the tester), and remote-1 logs the distrust on profile default.
func TestTransportPortLogsOnlyByIssuer(t *testing.T) {
	tp := newTopo(t, style{def: "invisible", layout: "plain", nLocal: 3})
	l2, r1 := tp.n("local-2"), tp.n("remote-1")
	tr := serverTrust(r1, r1.transport, r1.ip, "xpack.security.remote_cluster_client.ssl (with trust configuration: PEM-trust{/etc/elasticsearch/remote-cluster-ca.crt})",
		fmt.Sprintf("is not configured to trust that issuer, it only trusts the issuer [%s] with fingerprint [ba2350661f66e46c746c1629f0c4b645a2587ff4]", tp.remoteCA.Cert.Subject))
	tr.fingerprint = "c43e628be2a8aaaa4092b82d78f2bc206c492322"
	l2.log(tr.rec(at(time.Hour)))
	r1.log(clientDidNotTrust(at(time.Hour), r1.ipTransport(), l2.ip+":60810", "default"))
	expect(t, tp.s.analyze(), "transport-port-instead-of-remote-cluster-port [local,remote] alias=my fix=local/local-2")
}

// transport-port-instead-of-remote-cluster-port, logs (guide symptom 2,
// shared CA) in ECS JSON: bad_certificate on local-2, Empty client
// certificate chain on remote-2's default profile; seeds by host name on
// the transport port in the yml.
func TestTransportPortBadCertificateECS(t *testing.T) {
	tp := newTopo(t, style{def: "yml-nested", hosts: "names", layout: "ecs"})
	tp.defineSeeds([]string{tp.n("remote-1").transportAddr(), tp.n("remote-2").transportAddr()})
	l2, r2 := tp.n("local-2"), tp.n("remote-2")
	l2.log(transportException(at(time.Hour), l2.ip+":60738", r2.ipTransport(), "_remote_cluster", "Received fatal alert: bad_certificate"))
	r2.log(transportException(at(time.Hour), r2.ipTransport(), l2.ip+":60738", "default", "Empty client certificate chain"))
	expect(t, tp.s.analyze(), "transport-port-instead-of-remote-cluster-port [local,remote] alias=my fix=local/local-1,local/local-2")
}

// transport-port-instead-of-remote-cluster-port, logs (guide symptoms 3
// and 4): missing authentication credentials on local-1 and the channel
// profile error on local-2, proxy mode, definition not visible.
func TestTransportPortHandshakeErrorsInvisible(t *testing.T) {
	tp := newTopo(t, style{def: "invisible", mode: "proxy", layout: "ecs"})
	r1 := tp.n("remote-1")
	tp.n("local-1").log(handshakeFailed(at(time.Hour), "proxy", "my", "remote-1", r1.ipTransport(), causeMissingAuth))
	tp.n("local-2").log(handshakeFailed(at(time.Hour), "proxy", "my", "remote-1", r1.ipTransport(), causeProfile))
	expect(t, tp.s.analyze(), "transport-port-instead-of-remote-cluster-port [local,remote] alias=my fix=local/local-1,local/local-2")
}

// transport-port-instead-of-remote-cluster-port, configuration alone, one
// machine: the seeds name remote-1's transport.port on 127.0.0.1.
func TestTransportPortSingleHostConfig(t *testing.T) {
	tp := newTopo(t, style{def: "yml-flat", hosts: "single", nLocal: 3})
	tp.defineSeeds([]string{tp.n("remote-1").transportAddr()})
	expect(t, tp.s.analyze(), "transport-port-instead-of-remote-cluster-port [local,remote] alias=my fix=local/local-1,local/local-2,local/local-3")
}

// missing-cross-cluster-credentials, configuration alone: two of three
// local nodes never got the key.
func TestMissingCredentialsTwoNodesConfig(t *testing.T) {
	tp := newTopo(t, style{def: "yml-flat", nLocal: 3})
	delete(tp.n("local-1").secure, "cluster.remote.my.credentials")
	delete(tp.n("local-3").secure, "cluster.remote.my.credentials")
	expect(t, tp.s.analyze(), "missing-cross-cluster-credentials [local,remote] alias=my fix=local/local-1,local/local-3")
}

// missing-cross-cluster-credentials, logs (guide "connecting without a
// cross-cluster API key", symptom 2): local-2 logs the missing transport
// header; the remote is defined through the API (not visible).
func TestMissingCredentialsHeaderLogs(t *testing.T) {
	tp := newTopo(t, style{def: "invisible", layout: "both", nLocal: 3})
	l2 := tp.n("local-2")
	delete(l2.secure, "cluster.remote.my.credentials")
	r2 := tp.n("remote-2")
	l2.log(handshakeFailed(at(time.Hour), "sniff", "my", "remote-2", r2.ipRC(), causeNoHeader))
	expect(t, tp.s.analyze(), "missing-cross-cluster-credentials [local,remote] alias=my fix=local/local-2")
}

// missing-cross-cluster-credentials, logs (guide symptom 1): no local node
// has the key, so they use the transport ssl context against the remote
// cluster port: trust failure at [<unknown host>] and the remote's distrust
// on _remote_cluster.
func TestMissingCredentialsTransportContextLogs(t *testing.T) {
	tp := newTopo(t, style{def: "settings-nested", layout: "plain"})
	for _, l := range tp.local {
		delete(l.secure, "cluster.remote.my.credentials")
	}
	l1, r1 := tp.n("local-1"), tp.n("remote-1")
	ctx := "xpack.security.transport.ssl (with trust configuration: StoreTrustConfig{path=certs/transport.p12, password=<non-empty>, type=PKCS12, algorithm=PKIX})"
	tr := serverTrust(r1, r1.server, "<unknown host>", ctx, fmt.Sprintf("is not configured to trust that issuer, it only trusts the issuer [%s] with fingerprint [%s]", tp.localTCA.Cert.Subject, sha1Hex(tp.localTCA.Cert)))
	l1.log(tr.rec(at(time.Hour)))
	r1.log(clientDidNotTrust(at(time.Hour+time.Second), r1.ipRC(), l1.ip+":60981", "_remote_cluster"))
	expect(t, tp.s.analyze(), "missing-cross-cluster-credentials [local,remote] alias=my fix=local/local-1,local/local-2")
}

// missing-cross-cluster-credentials, configuration alone: every local node
// stored the key under another alias than the one the cluster settings
// define. One diagnosis for the defined alias, nothing for the stray one.
func TestMissingCredentialsWrongAliasEverywhere(t *testing.T) {
	tp := newTopo(t, style{def: "settings-flat"})
	for _, l := range tp.local {
		delete(l.secure, "cluster.remote.my.credentials")
		l.secure["cluster.remote.my_remote.credentials"] = tp.key.encoded()
	}
	expect(t, tp.s.analyze(), "missing-cross-cluster-credentials [local,remote] alias=my fix=local/local-1,local/local-2")
}

// rest-api-key-instead-of-cross-cluster, logs (plain, proxy): every local
// node holds the REST key; one logs the wrong type.
func TestRestKeyEverywhereLogs(t *testing.T) {
	tp := newTopo(t, style{def: "yml-flat", mode: "proxy", nLocal: 3})
	for _, l := range tp.local {
		l.secure["cluster.remote.my.credentials"] = restKey.encoded()
	}
	r1 := tp.n("remote-1")
	tp.n("local-3").log(handshakeFailed(at(time.Hour), "proxy", "my", "remote-1", r1.ipRC(), fmt.Sprintf(restKeyCauseFmt, restKey.id)))
	expect(t, tp.s.analyze(), "rest-api-key-instead-of-cross-cluster [local,remote] alias=my fix=local/local-1,local/local-2,local/local-3")
}

// rest-api-key-instead-of-cross-cluster, logs (ECS), definition invisible:
// only local-1 got the REST key; the others hold the cross-cluster key.
func TestRestKeyOneNodeECSInvisible(t *testing.T) {
	tp := newTopo(t, style{def: "invisible", layout: "ecs", nLocal: 3})
	l1, r2 := tp.n("local-1"), tp.n("remote-2")
	l1.secure["cluster.remote.my.credentials"] = restKey.encoded()
	for i := 0; i < 4; i++ {
		l1.log(handshakeFailed(at(time.Hour+time.Duration(i)*time.Minute), "sniff", "my", "remote-2", r2.ipRC(), fmt.Sprintf(restKeyCauseFmt, restKey.id)))
	}
	expect(t, tp.s.analyze(), "rest-api-key-instead-of-cross-cluster [local,remote] alias=my fix=local/local-1")
}

// invalid-api-key, logs on both sides, seeds by host name: the key was
// invalidated on the remote; every local node holds it.
func TestInvalidKeyBothSides(t *testing.T) {
	tp := newTopo(t, style{def: "settings-nested", hosts: "names", layout: "plain"})
	r2 := tp.n("remote-2")
	tp.n("local-1").log(handshakeFailed(at(time.Hour), "sniff", "my", "remote-2", r2.ipRC(), fmt.Sprintf(unableToAuthCause, tp.key.id)))
	r2.log(invalidCredentials(at(time.Hour), tp.key.id))
	ds := expect(t, tp.s.analyze(), "invalid-api-key [local,remote] alias=my fix=local/local-1,local/local-2")
	if s := sides(find(ds, "invalid-api-key")); !s["local"] || !s["remote"] {
		t.Errorf("want both sides: %v", s)
	}
}

// invalid-api-key, logs: local-3 holds a stale secret for the same key id;
// its log (plain) and the remote's (ECS) show the failure.
func TestInvalidKeyStaleSecretOneNode(t *testing.T) {
	tp := newTopo(t, style{def: "yml-nested", nLocal: 3})
	l3, r1 := tp.n("local-3"), tp.n("remote-1")
	l3.secure["cluster.remote.my.credentials"] = apiKey{tp.key.id, "CANARY-SECRET-stale"}.encoded()
	r1.layout = "ecs"
	l3.log(handshakeFailed(at(time.Hour), "sniff", "my", "remote-1", r1.ipRC(), fmt.Sprintf(unableToAuthCause, tp.key.id)))
	r1.log(invalidCredentials(at(time.Hour), tp.key.id), invalidCredentials(at(time.Hour+time.Minute), tp.key.id))
	expect(t, tp.s.analyze(), "invalid-api-key [local,remote] alias=my fix=local/local-3")
}

// api-key-prerequisites, logs: local-2 (holding credentials) was never
// upgraded: its start line says 8.9.2.
func TestPrerequisiteOldVersionFromLog(t *testing.T) {
	tp := newTopo(t, style{def: "settings-nested", noStart: true})
	for _, e := range append(append([]*es{}, tp.local...), tp.remote...) {
		v := "8.13.4"
		if e.name == "local-2" {
			v = "8.9.2"
		}
		e.log(startLines(at(0), v, e.cluster, e.name, e.ip, e.transportPort, e.httpPort)...)
	}
	expect(t, tp.s.analyze(), "api-key-prerequisites [local] alias= fix=local/local-2")
}

// api-key-prerequisites, configuration alone: remote-2's keystore holds a
// password that does not open cross-cluster.p12.
func TestPrerequisiteWrongServerPassword(t *testing.T) {
	tp := newTopo(t, style{def: "yml-flat", nRemote: 3})
	tp.n("remote-2").secure["xpack.security.remote_cluster_server.ssl.keystore.secure_password"] = "CANARY-SECRET-wrong"
	expect(t, tp.s.analyze(), "api-key-prerequisites [remote] alias= fix=remote/remote-2")
}

// api-key-prerequisites, configuration alone: local-1 enables
// remote_cluster_client TLS with no certificate_authorities (only the JDK's
// CAs) — the catalog's "remote_cluster_client.ssl enabled without CA".
func TestPrerequisiteClientWithoutCA(t *testing.T) {
	tp := newTopo(t, style{def: "settings-nested"})
	tp.n("local-1").unset("xpack.security.remote_cluster_client.ssl.certificate_authorities")
	expect(t, tp.s.analyze(), "api-key-prerequisites [local] alias= fix=local/local-1")
}

// Faults on both sides at once: remote-2's server is off and local-2 lacks
// the key.
func TestFaultsOnBothSides(t *testing.T) {
	tp := newTopo(t, style{def: "yml-nested", layout: "both"})
	r2 := tp.n("remote-2")
	r2.unset("remote_cluster_server.enabled").unset("xpack.security.remote_cluster_server.ssl.enabled").unset("xpack.security.remote_cluster_server.ssl.keystore.path").unset("remote_cluster.host")
	delete(r2.files, "cross-cluster.p12")
	delete(r2.secure, "xpack.security.remote_cluster_server.ssl.keystore.secure_password")
	delete(tp.n("local-2").secure, "cluster.remote.my.credentials")
	tp.n("local-1").log(connectFailed(at(time.Hour), "sniff", "my", r2.ipRC()))
	expect(t, tp.s.analyze(),
		"missing-cross-cluster-credentials [local,remote] alias=my fix=local/local-2",
		"remote-server-disabled [local,remote] alias=my fix=remote/remote-2")
}

// api-key-prerequisites on the remote side: the remote cluster still runs
// 7.17 (its start lines say so), so it has no remote cluster server at all
// while the local cluster was set up with an API key. The fix is the
// upgrade of the remote nodes, not a setting that 7.17 does not know.
func TestPrerequisiteRemoteTooOld(t *testing.T) {
	tp := newTopo(t, style{def: "settings-nested", noStart: true})
	for _, r := range tp.remote {
		r.unset("remote_cluster_server.enabled").unset("xpack.security.remote_cluster_server.ssl.enabled").unset("xpack.security.remote_cluster_server.ssl.keystore.path").unset("remote_cluster.host")
		delete(r.files, "cross-cluster.p12")
		delete(r.secure, "xpack.security.remote_cluster_server.ssl.keystore.secure_password")
		r.layout = "json7"
		r.log(startLines(at(0), "7.17.9", r.cluster, r.name, r.ip, 9300, 9200)...)
	}
	for _, l := range tp.local {
		l.log(startLines(at(0), "8.13.4", l.cluster, l.name, l.ip, 9300, 9200)...)
	}
	expect(t, tp.s.analyze(), "api-key-prerequisites [local,remote] alias=my fix=remote/remote-1,remote/remote-2")
}
