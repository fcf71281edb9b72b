package follow

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/hpcloud/tail"
)

// Tests named after the hpcloud/tail behaviours the follower guards
// against (see doc.go).

// TestGuardNoDrainOnRename_loki7967: hpcloud/tail reopens a renamed file's
// name at once and loses what the writer still appends to the renamed
// file. Here the renamed file is outside the followed set; it is drained
// through the held descriptor.
func TestGuardNoDrainOnRename_loki7967(t *testing.T) {
	dir := t.TempDir()
	w := newWriter(t, filepath.Join(dir, "es.log"), "r")
	w.write(10)
	g := newGot()
	start(t, Options{Paths: []string{w.path}}, g)
	eventually(t, 5*time.Second, "10 lines", func() bool { return g.n() == 10 })
	mustDo(t, os.Rename(w.path, filepath.Join(dir, "renamed.txt")))
	newer := newWriter(t, w.path, "n")
	for i := 0; i < 10; i++ { // the old writer keeps writing for a while
		w.write(5)
		newer.write(1)
		time.Sleep(20 * time.Millisecond)
	}
	eventually(t, 5*time.Second, "every line", func() bool { return g.n() >= len(w.lines)+len(newer.lines) })
	time.Sleep(500 * time.Millisecond)
	exactly(t, g, append(append([]string(nil), w.lines...), newer.lines...))
}

// TestGuardUtilFatalOnStatError: hpcloud/tail's polling watcher calls
// util.Fatal (os.Exit(1)) when stat of the followed name fails with
// anything but "not exist". Replacing the file's directory by a regular
// file makes that stat fail with ENOTDIR. The follower survives, drains
// the file it holds and goes on with the others.
func TestGuardUtilFatalOnStatError(t *testing.T) {
	dir := t.TempDir()
	sub := filepath.Join(dir, "sub")
	mustDo(t, os.Mkdir(sub, 0o755))
	w := newWriter(t, filepath.Join(sub, "app.log"), "s")
	other := newWriter(t, filepath.Join(dir, "other.log"), "o")
	w.write(5)
	other.write(5)
	g := newGot()
	r := start(t, Options{Paths: []string{w.path, other.path}}, g)
	eventually(t, 5*time.Second, "10 lines", func() bool { return g.n() == 10 })
	mustDo(t, os.Rename(sub, sub+".old"))
	mustDo(t, os.WriteFile(sub, []byte("not a directory"), 0o644))
	w.write(5) // into the held file, now at sub.old/app.log
	other.write(5)
	eventually(t, 5*time.Second, "every line", func() bool { return g.n() == 20 })
	exactly(t, g, append(append([]string(nil), w.lines...), other.lines...))
	eventually(t, 5*time.Second, "a warning naming the path", func() bool {
		for _, e := range r.logs.All() {
			if strings.Contains(fmt.Sprint(e.ContextMap()["error"]), "not a directory") && e.ContextMap()["path"] == w.path {
				return true
			}
		}
		return false
	})
}

// TestGuardUtilFatalOnStatError_hpcloudReproduced shows that the guard is
// needed: hpcloud/tail itself, in a child process, exits 1 in the same
// situation.
func TestGuardUtilFatalOnStatError_hpcloudReproduced(t *testing.T) {
	if dir := os.Getenv("FOLLOW_HPCLOUD_FATAL_DIR"); dir != "" {
		hpcloudFatalChild(dir)
		return
	}
	dir := t.TempDir()
	cmd := exec.Command(os.Args[0], "-test.run=^TestGuardUtilFatalOnStatError_hpcloudReproduced$")
	cmd.Env = append(os.Environ(), "FOLLOW_HPCLOUD_FATAL_DIR="+dir)
	out, err := cmd.CombinedOutput()
	var ee *exec.ExitError
	if !errors.As(err, &ee) || ee.ExitCode() != 1 || !strings.Contains(string(out), "FATAL -- Failed to stat file") {
		t.Fatalf("hpcloud/tail was expected to exit 1 with util.Fatal; err %v, output:\n%s", err, out)
	}
}

