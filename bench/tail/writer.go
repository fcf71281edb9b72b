package main

import (
	"bytes"
	"compress/gzip"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"sync"
	"sync/atomic"
	"time"
)

// Rotation modes.
const (
	modeLog4j        = "log4j"        // rename to <cluster>-<date>-<n>.log, reopen, gzip, delete the plain file
	modeCopytruncate = "copytruncate" // logrotate: copy to es.log.<n>, truncate in place (writer uses O_APPEND)
	modeDelete       = "delete"       // delete the file (the writer still holds it a moment), recreate
)

// window is the seq range a copytruncate can lose by itself: the lines
// after the last one in the copy (from, exclusive) up to the last one
// written before the truncate (to): once truncated they exist nowhere,
// unless the reader had already read them. Every line up to from is in
// the copy and must be delivered.
type window struct {
	from, to int64
	at       time.Time // when the truncate was done
}

// logWriter appends numbered lines to dir/es.log at full speed, in whole
// lines per write(2) like log4j, and rotates by size.
type logWriter struct {
	cfg     Config
	dir     string
	path    string
	f       *os.File
	seq     int64        // last seq built
	flushed atomic.Int64 // last seq written to the file
	writing atomic.Int64 // last seq of the write in progress (>= flushed)
	bytes   int64
	size    int64 // bytes in the current file (approximate under copytruncate)
	first   int64 // first seq of the current file
	// deleted is the last seq written to a file deleted by a delete
	// rotation: until the reader has seen it, stopping the reader would
	// lose it for good (nobody can open a deleted file).
	deleted atomic.Int64
	n       int // rotation counter
	modes   map[string]int

	mu       sync.Mutex
	events   []string // rotation log, for a failure report
	windows  []window
	rotated  []rotatedFile // retention queue
	busy     sync.WaitGroup
	ctBusy   atomic.Bool
	ctFirst  atomic.Int64 // set by a copytruncate: where the file's content now starts
	readerUp func() bool  // false while the reader is stopped (no delete rotations then)
	seenUpTo func() int64
	holds    func(path string) bool // whether the reader holds the file open (nil: unknown)
	// deleting is held across a delete rotation: a reader restart takes
	// it so that no file is deleted between its last check and the stop.
	deleting sync.Mutex
}

type rotatedFile struct {
	path   string
	maxSeq int64
}

func newLogWriter(cfg Config, dir string) (*logWriter, error) {
	w := &logWriter{cfg: cfg, dir: dir, path: filepath.Join(dir, "es.log"), modes: map[string]int{}}
	return w, w.reopen()
}

func (w *logWriter) reopen() error {
	if w.f != nil {
		w.f.Close()
	}
	f, err := os.OpenFile(w.path, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o644)
	if err != nil {
		return err
	}
	w.f, w.size, w.first = f, 0, w.seq+1
	return nil
}

// line returns the text of line seq (without "\n"). Each is a real
// Elasticsearch connect_exception line (one symptom each) carrying its seq.
func line(seq int64, pad int) []byte {
	b := make([]byte, 0, 256+pad)
	b = append(b, "[2024-04-10T16:39:21,495][WARN ][o.e.t.SniffConnectionStrategy] [node-1] fetching nodes from external cluster [remote1] failed seq="...)
	b = append(b, fmt.Sprintf("%012d", seq)...)
	b = append(b, " org.elasticsearch.transport.ConnectTransportException: [][10."...)
	b = strconv.AppendInt(b, (seq>>16)&255, 10)
	b = append(b, '.')
	b = strconv.AppendInt(b, (seq>>8)&255, 10)
	b = append(b, '.')
	b = strconv.AppendInt(b, seq&255, 10)
	b = append(b, ":9301] connect_exception"...)
	for i := 0; i < pad; i++ {
		b = append(b, 'x')
	}
	return b
}

