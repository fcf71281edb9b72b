package follow

import (
	"compress/gzip"
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"
	"go.uber.org/zap/zaptest/observer"
)

// got records what a consumer received.
type got struct {
	mu      sync.Mutex
	lines   []Line
	sources []Source
	finals  []Batch
	count   map[string]int
	refuse  func(*Batch) error // optional
}

func newGot() *got { return &got{count: map[string]int{}} }

func (g *got) deliver(b *Batch) error {
	if g.refuse != nil {
		if err := g.refuse(b); err != nil {
			return err
		}
	}
	g.mu.Lock()
	defer g.mu.Unlock()
	for _, l := range b.Lines {
		g.lines = append(g.lines, l)
		g.sources = append(g.sources, b.Source)
		g.count[l.Text]++
	}
	if b.Final {
		g.finals = append(g.finals, Batch{Source: b.Source, Reason: b.Reason})
	}
	return nil
}

func (g *got) n() int {
	g.mu.Lock()
	defer g.mu.Unlock()
	return len(g.lines)
}

func (g *got) has(text string) bool {
	g.mu.Lock()
	defer g.mu.Unlock()
	return g.count[text] > 0
}

// dumpLogs, when set, is printed by exactly on a failure.
var (
	dumpLogs *observer.ObservedLogs
	dumpCore zapcore.Core
)

// runner is one running Follower.
type runner struct {
	f      *Follower
	cancel context.CancelFunc
	done   chan error
	logs   *observer.ObservedLogs
}

func start(t *testing.T, opts Options, g *got) *runner {
	t.Helper()
	core, logs := observer.New(zap.DebugLevel)
	if dumpLogs != nil {
		core = dumpCore
	}
	opts.Logger = zap.New(core)
	if opts.SettleTime == 0 {
		opts.SettleTime = 200 * time.Millisecond
	}
	if opts.DrainGrace == 0 {
		opts.DrainGrace = 300 * time.Millisecond
	}
	if opts.Poll == 0 {
		opts.Poll = 200 * time.Millisecond
	}
	if opts.Rescan == 0 {
		opts.Rescan = time.Second
	}
	f, err := New(opts)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	r := &runner{f: f, cancel: cancel, done: make(chan error, 1), logs: logs}
	go func() { r.done <- f.Run(ctx, g.deliver) }()
	t.Cleanup(func() { r.stop(t) })
	return r
}

func (r *runner) stop(t *testing.T) {
	t.Helper()
	if r.cancel == nil {
		return
	}
	r.cancel()
	r.cancel = nil
	select {
	case err := <-r.done:
		if err != nil {
			t.Errorf("Run: %v", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("Run did not return within 10s of cancel")
	}
}

// eventually polls cond until it holds or the deadline passes.
func eventually(t *testing.T, d time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(d)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out after %v waiting for %s", d, what)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// exactly asserts that g received each of want exactly once and nothing
// else, and that lines of one source came in order with exact offsets.
func exactly(t *testing.T, g *got, want []string) {
	t.Helper()
	g.mu.Lock()
	defer g.mu.Unlock()
	wantSet := map[string]bool{}
	for _, w := range want {
		wantSet[w] = true
	}
	var lost, dup, extra []string
	for _, w := range want {
		switch n := g.count[w]; {
		case n == 0:
			lost = append(lost, w)
		case n > 1:
			dup = append(dup, fmt.Sprintf("%s x%d", w, n))
		}
	}
	for text := range g.count {
		if !wantSet[text] {
			extra = append(extra, text)
		}
	}
	sort.Strings(extra)
	if len(dup) > 0 {
		for i, l := range g.lines {
			if g.count[l.Text] > 1 {
				t.Logf("dup %.9s from %s %s at %d", l.Text, g.sources[i].ID, g.sources[i].Path, l.Offset)
			}
		}
	}
	if len(lost)+len(dup)+len(extra) > 0 && dumpLogs != nil {
		for _, e := range dumpLogs.All() {
			t.Logf("%s %s %v", e.Time.Format("05.000000"), e.Message, e.ContextMap())
		}
	}
	if len(lost)+len(dup)+len(extra) > 0 {
		t.Fatalf("got %d lines for %d wanted: lost %d %v, duplicated %d %v, unexpected %d %v",
			len(g.lines), len(want), len(lost), head(lost), len(dup), head(dup), len(extra), head(extra))
	}
	last := map[string]Line{}
	for i, l := range g.lines {
		id := g.sources[i].ID
		if p, ok := last[id]; ok && (l.Offset != p.End || l.Number != p.Number+1) {
			t.Fatalf("source %s: line %q at %d (#%d) does not follow %q ending at %d (#%d)", id, l.Text, l.Offset, l.Number, p.Text, p.End, p.Number)
		}
		last[id] = l
	}
}

func head(s []string) []string {
	if len(s) > 5 {
		return s[:5]
	}
	return s
}

// writer appends numbered lines to a log file the way a logger does.
type writer struct {
	t      *testing.T
	path   string
	f      *os.File
	n      int
	prefix string
	lines  []string
}

func newWriter(t *testing.T, path, prefix string) *writer {
	w := &writer{t: t, path: path, prefix: prefix}
	w.reopen()
	t.Cleanup(func() { w.f.Close() })
	return w
}

// reopen opens the path again (O_APPEND|O_CREATE), as log4j does after a
// rotation.
func (w *writer) reopen() {
	w.t.Helper()
	if w.f != nil {
		w.f.Close()
	}
	f, err := os.OpenFile(w.path, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o644)
	if err != nil {
		w.t.Fatal(err)
	}
	w.f = f
}

func (w *writer) write(k int) {
	w.t.Helper()
	var b strings.Builder
	for i := 0; i < k; i++ {
		w.n++
		line := fmt.Sprintf("%s-%06d [2024-04-10T16:39:21,495][WARN ][o.e.t.SniffConnectionStrategy] [node-1] some text", w.prefix, w.n)
		w.lines = append(w.lines, line)
		b.WriteString(line)
		b.WriteByte('\n')
	}
	if _, err := w.f.WriteString(b.String()); err != nil {
		w.t.Fatal(err)
	}
}

func gzipFile(t *testing.T, src, dst string) {
	t.Helper()
	in, err := os.Open(src)
	if err != nil {
		t.Fatal(err)
	}
	defer in.Close()
	out, err := os.Create(dst)
	if err != nil {
		t.Fatal(err)
	}
	zw := gzip.NewWriter(out)
	if _, err := io.Copy(zw, in); err != nil {
		t.Fatal(err)
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	if err := out.Close(); err != nil {
		t.Fatal(err)
	}
}

func copyFile(t *testing.T, src, dst string) {
	t.Helper()
	data, err := os.ReadFile(src)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(dst, data, 0o644); err != nil {
		t.Fatal(err)
	}
}

func mustDo(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

func posPath(t *testing.T) string { return filepath.Join(t.TempDir(), "positions.json") }
