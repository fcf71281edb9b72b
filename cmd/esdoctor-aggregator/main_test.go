package main

import (
	"bytes"
	"context"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/esdoctor/esdoctor/shared/sitekey"
)

func TestUsage(t *testing.T) {
	for _, tc := range []struct {
		args []string
		code int
		want string
	}{
		{[]string{"--help"}, 0, "Usage: esdoctor-aggregator"},
		{[]string{"--bogus"}, 2, "flag provided but not defined: -bogus"},
		{[]string{"extra"}, 2, `unexpected argument "extra"`},
		{[]string{"--log-level", "loud"}, 2, "--log-level must be debug, info, warn or error"},
		{[]string{"--replicas", "2", "--data", "x"}, 2, "replicas must be 1 or 3"},
		{[]string{"--listen", "nowhere", "--data", "x"}, 2, `listen address "nowhere"`},
		{[]string{"--nats-listen", "127.0.0.1:http", "--data", "x"}, 2, "port must be 0..65535"},
	} {
		var out, errb bytes.Buffer
		code := run(context.Background(), tc.args, &out, &errb)
		got := out.String()
		if tc.code != 0 {
			got = errb.String()
			if strings.Count(strings.TrimRight(got, "\n"), "\n") != 0 || out.Len() != 0 {
				t.Errorf("%v: want one line on stderr and nothing on stdout, got %q / %q", tc.args, out.String(), got)
			}
		}
		if code != tc.code || !strings.Contains(got, tc.want) {
			t.Errorf("%v: exit %d %q, want %d with %q", tc.args, code, got, tc.code, tc.want)
		}
	}
}

// The daemon starts with its embedded NATS server and stops cleanly when
// its context ends (SIGINT/SIGTERM in main).
func TestRunAndStop(t *testing.T) {
	dir := t.TempDir()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan int, 1)
	var out bytes.Buffer
	errb := &syncBuffer{}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	go func() {
		done <- run(ctx, []string{"--data", dir, "--listen", addr, "--nats-listen", "127.0.0.1:0", "--log-level", "warn"}, &out, errb)
	}()
	deadline := time.Now().Add(30 * time.Second)
	for {
		resp, err := http.Get("http://" + addr + "/healthz")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				break
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("not ready after 30s: %v %s", err, errb.String())
		}
		time.Sleep(20 * time.Millisecond)
	}
	if _, err := os.Stat(filepath.Join(dir, "nats", "jetstream")); err != nil {
		t.Errorf("the embedded NATS server keeps no JetStream store: %v", err)
	}
	// A second aggregator on the same data directory refuses to start:
	// exit 2, one line naming the lock.
	var out2, err2 bytes.Buffer
	if code := run(context.Background(), []string{"--data", dir, "--listen", "127.0.0.1:0", "--nats-listen", "127.0.0.1:0", "--log-level", "error"}, &out2, &err2); code != 2 {
		t.Errorf("second aggregator on the same --data: exit %d, want 2 (stderr %q)", code, err2.String())
	}
	if msg := err2.String(); strings.Count(msg, "\n") != 1 || !strings.Contains(msg, filepath.Join(dir, "aggregator.lock")) {
		t.Errorf("second aggregator: want one line naming the lock, got %q", msg)
	}
	cancel()
	select {
	case code := <-done:
		if code != 0 {
			t.Errorf("exit %d, stderr %s", code, errb.String())
		}
	case <-time.After(15 * time.Second):
		t.Fatal("did not stop")
	}
	if _, err := os.Stat(filepath.Join(dir, "diagnoses.json")); err != nil {
		t.Errorf("no history saved: %v\n%s", err, errb.String())
	}
}