// parseSeq finds "seq=" and the 12 digits after it.
func parseSeq(s []byte) int64 {
	for i := 0; i+16 <= len(s); i++ {
		if s[i] == 's' && s[i+1] == 'e' && s[i+2] == 'q' && s[i+3] == '=' {
			n, err := strconv.ParseInt(string(s[i+4:i+16]), 10, 64)
			if err != nil {
				return -1
			}
			return n
		}
	}
	return -1
}

// run writes until stop is closed.
func (w *logWriter) run(stop <-chan struct{}) error {
	buf := make([]byte, 0, 32<<10)
	start := time.Now()
	for {
		select {
		case <-stop:
			w.busy.Wait()
			return nil
		default:
		}
		if w.cfg.Rate > 0 {
			if ahead := time.Duration(float64(w.seq)/float64(w.cfg.Rate)*float64(time.Second)) - time.Since(start); ahead > 0 {
				time.Sleep(ahead)
			}
		}
		// Back-pressure: never get too far ahead of the reader.
		for w.seq-w.seenUpTo() > w.cfg.MaxLag {
			select {
			case <-stop:
				w.busy.Wait()
				return nil
			case <-time.After(time.Millisecond):
			}
		}
		buf = buf[:0]
		for len(buf) < 16<<10 {
			w.seq++
			buf = append(buf, line(w.seq, w.cfg.Pad)...)
			buf = append(buf, '\n')
		}
		w.writing.Store(w.seq)
		if _, err := w.f.Write(buf); err != nil {
			return err
		}
		w.flushed.Store(w.seq)
		w.bytes += int64(len(buf))
		w.size += int64(len(buf))
		if f := w.ctFirst.Swap(0); f != 0 {
			w.first = f
		}
		if w.size >= w.cfg.RotateBytes && !w.ctBusy.Load() {
			if err := w.rotate(); err != nil {
				return err
			}
		}
		w.retain()
	}
}

func (w *logWriter) nextMode() string {
	ms := w.cfg.Modes
	for i := 0; i < len(ms); i++ {
		m := ms[(w.n+i)%len(ms)]
		if m == modeDelete && !w.readerUp() {
			continue // a file deleted while no reader holds it is lost to anyone
		}
		return m
	}
	return modeLog4j
}

func (w *logWriter) rotate() error {
	mode := w.nextMode()
	w.n++
	w.modes[mode]++
	w.event("rotate %d %s at seq %d (file from %d)", w.n, mode, w.seq, w.first)
	switch mode {
	case modeLog4j:
		return w.rotateLog4j()
	case modeCopytruncate:
		w.ctBusy.Store(true)
		dst := fmt.Sprintf("%s.%d", w.path, w.n)
		w.busy.Add(1)
		go func() { // logrotate runs beside the writer
			defer w.busy.Done()
			defer w.ctBusy.Store(false)
			if err := copyFile(w.path, dst); err != nil {
				return
			}
			_ = os.Truncate(w.path, 0)
			// A write in progress may have landed before the truncate.
			to := w.writing.Load()
			w.ctFirst.Store(to + 1) // the new content starts at most here
			from := lastSeq(dst)
			w.mu.Lock()
			w.windows = append(w.windows, window{from, to, time.Now()})
			w.mu.Unlock()
			w.event("copytruncate %s done: copy ends at %d, truncated after %d", dst, from, to)
			w.keep(dst, from)
		}()
		w.size = 0
	case modeDelete:
		w.deleting.Lock()
		defer w.deleting.Unlock()
		// Like a real log file, this one has lived long enough for the
		// reader to hold it; if it does not yet, rotate another way.
		held := func() bool {
			if w.holds != nil {
				return w.holds(w.path)
			}
			return w.seenUpTo() >= w.first
		}
		for wait := time.Now(); !held() && w.readerUp() && time.Since(wait) < time.Second; {
			time.Sleep(time.Millisecond)
		}
		if !w.readerUp() || !held() {
			w.modes[modeDelete]--
			w.modes[modeLog4j]++
			return w.rotateLog4j()
		}
		if err := os.Remove(w.path); err != nil {
			return err
		}
		w.seq++ // the writer still holds the deleted file for one more line
		w.writing.Store(w.seq)
		l := append(line(w.seq, w.cfg.Pad), '\n')
		if _, err := w.f.Write(l); err != nil {
			return err
		}
		w.flushed.Store(w.seq)
		w.deleted.Store(w.seq)
		w.bytes += int64(len(l))
		if err := w.reopen(); err != nil {
			return err
		}
	}
	return nil
}

