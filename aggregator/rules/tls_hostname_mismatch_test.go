package rules_test

import (
	"testing"
	"time"

	"github.com/esdoctor/esdoctor/internal/testkit/certgen"
	"github.com/esdoctor/esdoctor/internal/testkit/scenario"
)

// Config alone: remote-2's certificate lacks its IP (the seed host).
func TestHostnameMismatchPredicted(t *testing.T) {
	w, _, remote := healthy(t)
	remote.RemoteServerOn(remote.Node("remote-2"), certgen.DNS("remote-2.example.com"))
	expectExactly(t, w.Analyze(), "tls-hostname-mismatch [local,remote] alias=my fix=remote/remote-2")
}

// Logs: the JDK says no SAN matches the IP.
func TestHostnameMismatchFromLog(t *testing.T) {
	w, local, remote := healthy(t)
	remote.RemoteServerOn(remote.Node("remote-1"), certgen.DNS("remote-1.example.com"))
	local.Node("local-1").Log(scenario.TrustFailure{ServerIP: "127.0.1.2", Subject: "CN=remote-1", Fingerprint: "c43e628be2a8aaaa4092b82d78f2bc206c492322",
		Issuer: "CN=Elastic Auto RemoteCluster CA remote", SANs: []string{"DNS:remote-1.example.com"},
		Context: "xpack.security.remote_cluster_client.ssl (with trust configuration: PEM-trust{/x/remote-cluster-ca.crt})",
		Trust:   "is configured to trust that issuer", Cause: "java.security.cert.CertificateException: No subject alternative names matching IP address 127.0.1.2 found"}.Line(w.At(time.Minute), "local-1"))
	expectExactly(t, w.Analyze(), "tls-hostname-mismatch [local,remote] alias=my fix=remote/remote-1")
}
