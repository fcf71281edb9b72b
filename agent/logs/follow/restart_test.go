package follow

import (
	"fmt"
	"math/rand"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"go.uber.org/zap"
	"go.uber.org/zap/zaptest/observer"

	"github.com/esdoctor/esdoctor/agent/logs/positions"
)

// TestRestartBetweenRotations stops the follower at random points while a
// writer rotates its file in every supported way, restarts it on the same
// positions file, and checks that the lines of all runs together are the
// lines written, each once.
func TestRestartBetweenRotations(t *testing.T) {
	dir := t.TempDir()
	pos := posPath(t)
	dumpCore, dumpLogs = observer.New(zap.DebugLevel)
	defer func() { dumpLogs = nil }()
	seed := time.Now().UnixNano()
	t.Logf("seed %d", seed)
	rng := rand.New(rand.NewSource(seed))
	w := newWriter(t, filepath.Join(dir, "es.log"), "rr")
	g := newGot()
	var r *runner
	restarts := 0
	for step := 0; step < 40; step++ {
		if r == nil || rng.Intn(3) == 0 {
			if r != nil {
				r.stop(t)
				restarts++
			}
			r = start(t, Options{Paths: []string{dir}, Positions: pos, BatchLines: 1 + rng.Intn(20), SaveInterval: 50 * time.Millisecond}, g)
		}
		w.write(1 + rng.Intn(30))
		switch rng.Intn(5) {
		case 0:
			log4jRotate(t, w, dir, "2024-04-10", step)
		case 1:
			copytruncate(t, w.path, fmt.Sprintf("%s.%d", w.path, step))
		case 2:
			// delete and recreate; a file must live long enough to be seen
			// by some run, so only while one is running and caught up.
			eventually(t, 5*time.Second, "caught up", func() bool { return g.has(w.lines[len(w.lines)-1]) })
			mustDo(t, os.Remove(w.path))
			w.write(2)
			w.reopen()
			// A deleted file is drained through the descriptor of the run
			// that holds it; stopping before that loses its tail for good.
			eventually(t, 5*time.Second, "drained", func() bool { return g.has(w.lines[len(w.lines)-1]) })
		}
		time.Sleep(time.Duration(rng.Intn(30)) * time.Millisecond)
	}
	eventually(t, 10*time.Second, "every line", func() bool { return g.n() >= len(w.lines) })
	time.Sleep(500 * time.Millisecond)
	t.Logf("%d lines, %d restarts", len(w.lines), restarts)
	exactly(t, g, w.lines)
}

// TestPositionsCorrupt: a corrupt positions file is reported and the
// follower starts fresh from the start of the files, then writes a good
// file.
func TestPositionsCorrupt(t *testing.T) {
	for _, fromEnd := range []bool{false, true} {
		t.Run(fmt.Sprintf("from_end_%v", fromEnd), func(t *testing.T) {
			dir := t.TempDir()
			pos := posPath(t)
			mustDo(t, os.WriteFile(pos, []byte(`{"version":1,"entries":[{"id":`), 0o600))
			w := newWriter(t, filepath.Join(dir, "es.log"), "pc")
			w.write(5)
			g := newGot()
			r := start(t, Options{Paths: []string{dir}, Positions: pos, FromEnd: fromEnd}, g)
			if !r.f.Fresh() {
				t.Fatal("not fresh")
			}
			<-r.f.Ready()
			w.write(3)
			want := w.lines
			if fromEnd {
				want = w.lines[5:]
			}
			eventually(t, 5*time.Second, "the lines", func() bool { return g.n() >= len(want) })
			r.stop(t)
			exactly(t, g, want)
			warned := false
			for _, e := range r.logs.All() {
				if strings.Contains(e.Message, "positions file unusable; starting fresh") && e.ContextMap()["path"] == pos &&
					strings.Contains(fmt.Sprint(e.ContextMap()["error"]), "malformed JSON") {
					warned = true
				}
			}
			if !warned {
				t.Fatalf("no clear warning; logs: %v", r.logs.All())
			}
			pf, err := positions.Load(pos)
			if err != nil || len(pf.Entries) != 1 || pf.Entries[0].Line != 8 {
				t.Fatalf("positions after the run: %+v %v", pf, err)
			}
			st, _ := os.Stat(pos)
			if st.Mode().Perm() != 0o600 {
				t.Fatalf("mode %v", st.Mode().Perm())
			}
		})
	}
}

