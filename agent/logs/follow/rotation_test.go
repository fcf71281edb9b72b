package follow

import (
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"
)

// Each rotation test writes numbered lines while rotating the way one tool
// does and asserts the exact set of lines: none lost, none twice.

// log4jRotate does what Elasticsearch's log4j RollingFile appender does:
// rename the active file to <cluster>-<date>-<n>.log, reopen a new active
// file, compress the rotated file to .gz and delete the plain one.
func log4jRotate(t *testing.T, w *writer, dir, date string, n int) {
	t.Helper()
	rolled := filepath.Join(dir, fmt.Sprintf("es-%s-%d.log", date, n))
	mustDo(t, os.Rename(w.path, rolled))
	w.write(3) // the appender still holds the renamed file for a moment
	w.reopen()
	gzipFile(t, rolled, rolled+".gz")
	mustDo(t, os.Remove(rolled))
}

func TestRotateLog4jSizeAndDate(t *testing.T) {
	dir := t.TempDir()
	w := newWriter(t, filepath.Join(dir, "es.log"), "l4j")
	w.write(20)
	g := newGot()
	start(t, Options{Paths: []string{dir}}, g)
	eventually(t, 5*time.Second, "the first lines", func() bool { return g.n() == 20 })
	for i := 1; i <= 6; i++ {
		date := "2024-04-10"
		if i > 3 {
			date = "2024-04-11" // the date-based roll starts the index again
		}
		w.write(50)
		log4jRotate(t, w, dir, date, (i-1)%3+1)
		w.write(10)
	}
	eventually(t, 10*time.Second, "every line", func() bool { return g.n() >= len(w.lines) })
	time.Sleep(500 * time.Millisecond) // let any duplicate show up
	exactly(t, g, w.lines)
}

// TestRotateLog4jGlobWithoutRotatedPlainName follows only es.log and the
// .gz files: the renamed plain file is outside the set, so it is drained
// through its descriptor and the .gz is recognised as its copy.
func TestRotateLog4jGlobWithoutRotatedPlainName(t *testing.T) {
	dir := t.TempDir()
	w := newWriter(t, filepath.Join(dir, "es.log"), "glob")
	w.write(20)
	g := newGot()
	start(t, Options{Paths: []string{filepath.Join(dir, "es.log"), filepath.Join(dir, "*.gz")}}, g)
	eventually(t, 5*time.Second, "the first lines", func() bool { return g.n() == 20 })
	for i := 1; i <= 4; i++ {
		w.write(40)
		log4jRotate(t, w, dir, "2024-04-10", i)
		w.write(5)
	}
	eventually(t, 10*time.Second, "every line", func() bool { return g.n() >= len(w.lines) })
	time.Sleep(time.Second)
	exactly(t, g, w.lines)
}

// copytruncate as logrotate does it: copy the file, then truncate it in
// place; the writer (O_APPEND) goes on at the new end.
func copytruncate(t *testing.T, path, dst string) {
	t.Helper()
	copyFile(t, path, dst)
	mustDo(t, os.Truncate(path, 0))
}

func TestRotateCopytruncate(t *testing.T) {
	dir := t.TempDir()
	w := newWriter(t, filepath.Join(dir, "es.log"), "ct")
	w.write(20)
	g := newGot()
	start(t, Options{Paths: []string{dir}}, g)
	eventually(t, 5*time.Second, "the first lines", func() bool { return g.n() == 20 })
	for i := 1; i <= 5; i++ {
		w.write(60)
		copytruncate(t, w.path, fmt.Sprintf("%s.%d", w.path, i))
		w.write(7)
	}
	eventually(t, 10*time.Second, "every line", func() bool { return g.n() >= len(w.lines) })
	time.Sleep(500 * time.Millisecond)
	exactly(t, g, w.lines)
}

