package follow

import (
	"os"
	"path/filepath"
	"testing"
	"time"
)

// TestDescriptorWatcherWakesRenamedAwayFile: a file renamed into another
// directory gets no more fsnotify events from the followed one; the
// hpcloud/tail polling watcher on /proc/self/fd/<n> is what wakes its
// carrier (the fallback timer is set far beyond the deadline here).
func TestDescriptorWatcherWakesRenamedAwayFile(t *testing.T) {
	dir, away := t.TempDir(), t.TempDir()
	w := newWriter(t, filepath.Join(dir, "es.log"), "dw")
	w.write(3)
	g := newGot()
	start(t, Options{Paths: []string{dir}, Poll: time.Minute, Rescan: time.Minute, DrainGrace: time.Minute, IdleAfter: time.Minute}, g)
	eventually(t, 5*time.Second, "3 lines", func() bool { return g.n() == 3 })
	mustDo(t, os.Rename(w.path, filepath.Join(away, "moved.log")))
	time.Sleep(100 * time.Millisecond) // the rename is seen
	w.write(4)
	eventually(t, 3*time.Second, "the lines written after the move", func() bool { return g.n() == 7 })
	exactly(t, g, w.lines)
}

func TestFDNotifierSignalsGrowth(t *testing.T) {
	path := filepath.Join(t.TempDir(), "f")
	mustDo(t, os.WriteFile(path, []byte("a\n"), 0o644))
	f, err := os.Open(path)
	mustDo(t, err)
	defer f.Close()
	n, err := newFDNotifier(f, 2)
	mustDo(t, err)
	defer n.Stop()
	drain := func() {
		for {
			select {
			case <-n.C():
			case <-time.After(3 * pollInterval):
				return
			}
		}
	}
	drain() // the watcher's first look reports a change
	wf, err := os.OpenFile(path, os.O_WRONLY|os.O_APPEND, 0)
	mustDo(t, err)
	_, err = wf.WriteString("b\n")
	mustDo(t, err)
	wf.Close()
	select {
	case <-n.C():
	case <-time.After(5 * time.Second):
		t.Fatal("no signal after the file grew")
	}
}
