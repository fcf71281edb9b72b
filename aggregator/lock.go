package aggregator

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"syscall"
)

// LockFile is the name of the data directory's lock: one aggregator per
// data directory (the embedded JetStream store and the history are its
// alone).
const LockFile = "aggregator.lock"

// ErrLocked is returned by Run when another aggregator holds the data
// directory's lock.
var ErrLocked = errors.New("data directory in use")

// LockedError names the lock another process holds.
type LockedError struct {
	Path string
	// PID is the holder's pid as it wrote it, 0 when unknown.
	PID int
}

func (e *LockedError) Error() string {
	who := "another aggregator"
	if e.PID > 0 {
		who += " (pid " + strconv.Itoa(e.PID) + ")"
	}
	return fmt.Sprintf("data directory in use: %s holds the lock %s", who, e.Path)
}

func (e *LockedError) Is(target error) bool { return target == ErrLocked }

// lockDataDir takes an exclusive, non-blocking flock on DIR/aggregator.lock
// and writes our pid in it. The kernel releases the lock when the process
// ends, however it ends; unlock releases it earlier.
func lockDataDir(dir string) (unlock func(), err error) {
	path := filepath.Join(dir, LockFile)
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o640)
	if err != nil {
		return nil, fmt.Errorf("aggregator: lock %s: %w", path, err)
	}
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB); err != nil {
		b := make([]byte, 32)
		n, _ := f.ReadAt(b, 0)
		f.Close()
		if errors.Is(err, syscall.EWOULDBLOCK) {
			pid, _ := strconv.Atoi(string(trimSpace(b[:n])))
			return nil, &LockedError{Path: path, PID: pid}
		}
		return nil, fmt.Errorf("aggregator: lock %s: %w", path, err)
	}
	_ = f.Truncate(0)
	_, _ = f.WriteAt([]byte(strconv.Itoa(os.Getpid())+"\n"), 0)
	return func() {
		_ = syscall.Flock(int(f.Fd()), syscall.LOCK_UN)
		f.Close()
	}, nil
}

func trimSpace(b []byte) []byte {
	for len(b) > 0 && (b[len(b)-1] == '\n' || b[len(b)-1] == ' ' || b[len(b)-1] == 0) {
		b = b[:len(b)-1]
	}
	return b
}
