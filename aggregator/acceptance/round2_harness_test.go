package acceptance_test

// Round 2 of the acceptance suite: helpers shared by the round2_*_test.go
// files. They add to the round 1 harness (harness_test.go, records_test.go,
// topology_test.go): verbatim log text, collection with the agent's
// --cluster/--node overrides and a fixed time zone, bundles on disk for the
// real esdoctor binary, and free-form clusters at any address.

import (
	"bytes"
	"context"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/esdoctor/esdoctor/agent/collect"
	"github.com/esdoctor/esdoctor/aggregator/analyze"
	"github.com/esdoctor/esdoctor/internal/testkit/certgen"
	"github.com/esdoctor/esdoctor/shared/bundle"
	"github.com/esdoctor/esdoctor/shared/diagnosis"
	"github.com/esdoctor/esdoctor/shared/event"
)

// render renders records in a layout as one file's text.
func render(rs []rec, layout, cluster, node string) string {
	var b strings.Builder
	for _, r := range rs {
		b.WriteString(r.render(layout, cluster, node))
		b.WriteByte('\n')
	}
	return b.String()
}

// plainLog writes the node's active plain log (<cluster>.log) from records
// followed by verbatim text (lines as pasted from the guide); the node's
// own records are not written again.
func (n *node) plainLog(rs []rec, verbatim ...string) *node {
	text := render(rs, "plain", n.cluster, n.name)
	for _, v := range verbatim {
		text += strings.TrimRight(v, "\n") + "\n"
	}
	n.records = nil
	n.extraLogs[n.cluster+".log"] = text
	return n
}

// collectOpts tunes how round 2 collects a node, as the agent's flags would.
type collectOpts struct {
	// cluster and node are --cluster / --node overrides per "cluster/node"
	// of the site.
	cluster, nodeName map[string]string
	// env is the agent's environment for ${VAR} in the yml (nothing else
	// is visible to it).
	env map[string]string
}

// bundles collects every node of the site (plain timestamps read as UTC)
// and writes the bundles into dir; it returns their paths.
func (s *site) bundles(dir string, co collectOpts) []string {
	s.t.Helper()
	s.build()
	var paths []string
	var bs []*bundle.Bundle
	for i, n := range s.nodes {
		o := n.options()
		id := n.cluster + "/" + n.name
		if c := co.cluster[id]; c != "" {
			o.Cluster = c
		}
		if c := co.nodeName[id]; c != "" {
			o.Node = c
		}
		o.Location = time.UTC
		env := co.env
		o.LookupEnv = func(k string) (string, bool) { v, ok := env[k]; return v, ok }
		b, err := collect.Collect(context.Background(), collect.Options{Inspect: o, Agent: "esdoctor-agent@" + n.name, Location: time.UTC})
		if err != nil {
			s.t.Fatalf("collect %s: %v", id, err)
		}
		p := filepath.Join(dir, fmt.Sprintf("r2-%02d-%s-%s.bundle", i, strings.ReplaceAll(n.cluster, "/", "_"), n.name))
		if err := bundle.Write(p, b); err != nil {
			s.t.Fatal(err)
		}
		paths = append(paths, p)
		bs = append(bs, b)
	}
	if co.env == nil {
		co.env = map[string]string{} // the collection saw no environment
	}
	s.playLive(co, time.UTC, bs)
	return paths
}

// symptomsOf collects one (built) node and returns its symptoms.
func symptomsOf(t *testing.T, n *node) []event.Symptom {
	t.Helper()
	o := n.options()
	o.Location = time.UTC
	b, err := collect.Collect(context.Background(), collect.Options{Inspect: o, Location: time.UTC})
	if err != nil {
		t.Fatal(err)
	}
	var out []event.Symptom
	for _, e := range b.Events {
		if e.Symptom != nil {
			out = append(out, *e.Symptom)
		}
	}
	return out
}

// analyzeUTC is analyze with collection options: bundles written to disk,
// read back and analysed as `esdoctor analyze` does.
func (s *site) analyzeUTC(co collectOpts) []diagnosis.Diagnosis {
	s.t.Helper()
	dir := s.t.TempDir()
	var bs []*bundle.Bundle
	for _, p := range s.bundles(dir, co) {
		b, err := bundle.Read(p)
		if err != nil {
			s.t.Fatal(err)
		}
		bs = append(bs, b)
	}
	ds, _ := analyze.Bundles(context.Background(), bs, analyze.Options{})
	return ds
}

