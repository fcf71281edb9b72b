package main

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"
)

// The command-level tests run the real binary, built once by TestMain.
var (
	agentBin      string
	agentBuildErr error
)

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "esdoctor-agent-bin-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	agentBin = filepath.Join(dir, "esdoctor-agent")
	goTool := filepath.Join(runtime.GOROOT(), "bin", "go")
	if _, err := os.Stat(goTool); err != nil {
		goTool = "go"
	}
	out, err := exec.Command(goTool, "build", "-o", agentBin, ".").CombinedOutput()
	if err != nil {
		agentBuildErr = fmt.Errorf("go build: %v\n%s", err, out)
	}
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

// agentResult is one run of the binary.
type agentResult struct {
	code           int
	stdout, stderr []byte
}

func (r agentResult) String() string {
	return fmt.Sprintf("exit %d\nstdout:\n%s\nstderr:\n%s", r.code, clip(r.stdout), clip(r.stderr))
}

func clip(b []byte) string {
	if len(b) > 4000 {
		return string(b[:4000]) + "…"
	}
	return string(b)
}

// runAgent runs the binary with args and a minimal environment (no
// ES_PATH_CONF, TZ=UTC) plus env ("K=V").
func runAgent(t *testing.T, env []string, args ...string) agentResult {
	t.Helper()
	if agentBuildErr != nil {
		t.Fatal(agentBuildErr)
	}
	cmd := exec.Command(agentBin, args...)
	cmd.Env = append([]string{"PATH=" + os.Getenv("PATH"), "TZ=UTC", "HOME=" + t.TempDir()}, env...)
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	done := make(chan error, 1)
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() { done <- cmd.Wait() }()
	var err error
	select {
	case err = <-done:
	case <-time.After(2 * time.Minute):
		cmd.Process.Kill()
		t.Fatalf("esdoctor-agent %s: still running after 2 minutes", strings.Join(args, " "))
	}
	r := agentResult{stdout: out.Bytes(), stderr: errb.Bytes()}
	var ee *exec.ExitError
	switch {
	case errors.As(err, &ee):
		r.code = ee.ExitCode()
	case err != nil:
		t.Fatal(err)
	}
	return r
}
