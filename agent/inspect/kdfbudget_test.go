package inspect_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/esdoctor/esdoctor/agent/inspect"
	"github.com/esdoctor/esdoctor/internal/testkit/certgen"
)

// TestKDFBudgetPerInspection: every TLS context names PKCS#12 files of 200
// items of a million iterations each. Each file stops at its own budget,
// and the inspection as a whole stops at the inspection's: later files are
// refused with an error naming the file and that cap.
func TestKDFBudgetPerInspection(t *testing.T) {
	n := newTableNode(t)
	n.write("config/certs/slow.p12", certgen.ManyItemsPKCS12(200, 1_000_000))
	var lines []string
	for _, p := range inspect.SSLPrefixes {
		n.secure[p+".ssl.keystore.secure_password"] = tableP12Password
		n.secure[p+".ssl.truststore.secure_password"] = tableP12Password
		if p != "xpack.security.transport" { // the table's yml enables it
			lines = append(lines, p+".ssl.enabled: true")
		}
		lines = append(lines, p+".ssl.keystore.path: certs/slow.p12", p+".ssl.truststore.path: certs/slow.p12")
	}
	n.yml(lines...)
	n.build()
	start := time.Now()
	res, err := inspect.Inspect(context.Background(), n.opts)
	took := time.Since(start)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("inspection of 8 hostile files: %v", took)
	if took > 15*time.Second {
		t.Errorf("inspection took %v", took)
	}
	var perFile, perInspection int
	for _, e := range res.Snapshot.Errors {
		if !strings.HasSuffix(e.File, "slow.p12") || !strings.Contains(e.Error, "slow.p12") {
			continue
		}
		switch {
		case strings.Contains(e.Error, "allowed for one inspection"):
			perInspection++
		case strings.Contains(e.Error, "allowed for one file"):
			perFile++
		}
	}
	if perFile == 0 || perInspection == 0 {
		t.Errorf("per-file refusals %d, per-inspection %d:\n%s", perFile, perInspection, errorList(res.Snapshot.Errors))
	}
}