func hpcloudFatalChild(dir string) {
	sub := filepath.Join(dir, "sub")
	_ = os.Mkdir(sub, 0o755)
	path := filepath.Join(sub, "app.log")
	_ = os.WriteFile(path, []byte("line\n"), 0o644)
	tl, err := tail.TailFile(path, tail.Config{Follow: true, ReOpen: true, Poll: true, Logger: tail.DiscardingLogger})
	if err != nil {
		os.Exit(3)
	}
	<-tl.Lines
	time.Sleep(300 * time.Millisecond) // it is polling now
	_ = os.Rename(sub, sub+".old")
	_ = os.WriteFile(sub, []byte("x"), 0o644)
	time.Sleep(3 * time.Second)
	os.Exit(0) // survived: the test fails
}

// TestGuardTruncateKeepsIdentity: after a truncation hpcloud/tail reopens
// the file by name, which may by then be another file. Here the truncated
// file is read again from 0 through the same descriptor, and the file now
// at the name is read once, on its own.
func TestGuardTruncateKeepsIdentity(t *testing.T) {
	dir := t.TempDir()
	a := newWriter(t, filepath.Join(dir, "es.log"), "a")
	a.write(20)
	g := newGot()
	start(t, Options{Paths: []string{dir}}, g)
	eventually(t, 5*time.Second, "20 lines", func() bool { return g.n() == 20 })
	mustDo(t, os.Rename(a.path, filepath.Join(dir, "es.log.old")))
	c := newWriter(t, filepath.Join(dir, "es.log"), "c")
	c.write(10)
	mustDo(t, a.f.Truncate(0))
	a.write(7)
	eventually(t, 5*time.Second, "every line", func() bool { return g.n() >= len(a.lines)+len(c.lines) })
	time.Sleep(500 * time.Millisecond)
	exactly(t, g, append(append([]string(nil), a.lines...), c.lines...))
}

// TestGuardSavedOffsetIsDeliveredNotRead: hpcloud/tail's Tell() is the
// read offset, ahead of what the consumer has. Here the consumer takes one
// batch and refuses the rest; after a restart every line it did not take
// comes again, and none it took.
func TestGuardSavedOffsetIsDeliveredNotRead(t *testing.T) {
	dir := t.TempDir()
	pos := posPath(t)
	w := newWriter(t, filepath.Join(dir, "es.log"), "d")
	w.write(100)
	g := newGot()
	var taken atomic.Int32
	g.refuse = func(b *Batch) error {
		if len(b.Lines) > 0 && taken.Add(1) > 1 {
			return errors.New("consumer full")
		}
		return nil
	}
	r := start(t, Options{Paths: []string{dir}, Positions: pos, BatchLines: 10}, g)
	eventually(t, 5*time.Second, "a refused batch", func() bool { return taken.Load() > 1 })
	r.stop(t)
	if g.n() != 10 {
		t.Fatalf("first run delivered %d lines, want 10", g.n())
	}
	g.refuse = nil
	start(t, Options{Paths: []string{dir}, Positions: pos}, g)
	eventually(t, 5*time.Second, "every line", func() bool { return g.n() >= 100 })
	time.Sleep(200 * time.Millisecond)
	exactly(t, g, w.lines)
}

// TestGuardLongLinesNotSplit: hpcloud/tail's MaxLineSize splits a long
// line into several lines, which shifts every line number after it. Here
// it stays one line, cut and flagged.
func TestGuardLongLinesNotSplit(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "es.log")
	mustDo(t, os.WriteFile(path, []byte("a\n"+strings.Repeat("L", 100)+"\nb\n"), 0o644))
	g := newGot()
	start(t, Options{Paths: []string{path}, MaxLineBytes: 30}, g)
	eventually(t, 5*time.Second, "3 lines", func() bool { return g.n() == 3 })
	g.mu.Lock()
	defer g.mu.Unlock()
	if l := g.lines[1]; !l.Truncated || len(l.Text) != 30 || l.Number != 2 || l.End != 103 {
		t.Fatalf("long line %+v", l)
	}
	if l := g.lines[2]; l.Text != "b" || l.Number != 3 {
		t.Fatalf("line after %+v", l)
	}
}
