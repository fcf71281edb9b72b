package follow

import (
	"fmt"
	"os"
	"syscall"
	"time"

	"github.com/hpcloud/tail/watch"
	"gopkg.in/tomb.v1"
)

// changeNotifier wakes a carrier when the file it holds may have changed
// (grown or shrunk). It is a hint: the carrier always re-reads and checks
// for itself, so a spurious or coalesced wakeup is harmless.
type changeNotifier interface {
	// C receives a value after a change; it is never closed.
	C() <-chan struct{}
	// Stop releases the notifier.
	Stop()
}

// fdNotifier is hpcloud/tail's watch.PollingFileWatcher pointed at
// /proc/self/fd/<n> of a duplicate of the carrier's descriptor, not at the
// file's name. Through that path the watcher always stats the identity the
// carrier holds, so:
//   - it never loses the file on a rename and never reports a false delete
//     (its os.SameFile check compares the held inode with itself);
//   - its one fatal path (util.Fatal → os.Exit(1) when stat fails with
//     anything but "not exist", e.g. ENOTDIR after the directory was
//     replaced, or EACCES) is unreachable: stat of an open descriptor's
//     /proc link cannot fail that way;
//   - it reports growth and shrinking of the held inode, which is what the
//     carrier needs between fsnotify events (a renamed or deleted file gets
//     no more events from its old directory).
type fdNotifier struct {
	t   tomb.Tomb
	c   chan struct{}
	dup *os.File
}

// pollInterval is hpcloud/tail's polling period (watch.POLL_DURATION,
// 250ms), read once.
var pollInterval = watch.POLL_DURATION

func newFDNotifier(f *os.File, pos int64) (changeNotifier, error) {
	raw, err := f.SyscallConn()
	if err != nil {
		return nil, err
	}
	dupFD := -1
	var dupErr error
	if err := raw.Control(func(fd uintptr) { dupFD, dupErr = syscall.Dup(int(fd)) }); err != nil {
		return nil, err
	}
	if dupErr != nil {
		return nil, dupErr
	}
	syscall.CloseOnExec(dupFD)
	n := &fdNotifier{c: make(chan struct{}, 1), dup: os.NewFile(uintptr(dupFD), f.Name())}
	w := watch.NewPollingFileWatcher(fmt.Sprintf("/proc/self/fd/%d", dupFD))
	changes, err := w.ChangeEvents(&n.t, pos)
	if err != nil { // no /proc: the carrier falls back to its own timer
		n.dup.Close()
		return nil, err
	}
	go n.forward(changes)
	return n, nil
}

// forward turns the library's unbuffered "send only if someone listens"
// channels into a one-slot latch, so that a change seen while the carrier
// is busy reading is not dropped.
func (n *fdNotifier) forward(ch *watch.FileChanges) {
	for {
		select {
		case <-ch.Modified:
		case <-ch.Truncated:
		case <-ch.Deleted:
			// Only after Stop (the descriptor is closed): the watcher
			// goroutine has returned.
			n.signal()
			return
		case <-n.t.Dying():
			return
		}
		n.signal()
	}
}

func (n *fdNotifier) signal() {
	select {
	case n.c <- struct{}{}:
	default:
	}
}

func (n *fdNotifier) C() <-chan struct{} { return n.c }

// Stop kills the watcher. Its goroutine checks for that between sleeps,
// so it may stat its path once more after Stop returns: the duplicate
// descriptor (and so the path) stays valid for a few polling periods
// longer. Even past that, a stat of a closed descriptor's path fails with
// "not exist", which the watcher handles as a delete, never as fatal.
func (n *fdNotifier) Stop() {
	n.t.Kill(nil)
	dup := n.dup
	time.AfterFunc(4*pollInterval, func() { dup.Close() })
}