// TestFromEndOnlyOnFirstRun: with FromEnd a first run skips what exists
// (a half-written last line is not cut: it is read whole once complete)
// and the .gz files; a file that appears later, and anything written while
// the follower is stopped, is read from its start.
func TestFromEndOnlyOnFirstRun(t *testing.T) {
	dir := t.TempDir()
	pos := posPath(t)
	old := newWriter(t, filepath.Join(dir, "rolled.log"), "old")
	old.write(10)
	gzipFile(t, old.path, filepath.Join(dir, "es-2024-04-09-1.log.gz"))
	mustDo(t, os.Remove(old.path))
	w := newWriter(t, filepath.Join(dir, "es.log"), "fe")
	w.write(10)
	_, err := w.f.WriteString("half-")
	mustDo(t, err)
	g := newGot()
	r := start(t, Options{Paths: []string{dir}, Positions: pos, FromEnd: true}, g)
	<-r.f.Ready()
	_, err = w.f.WriteString("line\n")
	mustDo(t, err)
	w.write(2)
	later := newWriter(t, filepath.Join(dir, "later.log"), "lt")
	later.write(3)
	eventually(t, 5*time.Second, "6 lines", func() bool { return g.n() >= 6 })
	r.stop(t)
	w.write(4) // while stopped
	start(t, Options{Paths: []string{dir}, Positions: pos, FromEnd: true}, g)
	want := append(append([]string{"half-line"}, w.lines[10:]...), later.lines...)
	eventually(t, 5*time.Second, "every line", func() bool { return g.n() >= len(want) })
	time.Sleep(300 * time.Millisecond)
	exactly(t, g, want)
}

// TestCommitBelowEnd: a consumer that holds lines back commits less than
// it was given; after a restart the held lines come again.
func TestCommitBelowEnd(t *testing.T) {
	dir := t.TempDir()
	pos := posPath(t)
	w := newWriter(t, filepath.Join(dir, "es.log"), "cb")
	w.write(10)
	g := newGot()
	g.refuse = func(b *Batch) error {
		if len(b.Lines) > 2 {
			l := b.Lines[len(b.Lines)-2]
			b.Commit(l.Offset, l.Number-1) // the last two lines are "pending"
		}
		return nil
	}
	r := start(t, Options{Paths: []string{dir}, Positions: pos}, g)
	eventually(t, 5*time.Second, "10 lines", func() bool { return g.n() == 10 })
	r.stop(t)
	g2 := newGot()
	start(t, Options{Paths: []string{dir}, Positions: pos}, g2)
	eventually(t, 5*time.Second, "the held lines", func() bool { return g2.n() == 2 })
	time.Sleep(200 * time.Millisecond)
	exactly(t, g2, w.lines[8:])
	if g2.lines[0].Number != 9 {
		t.Fatalf("line number %d after restart, want 9", g2.lines[0].Number)
	}
}

// TestUnreadablePathWarnsAndOthersGoOn: a symlink loop cannot be read; it
// is reported (once) and the other files are followed.
func TestUnreadablePathWarnsAndOthersGoOn(t *testing.T) {
	dir := t.TempDir()
	mustDo(t, os.Symlink(filepath.Join(dir, "b.log"), filepath.Join(dir, "a.log")))
	mustDo(t, os.Symlink(filepath.Join(dir, "a.log"), filepath.Join(dir, "b.log")))
	w := newWriter(t, filepath.Join(dir, "es.log"), "ok")
	w.write(3)
	g := newGot()
	r := start(t, Options{Paths: []string{dir}, Rescan: 50 * time.Millisecond}, g)
	eventually(t, 5*time.Second, "3 lines", func() bool { return g.n() == 3 })
	time.Sleep(300 * time.Millisecond) // several rescans
	warnings := 0
	for _, e := range r.logs.All() {
		if e.ContextMap()["path"] == filepath.Join(dir, "a.log") && strings.Contains(fmt.Sprint(e.ContextMap()["error"]), "too many levels of symbolic links") {
			warnings++
		}
	}
	if warnings != 1 {
		t.Fatalf("%d warnings for the loop, want 1", warnings)
	}
	w.write(2)
	eventually(t, 5*time.Second, "5 lines", func() bool { return g.n() == 5 })
}

