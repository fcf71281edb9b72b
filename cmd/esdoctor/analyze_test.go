package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/esdoctor/esdoctor/internal/testkit/scenario"
	"github.com/esdoctor/esdoctor/shared/bundle"
	"github.com/esdoctor/esdoctor/shared/diagnosis"
)

var key = scenario.APIKey{ID: "agZXJocBmA2beJfq2yKu", Secret: "CANARY-SECRET-apikey-secret"}

// writeBundles builds local → remote (seeds on port) and writes one bundle
// per node.
func writeBundles(t *testing.T, port int) []string {
	t.Helper()
	w := scenario.New(t)
	local := w.Cluster("local", "local-1@127.0.0.2", "local-2@127.0.0.3")
	remote := w.Cluster("remote", "remote-1@127.0.1.2")
	local.TransportTLS()
	remote.TransportTLS().RemoteClusterServer()
	local.Link(remote, "my", key, port)
	dir := t.TempDir()
	var paths []string
	for _, b := range w.Bundles() {
		p := filepath.Join(dir, b.Cluster+"-"+b.Node+".bundle")
		if err := bundle.Write(p, b); err != nil {
			t.Fatal(err)
		}
		paths = append(paths, p)
	}
	return paths
}

func TestAnalyze(t *testing.T) {
	broken := writeBundles(t, 9300)
	out, errOut, code := run(t, "", append([]string{"analyze", "--format", "json"}, broken...)...)
	var ds []diagnosis.Diagnosis
	if code != 1 || json.Unmarshal([]byte(out), &ds) != nil || len(ds) != 1 || ds[0].Code != "transport-port-instead-of-remote-cluster-port" {
		t.Fatalf("broken: exit %d, stderr %q\n%s", code, errOut, out)
	}
	out, _, code = run(t, "", append([]string{"analyze", "--format", "text"}, broken...)...)
	if code != 1 || !strings.Contains(out, "Fix") || !strings.Contains(out, "1 diagnosis(es) (1 error) in 3 bundle(s), 2 cluster(s).") {
		t.Errorf("broken text: exit %d\n%s", code, out)
	}
	if strings.Contains(out, "CANARY-SECRET") {
		t.Error("a secret value reached the output")
	}

	healthy := writeBundles(t, 9443)
	out, _, code = run(t, "", append([]string{"analyze", "--format", "text"}, healthy...)...)
	if code != 0 || !strings.Contains(out, "No problem found in 3 bundle(s), 2 cluster(s).") {
		t.Errorf("healthy: exit %d\n%s", code, out)
	}
	out, _, code = run(t, "", append([]string{"analyze", "--format", "json"}, healthy...)...)
	if code != 0 || strings.TrimSpace(out) != "[]" {
		t.Errorf("healthy json: exit %d %q", code, out)
	}
}

func TestAnalyzeInputErrors(t *testing.T) {
	dir := t.TempDir()
	garbage := filepath.Join(dir, "garbage.bundle")
	if err := os.WriteFile(garbage, []byte("not a bundle"), 0o600); err != nil {
		t.Fatal(err)
	}
	missing := filepath.Join(dir, "missing.bundle")
	_, errOut, code := run(t, "", "analyze", missing)
	oneLine(t, "missing bundle", errOut, code, missing)
	_, errOut, code = run(t, "", "analyze", garbage)
	oneLine(t, "garbage bundle", errOut, code, garbage)
	_, errOut, code = run(t, "", "analyze")
	oneLine(t, "no bundle", errOut, code, "want one or more bundle files")
	_, errOut, code = run(t, "", "analyze", "--now", "yesterday", garbage)
	oneLine(t, "bad --now", errOut, code, "--now")
}
