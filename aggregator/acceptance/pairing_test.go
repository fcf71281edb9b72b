package acceptance_test

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/esdoctor/esdoctor/internal/testkit/certgen"
)

// The remote moved its remote cluster port to 9444 on every node; the
// local seeds still say 9443 and the local nodes log connect_exception.
// The fix names the local nodes and the new port.
func TestUnreachableRemoteMovedPort(t *testing.T) {
	tp := newTopo(t, style{def: "settings-nested", layout: "both"})
	for _, r := range tp.remote {
		r.set("remote_cluster.port", "9444")
	}
	for i := 0; i < 3; i++ {
		tp.n("local-1").log(connectFailed(at(time.Hour+time.Duration(i)*time.Minute), "sniff", "my", "127.0.20.1:9443"))
	}
	d := find(expect(t, tp.s.analyze(), "remote-unreachable [local,remote] alias=my fix=local/local-1,local/local-2"), "remote-unreachable")
	if d == nil {
		return
	}
	if got := d.Fix.Settings["cluster.remote.my.seeds"]; got == "" || !strings.Contains(got, "127.0.20.1:9444") {
		t.Errorf("fix seeds %q: want 127.0.20.1:9444", got)
	}
}

// ES 8 writes every event to <cluster>.log and <cluster>_server.json: three
// connect_exception lines are three occurrences, not six.
func TestCountDualLayoutOnce(t *testing.T) {
	tp := newTopo(t, style{def: "settings-nested", layout: "both"})
	for i := 0; i < 3; i++ {
		tp.n("local-1").log(connectFailed(at(time.Hour+time.Duration(i)*time.Minute), "sniff", "my", "127.0.20.1:9443"))
	}
	d := find(expect(t, tp.s.analyze(), "remote-unreachable [local,remote] alias=my fix="), "remote-unreachable")
	if d != nil && d.Count != 3 {
		t.Errorf("count %d, want 3", d.Count)
	}
}

// Cluster settings take precedence over the yml: local-1 still has stale
// seeds on the transport port in its yml, but the saved persistent cluster
// settings define the alias correctly. Healthy.
func TestSettingsOverrideStaleYml(t *testing.T) {
	tp := newTopo(t, style{def: "settings-nested"})
	tp.n("local-1").set("cluster.remote.my.seeds", fmt.Sprintf(`["%s"]`, tp.n("remote-1").transportAddr()))
	expect(t, tp.s.analyze())
}

// A transient setting overrides the persistent one: the transient seeds
// name the transport port. Configuration alone.
func TestTransientSeedsOnTransportPort(t *testing.T) {
	tp := newTopo(t, style{def: "settings-nested"})
	js := fmt.Sprintf(`{"persistent":{"cluster":{"remote":{"my":{"seeds":["%s","%s"]}}}},"transient":{"cluster":{"remote":{"my":{"seeds":["%s"]}}}}}`,
		tp.n("remote-1").rcAddr(), tp.n("remote-2").rcAddr(), tp.n("remote-1").transportAddr())
	for _, l := range tp.local {
		l.settings = js
	}
	expect(t, tp.s.analyze(), "transport-port-instead-of-remote-cluster-port [local,remote] alias=my fix=local/local-1,local/local-2")
}

// Seeds as one comma-separated string in the yml (a list setting): healthy.
func TestHealthySeedsCommaString(t *testing.T) {
	tp := newTopo(t, style{def: "yml-flat"})
	for _, l := range tp.local {
		l.set("cluster.remote.my.seeds", fmt.Sprintf(`"%s,%s"`, tp.n("remote-1").rcAddr(), tp.n("remote-2").rcAddr()))
	}
	expect(t, tp.s.analyze())
}

// Names as seeds with hostname verification turned off on the client
// (verification_mode: certificate): a certificate without the name is
// not a mismatch.
func TestHealthyNamesWithoutHostnameVerification(t *testing.T) {
	tp := newTopo(t, style{def: "settings-flat", hosts: "names"})
	r1 := tp.n("remote-1")
	tp.serverOn(r1, certgen.DNS("remote-1.internal"), certgen.IPs(r1.ip))
	for _, l := range tp.local {
		l.set("xpack.security.remote_cluster_client.ssl.verification_mode", "certificate")
	}
	expect(t, tp.s.analyze())
}

