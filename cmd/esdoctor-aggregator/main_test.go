package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
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
	var out, errb bytes.Buffer
	go func() {
		done <- run(ctx, []string{"--data", dir, "--listen", "127.0.0.1:0", "--nats-listen", "127.0.0.1:0", "--log-level", "warn"}, &out, &errb)
	}()
	deadline := time.Now().Add(15 * time.Second)
	for {
		if _, err := os.Stat(filepath.Join(dir, "nats", "jetstream")); err == nil {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the embedded NATS server did not start")
		}
		time.Sleep(20 * time.Millisecond)
	}
	time.Sleep(200 * time.Millisecond)
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
		t.Errorf("no history saved: %v", err)
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