func TestChooseDataDir(t *testing.T) {
	ok := filepath.Join(t.TempDir(), "a", "b")
	if d := chooseDataDir(ok); d != ok {
		t.Errorf("writable: chose %s", d)
	}
	file := filepath.Join(t.TempDir(), "file")
	if err := os.WriteFile(file, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	if d := chooseDataDir(filepath.Join(file, "sub")); d != filepath.Join(".", "esdoctor-data") {
		t.Errorf("not writable: chose %s", d)
	}
}

// enroll, agents and revoke work on the data directory and follow the
// exit-code contract.
func TestEnrollRevokeCommands(t *testing.T) {
	dir := t.TempDir()
	creds := filepath.Join(dir, "n1.creds")
	runOK := func(args ...string) string {
		t.Helper()
		var out, errb bytes.Buffer
		if code := run(context.Background(), args, &out, &errb); code != 0 {
			t.Fatalf("%v: exit %d: %s", args, code, errb.String())
		}
		return out.String()
	}
	out := runOK("enroll", "--data", dir, "--cluster", "prod", "--node", "n1", "-o", creds)
	if !strings.Contains(out, "creds_file: "+creds) {
		t.Errorf("enroll output %q", out)
	}
	b, err := os.ReadFile(creds)
	if err != nil || !strings.Contains(string(b), "BEGIN NATS USER JWT") {
		t.Fatalf("credentials file: %v %q", err, b)
	}
	if fi, _ := os.Stat(creds); fi.Mode().Perm() != 0o600 {
		t.Errorf("credentials mode %v", fi.Mode().Perm())
	}
	// The enrolment carries the data dir's site key (the one the
	// aggregator serves), and a second enrolment the same one.
	key, ok, err := sitekey.FromCredsFile(creds)
	if err != nil || !ok {
		t.Fatalf("no site key in the enrolment file: %v", err)
	}
	if k, err := sitekey.Load(filepath.Join(dir, sitekey.FileName)); err != nil || !bytes.Equal(k, key) {
		t.Errorf("site key %q, data dir's %q (%v)", key, k, err)
	}
	creds2 := filepath.Join(dir, "n2.creds")
	runOK("enroll", "--data", dir, "--cluster", "prod", "--node", "n2", "-o", creds2)
	if k2, _, err := sitekey.FromCredsFile(creds2); err != nil || !bytes.Equal(k2, key) {
		t.Errorf("second enrolment: site key %q, want %q (%v)", k2, key, err)
	}
	if strings.Contains(out, string(key)) {
		t.Error("enroll printed the site key")
	}
	if out := runOK("agents", "--data", dir, "--format", "text"); !strings.Contains(out, "prod") || !strings.Contains(out, "n1") {
		t.Errorf("agents: %q", out)
	}
	runOK("revoke", "--data", dir, "--cluster", "prod", "--node", "n1")
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"enroll", "--data", dir, "--cluster", "prod", "-o", creds}, "--cluster and --node are required"},
		{[]string{"enroll", "--data", dir, "--cluster", "prod", "--node", "n1"}, "-o FILE is required"},
		{[]string{"revoke", "--data", dir, "--cluster", "prod", "--node", "n1"}, "no active enrolment for prod/n1"},
		{[]string{"agents", "--data", dir, "--format", "yaml"}, "--format must be text or json"},
	} {
		var out, errb bytes.Buffer
		if code := run(context.Background(), tc.args, &out, &errb); code != 2 || !strings.Contains(errb.String(), tc.want) {
			t.Errorf("%v: exit %d %q, want 2 with %q", tc.args, code, errb.String(), tc.want)
		}
	}
}

// syncBuffer is a bytes.Buffer safe for a writer and a reader in two
// goroutines.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

func TestVersionFlag(t *testing.T) {
	for _, args := range [][]string{{"--version"}, {"--log-level", "warn", "--version"}} {
		var out, errb strings.Builder
		code := run(context.Background(), args, &out, &errb)
		if code != 0 || !strings.HasPrefix(out.String(), "esdoctor-aggregator ") || !strings.Contains(out.String(), "(commit ") {
			t.Errorf("%v: exit %d %q %q", args, code, out.String(), errb.String())
		}
	}
}
