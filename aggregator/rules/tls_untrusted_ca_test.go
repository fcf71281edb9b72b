package rules_test

import (
	"testing"
	"time"

	"github.com/esdoctor/esdoctor/internal/testkit/certgen"
	"github.com/esdoctor/esdoctor/internal/testkit/scenario"
)

// Config alone: two local nodes carry a CA file that is not the remote's.
func TestUntrustedCAPredictedOnSomeNodes(t *testing.T) {
	w, local, _ := healthy(t)
	other, err := certgen.NewCA("Some Other CA")
	if err != nil {
		t.Fatal(err)
	}
	local.Node("local-2").File("remote-cluster-ca.crt", certgen.PEMCerts(other.Cert))
	local.Node("local-3").File("remote-cluster-ca.crt", certgen.PEMCerts(other.Cert))
	expectExactly(t, w.Analyze(), "tls-untrusted-ca [local,remote] alias=my fix=local/local-2,local/local-3")
}

// Logs: the guide's pair — DiagnosticTrustManager on the local node and
// "client did not trust this server's certificate" on _remote_cluster.
func TestUntrustedCAFromBothLogs(t *testing.T) {
	w, local, remote := healthy(t)
	other, _ := certgen.NewCA("Some Other CA")
	local.Each(func(n *scenario.Node) { n.File("remote-cluster-ca.crt", certgen.PEMCerts(other.Cert)) })
	at := w.At(2 * time.Minute)
	local.Node("local-1").Log(scenario.TrustFailure{ServerIP: "127.0.1.2", Subject: "CN=remote-1", Fingerprint: "529de35e15666ffaa26afa50876a2a48119db03a",
		Issuer: "CN=Elastic Auto RemoteCluster CA remote", SANs: []string{"DNS:remote-1", "IP:127.0.1.2"},
		Context: "xpack.security.remote_cluster_client.ssl (with trust configuration: PEM-trust{/etc/elasticsearch/remote-cluster-ca.crt})",
		Trust:   "is not configured to trust that issuer, it only trusts the issuer [CN=Some Other CA] with fingerprint [ba2350661f66e46c746c1629f0c4b645a2587ff4]"}.Line(at, "local-1"))
	remote.Node("remote-1").Log(scenario.ClientDidNotTrust(at, "remote-1", "127.0.1.2:9443", "127.0.0.2:57305", "_remote_cluster"))
	ds := w.Analyze()
	expectExactly(t, ds, "tls-untrusted-ca [local,remote] alias=my fix=local/local-1,local/local-2,local/local-3")
	if len(ds) == 1 {
		var local, remote bool
		for _, e := range ds[0].Evidence {
			local = local || (e.Side == "local" && e.Node == "local-1")
			remote = remote || (e.Side == "remote" && e.Node == "remote-1")
		}
		if !local || !remote {
			t.Errorf("evidence must pair both sides: %+v", ds[0].Evidence)
		}
	}
}

// Look-alike: an HTTP-layer trust failure of a client is not this.
func TestUntrustedCAIgnoresHTTPContext(t *testing.T) {
	w, local, _ := healthy(t)
	local.Node("local-1").Log(scenario.TrustFailure{ServerIP: "127.0.0.9", Subject: "CN=es", Fingerprint: "aa", Issuer: "CN=x",
		Context: "xpack.security.http.ssl (with trust configuration: JDK-trusted-certs)", Trust: "is not configured to trust that issuer"}.Line(w.At(time.Minute), "local-1"))
	expectExactly(t, w.Analyze())
}
