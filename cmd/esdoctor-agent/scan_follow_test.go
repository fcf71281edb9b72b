package main

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"go.uber.org/zap"

	"github.com/esdoctor/esdoctor/shared/cli"
	"github.com/esdoctor/esdoctor/shared/event"
)

// syncBuf is a goroutine-safe output buffer.
type syncBuf struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuf) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuf) symptoms(t *testing.T) []event.Symptom {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []event.Symptom
	for _, line := range strings.Split(strings.TrimSpace(s.b.String()), "\n") {
		if line == "" {
			continue
		}
		var sym event.Symptom
		if err := json.Unmarshal([]byte(line), &sym); err != nil {
			t.Fatalf("bad output line %q: %v", line, err)
		}
		out = append(out, sym)
	}
	return out
}

type followRun struct {
	cancel context.CancelFunc
	done   chan error
	out    *syncBuf
}

func startFollowScan(t *testing.T, opts scanOptions) *followRun {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	r := &followRun{cancel: cancel, done: make(chan error, 1), out: &syncBuf{}}
	go func() { r.done <- followScan(ctx, opts, r.out, zap.NewNop()) }()
	return r
}

func (r *followRun) stop(t *testing.T) []event.Symptom {
	t.Helper()
	r.cancel()
	select {
	case err := <-r.done:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("followScan did not stop")
	}
	return r.out.symptoms(t)
}

// connectLine is a connect_exception line logged now (the live deduper's
// window is measured against the clock when a file goes quiet).
func connectLine(addr string) string {
	ts := time.Now().UTC().Format("2006-01-02T15:04:05.000")
	ts = strings.Replace(ts, ".", ",", 1)
	return "[" + ts + "][WARN ][o.e.t.SniffConnectionStrategy] [node-1] fetching nodes from external cluster [remote1] failed org.elasticsearch.transport.ConnectTransportException: [][" + addr + "] connect_exception\n"
}

func appendTo(t *testing.T, path, s string) {
	t.Helper()
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o644)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if _, err := f.WriteString(s); err != nil {
		t.Fatal(err)
	}
}

func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func baseOpts(dir, pos string, window time.Duration) scanOptions {
	return scanOptions{Paths: []string{dir}, Format: cli.FormatJSON, Window: window, Location: time.UTC, Positions: pos, Follow: true}
}

// TestScanFollowRestartExactlyOnce: symptoms printed before a clean stop
// are not printed again after a restart on the same positions file, and
// those written while stopped (or half-written at the stop: a multi-line
// record) are printed once.
func TestScanFollowRestartExactlyOnce(t *testing.T) {
	dir := t.TempDir()
	pos := filepath.Join(t.TempDir(), "positions.json")
	log := filepath.Join(dir, "prod.log")
	appendTo(t, log, connectLine("10.0.0.1:9301")+connectLine("10.0.0.2:9301"))
	r := startFollowScan(t, baseOpts(dir, pos, 0))
	waitFor(t, "2 symptoms", func() bool { return len(r.out.symptoms(t)) == 2 })
	// A record split across the stop: header now, the exception later.
	appendTo(t, log, "[2024-04-10T16:39:22,000][WARN ][o.e.t.SniffConnectionStrategy] [node-1] fetching nodes from external cluster [remote1] failed\n")
	first := r.stop(t)
	appendTo(t, log, "org.elasticsearch.transport.ConnectTransportException: [][10.0.0.3:9301] connect_exception\n\tat org.elasticsearch.transport.TcpTransport.openConnection(TcpTransport.java:1)\n"+connectLine("10.0.0.4:9301"))
	r = startFollowScan(t, baseOpts(dir, pos, 0))
	waitFor(t, "2 more symptoms", func() bool { return len(r.out.symptoms(t)) >= 2 })
	time.Sleep(300 * time.Millisecond)
	second := r.stop(t)
	var addrs []string
	for _, s := range append(first, second...) {
		addrs = append(addrs, s.Fields["address"])
	}
	if got := strings.Join(addrs, ","); got != "10.0.0.1:9301,10.0.0.2:9301,10.0.0.3:9301,10.0.0.4:9301" {
		t.Fatalf("symptoms over both runs: %s", got)
	}
	if second[0].Line != 3 || second[0].Offset == 0 {
		t.Fatalf("the split record is reported at line %d offset %d", second[0].Line, second[0].Offset)
	}
}

// TestScanFollowCrashKeepsDedupGroups: the deduper's groups are saved
// with the positions, so a crash (the last periodic save is all there is)
// neither loses the repeats folded so far nor prints the first occurrence
// again.
func TestScanFollowCrashKeepsDedupGroups(t *testing.T) {
	dir := t.TempDir()
	pos := filepath.Join(t.TempDir(), "positions.json")
	log := filepath.Join(dir, "prod.log")
	appendTo(t, log, strings.Repeat(connectLine("10.0.0.1:9301"), 3))
	slow := baseOpts(dir, pos, time.Hour)
	slow.Repeats = time.Hour // the repeats stay counted, not yet printed, at the crash
	r := startFollowScan(t, slow)
	var crash []byte
	waitFor(t, "a periodic save holding the 2 folded repeats", func() bool {
		data, err := os.ReadFile(pos)
		if err == nil && bytes.Contains(data, []byte(`"count":2`)) {
			crash = data
			return true
		}
		return false
	})
	printed := r.stop(t) // the first occurrence at once, the fold at the stop
	if len(printed) != 2 || printed[0].Count != 1 || printed[1].Count != 2 {
		t.Fatalf("first run printed %+v", printed)
	}
	if err := os.WriteFile(pos, crash, 0o600); err != nil {
		t.Fatal(err)
	}
	appendTo(t, log, strings.Repeat(connectLine("10.0.0.1:9301"), 2))
	r = startFollowScan(t, slow)
	time.Sleep(1500 * time.Millisecond) // past IdleAfter: the last record is complete
	after := r.stop(t)
	if len(after) != 1 || after[0].Count != 4 {
		t.Fatalf("after the crash: %+v, want one fold counting 2 saved + 2 new repeats", after)
	}
}

// TestScanFollowCleanRestartKeepsGroups: a clean stop prints the folded
// repeats; a repeat after the restart is folded, not announced as a first
// occurrence again.
func TestScanFollowCleanRestartKeepsGroups(t *testing.T) {
	dir := t.TempDir()
	pos := filepath.Join(t.TempDir(), "positions.json")
	log := filepath.Join(dir, "prod.log")
	appendTo(t, log, strings.Repeat(connectLine("10.0.0.1:9301"), 3))
	r := startFollowScan(t, baseOpts(dir, pos, time.Hour))
	time.Sleep(1500 * time.Millisecond)
	if got := r.stop(t); len(got) != 2 || got[0].Count != 1 || got[1].Count != 2 {
		t.Fatalf("first run printed %+v", got)
	}
	appendTo(t, log, connectLine("10.0.0.1:9301"))
	r = startFollowScan(t, baseOpts(dir, pos, time.Hour))
	time.Sleep(1500 * time.Millisecond)
	got := r.stop(t)
	if len(got) != 1 || got[0].Line != 4 || got[0].Count != 1 {
		t.Fatalf("after the restart: %+v, want the one repeat (line 4) as a fold", got)
	}
}