// Two remote clusters: "east" and "west" (API keys). The local nodes'
// remote_cluster_client CA list holds only east's CA, so west's
// certificate is untrusted everywhere; west logs the distrust. Only the
// west link is diagnosed.
func TestTwoRemotesOneUntrusted(t *testing.T) {
	s := newSite(t)
	st := style{def: "settings-nested", layout: "plain"}.withDefaults()
	tp := &topo{s: s, st: st, key: ccKey}
	tp.localTCA = mustCA(t, "Elasticsearch security auto-configuration transport CA")
	tp.remoteTCA = tp.localTCA
	eastCA, westCA := mustCA(t, "East Remote CA"), mustCA(t, "West Remote CA")
	for i := 1; i <= 2; i++ {
		tp.local = append(tp.local, tp.addNode("local", i))
	}
	mk := func(cluster, ip string, ca *certgen.Authority) *es {
		n := s.node(cluster, cluster+"-1")
		e := &es{node: n, host: ip, ip: ip, transportPort: 9300, rcPort: 9443, httpPort: 9200}
		n.set("network.host", ip)
		e.server = mustLeaf(t, ca, n.name, certgen.IPs(ip))
		n.files["cross-cluster.p12"] = mustP12(t, ccPW, certgen.KeyEntry("instance", e.server), certgen.AuthorityEntry("ca", ca))
		n.secure["xpack.security.remote_cluster_server.ssl.keystore.secure_password"] = ccPW
		n.set("remote_cluster_server.enabled", "true").set("remote_cluster.host", ip).set("xpack.security.remote_cluster_server.ssl.keystore.path", "cross-cluster.p12")
		n.log(startLines(at(0), "8.13.4", cluster, n.name, ip, 9300, 9200)...)
		return e
	}
	east, west := mk("east", "127.0.50.1", eastCA), mk("west", "127.0.60.1", westCA)
	westKey := apiKey{"W3stK3yIdAAAAAAAAAAA", "CANARY-SECRET-west"}
	js := fmt.Sprintf(`{"persistent":{"cluster":{"remote":{"east":{"seeds":["%s"]},"west":{"mode":"proxy","proxy_address":"%s"}}}},"transient":{}}`, east.rcAddr(), west.rcAddr())
	for _, l := range tp.local {
		l.settings = js
		l.files["east-ca.crt"] = certgen.PEMCerts(eastCA.Cert)
		l.files["west-ca.crt"] = certgen.PEMCerts(westCA.Cert)
		l.secure["cluster.remote.east.credentials"] = ccKey.encoded()
		l.secure["cluster.remote.west.credentials"] = westKey.encoded()
		l.set("xpack.security.remote_cluster_client.ssl.certificate_authorities", `[ "east-ca.crt" ]`)
		l.log(startLines(at(0), "8.13.4", "local", l.name, l.ip, 9300, 9200)...)
	}
	l1 := tp.n("local-1")
	l1.log(serverTrust(west, west.server, west.ip, "xpack.security.remote_cluster_client.ssl (with trust configuration: PEM-trust{/etc/elasticsearch/east-ca.crt})",
		fmt.Sprintf("is not configured to trust that issuer, it only trusts the issuer [%s] with fingerprint [%s]", eastCA.Cert.Subject, sha1Hex(eastCA.Cert))).rec(at(time.Hour)))
	west.log(clientDidNotTrust(at(time.Hour), west.ipRC(), l1.ip+":50110", "_remote_cluster"))
	expect(t, s.analyze(), "tls-untrusted-ca [local,west] alias=west fix=local/local-1,local/local-2")
}

// Bidirectional replication: each cluster is the other's remote (alias
// "remote" on local, alias "local" on remote). The remote→local direction
// lacks the key on remote-2; the diagnosis names the remote cluster as the
// local side of that link.
func TestBidirectionalOneDirectionBroken(t *testing.T) {
	tp := newTopo(t, style{def: "settings-nested", alias: "remote"})
	back := apiKey{"B4ckK3yIdBBBBBBBBBBB", "CANARY-SECRET-back"}
	for _, l := range tp.local {
		tp.serverOnLocal(l)
	}
	var seeds []string
	for _, l := range tp.local {
		seeds = append(seeds, l.rcAddr())
	}
	for _, r := range tp.remote {
		r.settings = fmt.Sprintf(`{"persistent":{"cluster.remote.local.seeds":[%s]},"transient":{}}`, quoteAll(seeds))
		r.files["local-cluster-ca.crt"] = certgen.PEMCerts(tp.localRCA.Cert)
		r.set("xpack.security.remote_cluster_client.ssl.certificate_authorities", `[ "local-cluster-ca.crt" ]`)
		if r.name != "remote-2" {
			r.secure["cluster.remote.local.credentials"] = back.encoded()
		}
	}
	expect(t, tp.s.analyze(), "missing-cross-cluster-credentials [remote,local] alias=local fix=remote/remote-2")
}

// The certificate model on ES 7.17 with 7.x JSON logs: the seeds name a
// port where nothing listens.
func TestUnreachableCertificateModel7xJSON(t *testing.T) {
	tp := newTopo(t, style{def: "yml-nested", certModel: true, alias: "legacy", layout: "json7", noStart: true})
	for _, e := range append(append([]*es{}, tp.local...), tp.remote...) {
		e.log(startLines(at(0), "7.17.9", e.cluster, e.name, e.ip, 9300, 9200)...)
	}
	tp.defineSeeds([]string{"127.0.20.1:9301", "127.0.20.2:9301"})
	tp.n("local-2").log(connectFailed(at(time.Hour), "sniff", "legacy", "127.0.20.1:9301"), connectFailed(at(time.Hour+time.Minute), "sniff", "legacy", "127.0.20.2:9301"))
	d := find(expect(t, tp.s.analyze(), "remote-unreachable [local,remote] alias=legacy fix=local/local-1,local/local-2"), "remote-unreachable")
	if d != nil && d.Fix.Settings["cluster.remote.legacy.seeds"] != "[127.0.20.1:9300, 127.0.20.2:9300]" {
		t.Errorf("fix settings %v: want the transport ports (certificate model)", d.Fix.Settings)
	}
}
