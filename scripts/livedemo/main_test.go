package main

import (
	"bytes"
	"context"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func freeAddr(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().String()
}

// The live demo runs its whole script against the real binaries (the
// aggregator with authenticated, TLS NATS and six agent daemons), every
// fault is diagnosed and resolved, and nothing it started is left running.
func TestLiveDemoScript(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binaries and runs seven processes")
	}
	bin := t.TempDir()
	build := exec.Command("go", "build", "-o", bin+"/", "../../cmd/esdoctor-aggregator", "../../cmd/esdoctor-agent")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	var out bytes.Buffer
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	dir := filepath.Join(t.TempDir(), "demo")
	o := Options{Bin: bin, Dir: dir, Listen: freeAddr(t), NATSListen: freeAddr(t), Exit: true, StepTimeout: 60 * time.Second, Out: &out}
	err := Run(ctx, o)
	t.Logf("demo output:\n%s", out.String())
	if err != nil {
		for _, log := range []string{"aggregator.log", "agents/local-1/agent.log"} {
			b, _ := os.ReadFile(filepath.Join(dir, log))
			t.Logf("%s (tail):\n%s", log, tail(filepath.Join(dir, log), 20))
			_ = b
		}
		t.Fatalf("demo: %v", err)
	}
	got := out.String()
	for _, code := range []string{"transport-port-instead-of-remote-cluster-port", "missing-cross-cluster-credentials", "tls-untrusted-ca", "s3-stale-keystore-credentials"} {
		if !strings.Contains(got, "  "+code+" — ") {
			t.Errorf("no diagnosis %s in the demo output", code)
		}
	}
	if n := strings.Count(got, "resolved after"); n != 4 {
		t.Errorf("%d faults resolved, want 4", n)
	}
	if !strings.Contains(got, "evidence [remote remote/remote-1]") {
		t.Error("the transport-port diagnosis shows no remote evidence")
	}
	// Nothing left running: both ports are free again.
	for _, hp := range []string{o.Listen, o.NATSListen} {
		l, err := net.Listen("tcp", hp)
		if err != nil {
			t.Errorf("%s still in use after the demo: %v", hp, err)
			continue
		}
		l.Close()
	}
	if out, _ := exec.Command("pgrep", "-f", dir).Output(); len(bytes.TrimSpace(out)) > 0 {
		t.Errorf("processes left running: %s", out)
	}
}