// known marks a scenario whose expected answer the product does not give
// yet: the test stays in the suite and is skipped with the one-line reason
// when the check fails, so that the suite stays green while the report
// lists it. Once fixed, the check passes and the test runs normally.
func known(t *testing.T, why string, ok bool) {
	t.Helper()
	if !ok {
		t.Fatalf("KNOWN: %s", why)
	}
}

// lines returns the "code [clusters] alias=A fix=..." lines, sorted.
func lines(ds []diagnosis.Diagnosis) []string {
	var out []string
	for _, d := range ds {
		out = append(out, line(d))
	}
	sort.Strings(out)
	return out
}

// same reports whether the diagnoses are exactly want (order-insensitive).
func same(ds []diagnosis.Diagnosis, want ...string) bool {
	w := append([]string(nil), want...)
	sort.Strings(w)
	return strings.Join(lines(ds), "\n") == strings.Join(w, "\n")
}

// expectOrKnown checks the diagnoses exactly; when they differ the test is
// skipped as a known failure (after logging what came out).
func expectOrKnown(t *testing.T, ds []diagnosis.Diagnosis, why string, want ...string) []diagnosis.Diagnosis {
	t.Helper()
	if !same(ds, want...) {
		t.Logf("got:\n    %s\nwant:\n    %s", strings.Join(lines(ds), "\n    "), strings.Join(want, "\n    "))
		dump(t, ds)
		t.Fatalf("KNOWN: %s", why)
	}
	return ds
}

// keyPEM is an unencrypted PKCS#8 key as elasticsearch-certutil --pem
// writes it.
func keyPEM(t *testing.T, l *certgen.Leaf) []byte {
	t.Helper()
	der, err := x509.MarshalPKCS8PrivateKey(l.Key)
	if err != nil {
		t.Fatal(err)
	}
	return pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der})
}

// --- the esdoctor binary ---

var (
	binOnce sync.Once
	binPath string
	binErr  error
)

// TestMain removes the esdoctor binary built by esdoctorBinary, if any.
func TestMain(m *testing.M) {
	code := m.Run()
	if binPath != "" {
		os.RemoveAll(filepath.Dir(binPath))
	}
	os.Exit(code)
}

// esdoctorBinary builds cmd/esdoctor once per test process (only when a
// test needs it, so that the other acceptance tests do not pay for it).
func esdoctorBinary(t *testing.T) string {
	t.Helper()
	binOnce.Do(func() {
		dir, err := os.MkdirTemp("", "esdoctor-acceptance-r2-")
		if err != nil {
			binErr = err
			return
		}
		binPath = filepath.Join(dir, "esdoctor")
		goTool := filepath.Join(runtime.GOROOT(), "bin", "go")
		if _, err := os.Stat(goTool); err != nil {
			goTool = "go"
		}
		out, err := exec.Command(goTool, "build", "-o", binPath, "github.com/esdoctor/esdoctor/cmd/esdoctor").CombinedOutput()
		if err != nil {
			binErr = fmt.Errorf("go build esdoctor: %v\n%s", err, out)
		}
	})
	if binErr != nil {
		t.Fatal(binErr)
	}
	return binPath
}

// runResult is one run of the binary.
type runResult struct {
	code           int
	stdout, stderr string
}

// esdoctorRun runs the binary with a minimal environment.
func esdoctorRun(t *testing.T, args ...string) runResult {
	t.Helper()
	bin := esdoctorBinary(t)
	cmd := exec.Command(bin, args...)
	cmd.Env = []string{"PATH=" + os.Getenv("PATH"), "TZ=UTC", "HOME=" + t.TempDir()}
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	err := cmd.Run()
	r := runResult{stdout: out.String(), stderr: errb.String()}
	var ee *exec.ExitError
	switch {
	case errors.As(err, &ee):
		r.code = ee.ExitCode()
	case err != nil:
		t.Fatalf("esdoctor %v: %v", args, err)
	}
	return r
}

// guideTime parses the guide's plain-layout timestamps (UTC here).
func guideTime(s string) time.Time {
	t, err := time.Parse("2006-01-02T15:04:05,000", s)
	if err != nil {
		panic(err)
	}
	return t
}

// want renders an expected diagnosis line (the fix nodes in any order).
func want(code string, clusters []string, alias string, fix ...string) string {
	f := append([]string(nil), fix...)
	sort.Strings(f)
	return fmt.Sprintf("%s [%s] alias=%s fix=%s", code, strings.Join(clusters, ","), alias, strings.Join(f, ","))
}
