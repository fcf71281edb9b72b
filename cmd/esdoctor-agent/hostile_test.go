package main

import (
	"bytes"
	"compress/gzip"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/esdoctor/esdoctor/shared/safefile"
)

// hostileBound is how long any command may take on a hostile input.
const hostileBound = 15 * time.Second

// hostile kinds of input: what is put where a file is expected, and what the
// error must say about it.
var hostileKinds = []struct {
	name  string
	plant func(t *testing.T, path string)
	cause string // "" for the symlink swap: refused or read, never hung
}{
	{"fifo", func(t *testing.T, p string) {
		if err := syscall.Mkfifo(p, 0o600); err != nil {
			t.Fatal(err)
		}
	}, "named pipe"},
	{"dev-zero", func(t *testing.T, p string) {
		if err := os.Symlink("/dev/zero", p); err != nil {
			t.Fatal(err)
		}
	}, "character device"},
	{"huge", func(t *testing.T, p string) {
		f, err := os.Create(p)
		if err != nil {
			t.Fatal(err)
		}
		// Sparse: 1 TiB on paper, nothing on disk.
		if err := f.Truncate(1 << 40); err != nil {
			t.Fatal(err)
		}
		f.Close()
	}, "over the"},
	{"symlink-swap", nil, ""},
}

// swapper flips path between a regular file holding good and a FIFO (and
// /dev/zero) until stopped: the window between any check and any open.
func swapper(t *testing.T, path string, good []byte) (stop func()) {
	dir := t.TempDir()
	reg := filepath.Join(dir, "regular")
	os.WriteFile(reg, good, 0o600)
	fifo := filepath.Join(dir, "fifo")
	syscall.Mkfifo(fifo, 0o600)
	targets := []string{reg, fifo, reg, "/dev/zero"}
	os.Symlink(reg, path)
	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		tmp := path + ".swap"
		for i := 0; ctx.Err() == nil; i++ {
			os.Remove(tmp)
			os.Symlink(targets[i%len(targets)], tmp)
			os.Rename(tmp, path)
			time.Sleep(50 * time.Microsecond)
		}
	}()
	return func() { cancel(); wg.Wait() }
}

// runBounded runs the agent binary and fails the test if it does not end
// within its bound: hostileBound, plus twenty times what a trivial run of
// the same binary (--version) takes right now. A hang never ends, however
// long the bound; a machine loaded to a load average of 30 (where a
// process start alone took seconds) is not a hang.
func runBounded(t *testing.T, args ...string) agentResult {
	t.Helper()
	if agentBuildErr != nil {
		t.Fatal(agentBuildErr)
	}
	bound := hostileBound
	ref := time.Now()
	if err := exec.Command(agentBin, "--version").Run(); err == nil {
		bound += 20 * time.Since(ref)
	}
	cmd := exec.Command(agentBin, args...)
	cmd.Env = []string{"PATH=" + os.Getenv("PATH"), "TZ=UTC", "HOME=" + t.TempDir()}
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	start := time.Now()
	var err error
	select {
	case err = <-done:
	case <-time.After(bound):
		cmd.Process.Kill()
		<-done
		t.Fatalf("esdoctor-agent %s: still running after %s", strings.Join(args, " "), bound.Round(time.Millisecond))
	}
	r := agentResult{stdout: out.Bytes(), stderr: errb.Bytes()}
	if ee, ok := err.(*exec.ExitError); ok {
		r.code = ee.ExitCode()
	}
	t.Logf("%s: exit %d in %s", strings.Join(args[:1], " "), r.code, time.Since(start).Round(time.Millisecond))
	return r
}