// TestIdleBatch: a file with nothing new for IdleAfter gets one Idle
// batch, not a stream of them.
func TestIdleBatch(t *testing.T) {
	dir := t.TempDir()
	w := newWriter(t, filepath.Join(dir, "es.log"), "id")
	w.write(3)
	g := newGot()
	var idle []int64
	g.refuse = func(b *Batch) error {
		if b.Idle {
			g.mu.Lock()
			off, _ := b.End()
			idle = append(idle, off)
			g.mu.Unlock()
		}
		return nil
	}
	start(t, Options{Paths: []string{dir}, IdleAfter: 50 * time.Millisecond}, g)
	eventually(t, 5*time.Second, "an idle batch", func() bool { g.mu.Lock(); defer g.mu.Unlock(); return len(idle) == 1 })
	time.Sleep(300 * time.Millisecond)
	w.write(1)
	eventually(t, 5*time.Second, "a second idle batch", func() bool { g.mu.Lock(); defer g.mu.Unlock(); return len(idle) == 2 })
	g.mu.Lock()
	defer g.mu.Unlock()
	if len(idle) != 2 || idle[1] <= idle[0] {
		t.Fatalf("idle batches at %v", idle)
	}
}

// TestCrashRestartLosesNothing: a crash leaves the positions of the last
// periodic save, older than what was delivered. Restarted from such a
// file (taken at a random moment while the writer rotates), the follower
// loses nothing; lines after the save may come again (at least once).
func TestCrashRestartLosesNothing(t *testing.T) {
	dir := t.TempDir()
	pos := posPath(t)
	crash := posPath(t)
	w := newWriter(t, filepath.Join(dir, "es.log"), "cr")
	g := newGot()
	r := start(t, Options{Paths: []string{dir}, Positions: pos, SaveInterval: 20 * time.Millisecond}, g)
	rng := rand.New(rand.NewSource(time.Now().UnixNano()))
	snap := 5 + rng.Intn(10)
	for step := 0; step < 20; step++ {
		w.write(20)
		if step%2 == 0 {
			log4jRotate(t, w, dir, "2024-04-10", step)
		} else {
			copytruncate(t, w.path, fmt.Sprintf("%s.%d", w.path, step))
		}
		if step == snap {
			eventually(t, 5*time.Second, "a save", func() bool { _, err := os.Stat(pos); return err == nil })
			data, err := os.ReadFile(pos)
			mustDo(t, err)
			mustDo(t, os.WriteFile(crash, data, 0o600))
		}
		time.Sleep(10 * time.Millisecond)
	}
	eventually(t, 10*time.Second, "every line", func() bool { return g.n() >= len(w.lines) })
	r.stop(t)
	g2 := newGot()
	start(t, Options{Paths: []string{dir}, Positions: crash}, g2)
	time.Sleep(time.Second)
	eventually(t, 5*time.Second, "the second run to settle", func() bool { n := g2.n(); time.Sleep(300 * time.Millisecond); return g2.n() == n })
	g.mu.Lock()
	g2.mu.Lock()
	defer g.mu.Unlock()
	defer g2.mu.Unlock()
	for _, l := range w.lines {
		if g.count[l]+g2.count[l] == 0 {
			t.Fatalf("lost %q", l)
		}
		if g.count[l] > 1 || g2.count[l] > 1 {
			t.Fatalf("%q delivered twice by one run", l)
		}
	}
	t.Logf("the run after the crash delivered %d lines again", len(g2.lines))
}

// TestPruneForgetsContentNoFileCarries: positions of content that no
// present file carries are dropped after PruneAfter.
func TestPruneForgetsContentNoFileCarries(t *testing.T) {
	dir := t.TempDir()
	pos := posPath(t)
	a := newWriter(t, filepath.Join(dir, "a.log"), "pa")
	b := newWriter(t, filepath.Join(dir, "b.log"), "pb")
	a.write(3)
	b.write(3)
	g := newGot()
	r := start(t, Options{Paths: []string{dir}, Positions: pos, PruneAfter: 200 * time.Millisecond, Rescan: 50 * time.Millisecond, DrainGrace: 50 * time.Millisecond}, g)
	eventually(t, 5*time.Second, "6 lines", func() bool { return g.n() == 6 })
	mustDo(t, os.Remove(a.path))
	time.Sleep(time.Second)
	r.stop(t)
	pf, err := positions.Load(pos)
	mustDo(t, err)
	if len(pf.Entries) != 1 || filepath.Base(pf.Entries[0].Path) != "b.log" {
		t.Fatalf("entries after pruning: %+v", pf.Entries)
	}
}
