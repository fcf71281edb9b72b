package rules_test

import (
	"strings"
	"testing"
	"time"

	"github.com/esdoctor/esdoctor/internal/testkit/certgen"
)

// Config alone: remote-1's remote cluster certificate expired yesterday;
// remote-2's expires in 10 days (a warning). Both are presented to the
// local cluster's connection "my" (API key, sniff: both run the server), so
// both are faults of that connection, before any traffic is logged.
func TestCertificateExpiredAndExpiring(t *testing.T) {
	w, _, remote := healthy(t)
	now := time.Now()
	remote.RemoteServerOn(remote.Node("remote-1"), certgen.IPs("127.0.1.2"), certgen.Validity(now.Add(-400*24*time.Hour), now.Add(-24*time.Hour)))
	remote.RemoteServerOn(remote.Node("remote-2"), certgen.IPs("127.0.1.3"), certgen.Validity(now.Add(-400*24*time.Hour), now.Add(10*24*time.Hour)))
	ds := w.Analyze()
	expectExactly(t, ds,
		"tls-certificate-expired [local,remote] alias=my fix=remote/remote-1",
		"tls-certificate-expired [local,remote] alias=my fix=remote/remote-2")
	if len(ds) == 2 && (ds[0].Severity != "error" || ds[1].Severity != "warning") {
		t.Errorf("severities %s, %s", ds[0].Severity, ds[1].Severity)
	}
	for _, d := range ds {
		if !strings.Contains(d.Fix.Summary, "in place") || strings.Contains(d.Fix.Summary, "restart the node") {
			t.Errorf("fix: %s", d.Fix.Summary)
		}
	}
}

// The expired node is no node the connection reaches (proxy mode to
// remote-1 only): a node-local finding on remote-2, not the connection's.
func TestCertificateExpiredBehindNoProxy(t *testing.T) {
	w, local, remote := healthy(t)
	now := time.Now()
	remote.RemoteServerOn(remote.Node("remote-2"), certgen.IPs("127.0.1.3"), certgen.Validity(now.Add(-400*24*time.Hour), now.Add(-24*time.Hour)))
	delete(local.Settings, "cluster.remote.my.seeds")
	local.Settings["cluster.remote.my.mode"] = "proxy"
	local.Settings["cluster.remote.my.proxy_address"] = "127.0.1.2:9443"
	expectExactly(t, w.Analyze(), "tls-certificate-expired [remote] alias= fix=remote/remote-2")
}