// rotateLog4j renames the file to es-<date>-<n>.log, reopens es.log and
// compresses the rolled file to .gz in the background, deleting the plain
// one, as log4j's RollingFile appender does.
func (w *logWriter) rotateLog4j() error {
	w.busy.Wait() // log4j compresses one rolled file at a time
	rolled := filepath.Join(w.dir, fmt.Sprintf("es-2024-04-10-%d.log", w.n))
	if err := os.Rename(w.path, rolled); err != nil {
		return err
	}
	maxSeq := w.seq
	if err := w.reopen(); err != nil {
		return err
	}
	w.busy.Add(1)
	go func() {
		defer w.busy.Done()
		if err := gzipTo(rolled, rolled+".gz"); err == nil {
			_ = os.Remove(rolled)
		}
		w.keep(rolled+".gz", maxSeq)
	}()
	return nil
}

func (w *logWriter) event(format string, args ...any) {
	w.mu.Lock()
	w.events = append(w.events, time.Now().Format("15:04:05.000 ")+fmt.Sprintf(format, args...))
	w.mu.Unlock()
}

func (w *logWriter) keep(path string, maxSeq int64) {
	w.mu.Lock()
	w.rotated = append(w.rotated, rotatedFile{path, maxSeq})
	w.mu.Unlock()
}

// retain deletes rotated files whose lines the reader has all seen (like
// log4j's Delete action, but never ahead of the reader: a file deleted
// unread would be the retention's loss, not the follower's).
func (w *logWriter) retain() {
	mark := w.seenUpTo()
	w.mu.Lock()
	defer w.mu.Unlock()
	kept := w.rotated[:0]
	for _, r := range w.rotated {
		if r.maxSeq <= mark {
			_ = os.Remove(r.path)
		} else {
			kept = append(kept, r)
		}
	}
	w.rotated = kept
}

func (w *logWriter) copytruncateWindows() []window {
	w.mu.Lock()
	defer w.mu.Unlock()
	return append([]window(nil), w.windows...)
}

func gzipTo(src, dst string) error {
	in, err := os.Open(src)
	if err != nil {
		return err
	}
	defer in.Close()
	out, err := os.Create(dst)
	if err != nil {
		return err
	}
	zw, _ := gzip.NewWriterLevel(out, gzip.BestSpeed)
	if _, err := io.Copy(zw, in); err != nil {
		out.Close()
		return err
	}
	if err := zw.Close(); err != nil {
		out.Close()
		return err
	}
	return out.Close()
}

// lastSeq returns the seq of the last whole line of a file.
func lastSeq(path string) int64 {
	f, err := os.Open(path)
	if err != nil {
		return 0
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return 0
	}
	n := min(st.Size(), 4096)
	buf := make([]byte, n)
	if _, err := f.ReadAt(buf, st.Size()-n); err != nil {
		return 0
	}
	// The copy may end in the middle of a line (it read a write in
	// progress): the last whole line ends at the last "\n".
	i := bytes.LastIndexByte(buf, '\n')
	if i < 0 {
		return 0
	}
	buf = buf[:i]
	if j := bytes.LastIndexByte(buf, '\n'); j >= 0 {
		buf = buf[j+1:]
	}
	return parseSeq(buf)
}

func copyFile(src, dst string) error {
	in, err := os.Open(src)
	if err != nil {
		return err
	}
	defer in.Close()
	out, err := os.Create(dst)
	if err != nil {
		return err
	}
	if _, err := io.Copy(out, in); err != nil {
		out.Close()
		return err
	}
	return out.Close()
}