func TestRotateDeleteRecreate(t *testing.T) {
	dir := t.TempDir()
	w := newWriter(t, filepath.Join(dir, "es.log"), "dr")
	w.write(20)
	g := newGot()
	start(t, Options{Paths: []string{dir}}, g)
	eventually(t, 5*time.Second, "the first lines", func() bool { return g.n() == 20 })
	for i := 1; i <= 5; i++ {
		w.write(30)
		mustDo(t, os.Remove(w.path))
		w.write(4) // still writing to the deleted file
		w.reopen()
		w.write(6)
		// A file deleted before anyone could open it is lost to any
		// reader: let the follower see the new file first.
		eventually(t, 5*time.Second, "the new file", func() bool { return g.has(w.lines[len(w.lines)-1]) })
	}
	eventually(t, 10*time.Second, "every line", func() bool { return g.n() >= len(w.lines) })
	time.Sleep(500 * time.Millisecond)
	exactly(t, g, w.lines)
	// The deleted files' last batches say so.
	eventually(t, 5*time.Second, "5 sources ended as deleted", func() bool {
		g.mu.Lock()
		defer g.mu.Unlock()
		deleted := 0
		for _, f := range g.finals {
			if f.Reason == "deleted" {
				deleted++
			}
		}
		return deleted == 5
	})
}

// TestRenameWhileStopped: the file is rotated (renamed, new file) while
// the follower is not running; on restart the renamed file resumes at its
// saved offset and the new file is read from its start.
func TestRenameWhileStopped(t *testing.T) {
	dir := t.TempDir()
	pos := posPath(t)
	w := newWriter(t, filepath.Join(dir, "es.log"), "rs")
	w.write(30)
	g := newGot()
	r := start(t, Options{Paths: []string{dir}, Positions: pos}, g)
	eventually(t, 5*time.Second, "30 lines", func() bool { return g.n() == 30 })
	r.stop(t)
	w.write(10) // unread when the rotation happens
	mustDo(t, os.Rename(w.path, filepath.Join(dir, "es-2024-04-10-1.log")))
	w.write(2)
	w.reopen()
	w.write(15)
	start(t, Options{Paths: []string{dir}, Positions: pos}, g)
	eventually(t, 5*time.Second, "every line", func() bool { return g.n() >= len(w.lines) })
	time.Sleep(300 * time.Millisecond)
	exactly(t, g, w.lines)
}

// TestLog4jRotationWhileStopped: rename, gzip and delete all happen while
// the follower is stopped: the .gz is read from the saved offset.
func TestLog4jRotationWhileStopped(t *testing.T) {
	dir := t.TempDir()
	pos := posPath(t)
	w := newWriter(t, filepath.Join(dir, "es.log"), "gs")
	w.write(40)
	g := newGot()
	r := start(t, Options{Paths: []string{dir}, Positions: pos}, g)
	eventually(t, 5*time.Second, "40 lines", func() bool { return g.n() == 40 })
	r.stop(t)
	w.write(25)
	log4jRotate(t, w, dir, "2024-04-10", 1)
	w.write(10)
	start(t, Options{Paths: []string{dir}, Positions: pos}, g)
	eventually(t, 5*time.Second, "every line", func() bool { return g.n() >= len(w.lines) })
	time.Sleep(300 * time.Millisecond)
	exactly(t, g, w.lines)
}

// TestTruncateWhileStopped: the file is truncated and rewritten while the
// follower is stopped; the signature tells, and it is read from 0.
func TestTruncateWhileStopped(t *testing.T) {
	for _, longer := range []bool{false, true} {
		t.Run(fmt.Sprintf("rewritten_longer_%v", longer), func(t *testing.T) {
			dir := t.TempDir()
			pos := posPath(t)
			w := newWriter(t, filepath.Join(dir, "es.log"), "ts")
			w.write(20)
			g := newGot()
			r := start(t, Options{Paths: []string{dir}, Positions: pos}, g)
			eventually(t, 5*time.Second, "20 lines", func() bool { return g.n() == 20 })
			r.stop(t)
			mustDo(t, os.Truncate(w.path, 0))
			n := 5
			if longer {
				n = 60 // longer than what was delivered: only the signature tells
			}
			w.write(n)
			start(t, Options{Paths: []string{dir}, Positions: pos}, g)
			eventually(t, 5*time.Second, "every line", func() bool { return g.n() >= len(w.lines) })
			time.Sleep(300 * time.Millisecond)
			exactly(t, g, w.lines)
		})
	}
}

