package e2e

import (
	"bytes"
	"encoding/json"
	"errors"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"

	"github.com/esdoctor/esdoctor/aggregator"
	"github.com/esdoctor/esdoctor/aggregator/api"
	"github.com/esdoctor/esdoctor/internal/testkit/natscluster"
	"github.com/esdoctor/esdoctor/shared/diagnosis"
	"github.com/esdoctor/esdoctor/shared/natsx/natstest"
)

// esdoctorBin is the esdoctor binary built once for the CLI tests.
var esdoctorBin string

func TestMain(m *testing.M) {
	natscluster.MaybeRunNode() // a node of TestScaleOutNATSCluster's cluster: never returns
	dir, err := os.MkdirTemp("", "esdoctor-e2e-")
	if err != nil {
		panic(err)
	}
	code := func() int {
		defer os.RemoveAll(dir)
		goTool, err := exec.LookPath("go")
		if err != nil {
			goTool = filepath.Join(runtime.GOROOT(), "bin", "go")
		}
		esdoctorBin = filepath.Join(dir, "esdoctor")
		cmd := exec.Command(goTool, "build", "-o", esdoctorBin, "github.com/esdoctor/esdoctor/cmd/esdoctor")
		cmd.Stderr = os.Stderr
		if err := cmd.Run(); err != nil {
			os.Stderr.WriteString("e2e: cannot build esdoctor: " + err.Error() + "\n")
			return 2
		}
		return m.Run()
	}()
	os.Exit(code)
}

// esdoctor runs the binary and returns stdout, stderr and the exit code.
func esdoctor(t *testing.T, args ...string) (string, string, int) {
	t.Helper()
	var out, errb bytes.Buffer
	cmd := exec.Command(esdoctorBin, args...)
	cmd.Stdout, cmd.Stderr = &out, &errb
	err := cmd.Run()
	code := 0
	var ee *exec.ExitError
	if errors.As(err, &ee) {
		code = ee.ExitCode()
	} else if err != nil {
		t.Fatalf("esdoctor %v: %v", args, err)
	}
	return out.String(), errb.String(), code
}

// (e) esdoctor check exits 2 (CRITICAL) against an aggregator with an error diagnosis and 0
// against a healthy one; diagnoses --format json parses into
// []diagnosis.Diagnosis; show and nodes answer.
func TestCLIAgainstLiveAPI(t *testing.T) {
	url, _ := natstest.RunTestServer(t)
	_, js := natstest.Connect(t, url)

	w, _, _ := world(t, true)
	es := events(w.Bundles())
	publish(t, js, es)
	broken := start(t, aggregator.Options{NATSURL: url, Durable: "cli-broken"})
	broken.settle(t, uniqueIDs(es))
	server := "http://" + broken.HTTPAddr()

	out, errOut, code := esdoctor(t, "check", "--server", server, "--format", "text")
	if code != 2 || !strings.HasPrefix(out, "ESDOCTOR CRITICAL - 1 error open | open_errors=1 open_warnings=0 agents_silent=0") || !strings.Contains(out, transportPort) {
		t.Errorf("check on a broken setup: exit %d, stdout %q, stderr %q", code, out, errOut)
	}

	out, errOut, code = esdoctor(t, "diagnoses", "--server", server, "--format", "json")
	var ds []diagnosis.Diagnosis
	if code != 0 || json.Unmarshal([]byte(out), &ds) != nil {
		t.Fatalf("diagnoses --format json: exit %d, stderr %q, stdout %q", code, errOut, out)
	}
	if summary(ds) != summary(broken.diagnoses(t, api.Query{})) || len(ds) != 1 {
		t.Errorf("CLI and API differ:\n%s", summary(ds))
	}

	out, _, code = esdoctor(t, "show", ds[0].ID[:12], "--server", server, "--format", "text")
	t.Logf("esdoctor show %s:\n%s", ds[0].ID[:12], out)
	for _, want := range []string{"ERROR  " + transportPort, "Local side (local)", "Remote side (remote)", "Configuration", "Fix", "On nodes: local/local-1, local/local-2, local/local-3"} {
		if !strings.Contains(out, want) {
			t.Errorf("show: exit %d, no %q in:\n%s", code, want, out)
		}
	}

	out, _, _ = esdoctor(t, "diagnoses", "--server", server, "--format", "text")
	t.Logf("esdoctor diagnoses:\n%s", out)
	out, _, _ = esdoctor(t, "nodes", "--server", server, "--format", "text")
	t.Logf("esdoctor nodes:\n%s", out)
	out, _, code = esdoctor(t, "nodes", "--server", server, "--format", "json")
	var ns []api.Node
	if code != 0 || json.Unmarshal([]byte(out), &ns) != nil || len(ns) != 8 {
		t.Errorf("nodes: exit %d, %d nodes:\n%s", code, len(ns), out)
	}

	// A healthy pair of clusters on the same NATS, seen by its own
	// aggregator: check passes.
	hurl, _ := natstest.RunTestServer(t)
	_, hjs := natstest.Connect(t, hurl)
	hw, _, _ := world(t, false)
	hes := events(hw.Bundles())
	publish(t, hjs, hes)
	healthy := start(t, aggregator.Options{NATSURL: hurl, Durable: "cli-healthy"})
	healthy.settle(t, uniqueIDs(hes))
	out, errOut, code = esdoctor(t, "check", "--server", "http://"+healthy.HTTPAddr())
	if code != 0 {
		t.Errorf("check on a healthy setup: exit %d, stdout %q, stderr %q", code, out, errOut)
	}

	// Nobody listening: UNKNOWN (exit 3), one line on stdout (what Nagios shows).
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	dead := "http://" + ln.Addr().String()
	ln.Close()
	out, errOut, code = esdoctor(t, "check", "--server", dead)
	if code != 3 || strings.Count(strings.TrimSpace(out), "\n") != 0 || !strings.HasPrefix(out, "ESDOCTOR UNKNOWN - cannot ask the aggregator") {
		t.Errorf("check without an aggregator: exit %d, stdout %q, stderr %q", code, out, errOut)
	}
}
