package rules_test

import (
	"testing"
	"time"

	"github.com/esdoctor/esdoctor/internal/testkit/certgen"
)

// Config alone: remote-1's remote cluster certificate expired yesterday;
// remote-2's expires in 10 days (a warning).
func TestCertificateExpiredAndExpiring(t *testing.T) {
	w, _, remote := healthy(t)
	now := time.Now()
	remote.RemoteServerOn(remote.Node("remote-1"), certgen.IPs("127.0.1.2"), certgen.Validity(now.Add(-400*24*time.Hour), now.Add(-24*time.Hour)))
	remote.RemoteServerOn(remote.Node("remote-2"), certgen.IPs("127.0.1.3"), certgen.Validity(now.Add(-400*24*time.Hour), now.Add(10*24*time.Hour)))
	ds := w.Analyze()
	expectExactly(t, ds,
		"tls-certificate-expired [remote] alias= fix=remote/remote-1",
		"tls-certificate-expired [remote] alias= fix=remote/remote-2")
	if len(ds) == 2 && (ds[0].Severity != "error" || ds[1].Severity != "warning") {
		t.Errorf("severities %s, %s", ds[0].Severity, ds[1].Severity)
	}
}