// TestCopytruncateWhileStopped: lines appended after the stop are only in
// the copy once the original is truncated; the copy continues the content.
func TestCopytruncateWhileStopped(t *testing.T) {
	dir := t.TempDir()
	pos := posPath(t)
	w := newWriter(t, filepath.Join(dir, "es.log"), "cs")
	w.write(30)
	g := newGot()
	r := start(t, Options{Paths: []string{dir}, Positions: pos}, g)
	eventually(t, 5*time.Second, "30 lines", func() bool { return g.n() == 30 })
	r.stop(t)
	w.write(12)
	copytruncate(t, w.path, w.path+".1")
	w.write(9)
	start(t, Options{Paths: []string{dir}, Positions: pos}, g)
	eventually(t, 5*time.Second, "every line", func() bool { return g.n() >= len(w.lines) })
	time.Sleep(300 * time.Millisecond)
	exactly(t, g, w.lines)
}

// TestShrinkUnderReader: the file is truncated and rewritten while being
// read; reading restarts at 0 and nothing old is read twice.
func TestShrinkUnderReader(t *testing.T) {
	dir := t.TempDir()
	w := newWriter(t, filepath.Join(dir, "es.log"), "sh")
	w.write(50)
	g := newGot()
	start(t, Options{Paths: []string{dir}}, g)
	eventually(t, 5*time.Second, "50 lines", func() bool { return g.n() == 50 })
	mustDo(t, os.Truncate(w.path, 0))
	w.write(3)
	eventually(t, 5*time.Second, "every line", func() bool { return g.n() >= len(w.lines) })
	w.write(100) // and grows past the old size again
	eventually(t, 5*time.Second, "every line", func() bool { return g.n() >= len(w.lines) })
	time.Sleep(300 * time.Millisecond)
	exactly(t, g, w.lines)
}

// TestGzipNeverSeenAsPlainReadOnce: a .gz present at start and one that
// appears later are each read once, also across a restart.
func TestGzipNeverSeenAsPlainReadOnce(t *testing.T) {
	dir := t.TempDir()
	pos := posPath(t)
	old := newWriter(t, filepath.Join(dir, "old.log"), "gz1")
	old.write(30)
	gzipFile(t, old.path, filepath.Join(dir, "es-2024-04-09-1.log.gz"))
	mustDo(t, os.Remove(old.path))
	g := newGot()
	r := start(t, Options{Paths: []string{dir}, Positions: pos}, g)
	eventually(t, 5*time.Second, "30 lines", func() bool { return g.n() == 30 })
	later := newWriter(t, filepath.Join(dir, "tmp.txt"), "gz2") // not a followed name
	later.write(20)
	gzipFile(t, later.path, filepath.Join(dir, "es-2024-04-09-2.log.gz"))
	eventually(t, 5*time.Second, "50 lines", func() bool { return g.n() == 50 })
	r.stop(t)
	start(t, Options{Paths: []string{dir}, Positions: pos}, g)
	time.Sleep(time.Second)
	exactly(t, g, append(old.lines, later.lines...))
}

// TestCopytruncateCopyShorterThanDelivered: the reader is already past the
// point where the copy ends when the original is truncated; the copy holds
// nothing new and is not read.
func TestCopytruncateCopyShorterThanDelivered(t *testing.T) {
	dir := t.TempDir()
	w := newWriter(t, filepath.Join(dir, "es.log"), "cs")
	w.write(20)
	g := newGot()
	start(t, Options{Paths: []string{dir}}, g)
	eventually(t, 5*time.Second, "20 lines", func() bool { return g.n() == 20 })
	copyFile(t, w.path, w.path+".1")
	w.write(5) // read, but not in the copy
	eventually(t, 5*time.Second, "25 lines", func() bool { return g.n() == 25 })
	mustDo(t, os.Truncate(w.path, 0))
	w.write(6)
	eventually(t, 5*time.Second, "every line", func() bool { return g.n() >= len(w.lines) })
	time.Sleep(500 * time.Millisecond)
	exactly(t, g, w.lines)
}