// TestHostileInputs replays issue 11 items 1, 2 and 6 for every kind of
// input the agent reads: a FIFO, /dev/zero, a huge file and a symlink being
// swapped, each where a yml, keystore, certificate, cluster-settings file,
// password file, fingerprint key file, agent.yml or log file is expected.
// Each ends within its bound with an error naming the file and the cause.
func TestHostileInputs(t *testing.T) {
	type input struct {
		name string
		good []byte
		// setup returns the path to plant at and the command to run.
		setup func(t *testing.T, conf string) (string, []string)
	}
	inputs := []input{
		{"elasticsearch.yml", []byte("cluster.name: c\n"), func(t *testing.T, conf string) (string, []string) {
			p := filepath.Join(conf, "elasticsearch.yml")
			os.Remove(p)
			return p, []string{"inspect", "--format", "json", "--path-conf", conf}
		}},
		{"keystore", nil, func(t *testing.T, conf string) (string, []string) {
			p := filepath.Join(conf, "elasticsearch.keystore")
			os.Remove(p)
			return p, []string{"inspect", "--format", "json", "--path-conf", conf}
		}},
		{"certificate", []byte("not pem"), func(t *testing.T, conf string) (string, []string) {
			appendFile(t, filepath.Join(conf, "elasticsearch.yml"), "xpack.security.transport.ssl.certificate_authorities: [ca.crt]\n")
			return filepath.Join(conf, "ca.crt"), []string{"inspect", "--format", "json", "--path-conf", conf}
		}},
		{"cluster-settings", []byte("{}"), func(t *testing.T, conf string) (string, []string) {
			p := filepath.Join(t.TempDir(), "settings.json")
			return p, []string{"inspect", "--format", "json", "--path-conf", conf, "--cluster-settings", p}
		}},
		{"keystore-password-file", []byte("pw\n"), func(t *testing.T, conf string) (string, []string) {
			p := filepath.Join(t.TempDir(), "pw")
			return p, []string{"inspect", "--format", "json", "--path-conf", conf, "--keystore-password-file", p}
		}},
		{"fingerprint-key-file", []byte("0123456789abcdef0123456789abcdef\n"), func(t *testing.T, conf string) (string, []string) {
			p := filepath.Join(t.TempDir(), "key")
			return p, []string{"inspect", "--format", "json", "--path-conf", conf, "--fingerprint-key-file", p}
		}},
		// The good content is refused by validation too: the row is about
		// the read being bounded, not the daemon starting.
		{"agent.yml", []byte("no_such_key: 1\n"), func(t *testing.T, conf string) (string, []string) {
			p := filepath.Join(t.TempDir(), "agent.yml")
			return p, []string{"run", "--config", p}
		}},
		{"scan argument", []byte("[2024-01-01T00:00:00,000][INFO ][o.e.n.Node] [n] started\n"), func(t *testing.T, conf string) (string, []string) {
			p := filepath.Join(t.TempDir(), "c.log")
			return p, []string{"scan", p}
		}},
		{"collect log dir", []byte("[2024-01-01T00:00:00,000][INFO ][o.e.n.Node] [n] started\n"), func(t *testing.T, conf string) (string, []string) {
			logs := t.TempDir()
			return filepath.Join(logs, "c.log"), []string{"collect", "--path-conf", conf, "--path-logs", logs, "-o", filepath.Join(t.TempDir(), "b.json.gz")}
		}},
	}
	for _, in := range inputs {
		for _, k := range hostileKinds {
			if in.name == "scan argument" && k.name == "fifo" {
				// A FIFO named on the command line is streamed (`scan <(zcat x.gz)`); without a writer it reads as empty.
				continue
			}
			t.Run(in.name+"/"+k.name, func(t *testing.T) {
				conf := minimalNode(t)
				path, args := in.setup(t, conf)
				if k.plant == nil {
					good := in.good
					if good == nil {
						good = []byte("x")
					}
					stop := swapper(t, path, good)
					defer stop()
					runBounded(t, args...)
					return
				}
				plant := k.plant
				cause := k.cause
				if k.name == "huge" && (in.name == "scan argument" || in.name == "collect log dir") {
					// A log may be large; a rotated one that decompresses
					// past the cap is refused at the cap.
					if args[len(args)-1] == path {
						args[len(args)-1] = path + ".gz"
					}
					path += ".gz"
					plant = gzipBomb
					cause = "decompresses to more than"
				}
				plant(t, path)
				r := runBounded(t, args...)
				all := string(r.stdout) + string(r.stderr)
				if in.name == "collect log dir" || in.name == "agent.yml" {
					// The log dir's reader skips what it cannot tail; the
					// daemon refuses its config: both bounded.
					if in.name == "agent.yml" && (r.code != 2 || !strings.Contains(all, k.cause)) {
						t.Errorf("want exit 2 naming %q:\n%s", k.cause, r)
					}
					return
				}
				if !strings.Contains(all, filepath.Base(path)) || !strings.Contains(all, cause) {
					t.Errorf("output does not name %s and %q:\n%s", filepath.Base(path), cause, r)
				}
			})
		}
	}
}

func appendFile(t *testing.T, path, s string) {
	t.Helper()
	f, err := os.OpenFile(path, os.O_APPEND|os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	f.WriteString(s)
}

// gzipBomb writes a .gz of zeros that decompresses past the log cap.
func gzipBomb(t *testing.T, path string) {
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	zw, _ := gzip.NewWriterLevel(f, gzip.BestSpeed)
	zero := make([]byte, 1<<20)
	for i := 0; i < safefile.MaxGzipLog>>20+8; i++ {
		zw.Write(zero)
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
}
