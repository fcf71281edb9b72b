package scan

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"runtime"

	"github.com/esdoctor/esdoctor/shared/event"
)

// useMmap selects the mapped path for plain files (tests turn it off to
// cover the read path).
var useMmap = true

// chunkSize is the unit of the parallel plain-file scan (a variable for
// tests).
var chunkSize = 1 << 20

// chunk is a run of whole lines read from the file, or one over-long line.
type chunk struct {
	buf  []byte // whole lines; the last may lack "\n" at EOF
	base int64  // file offset of buf[0]
	hits []int  // offsets in buf where a prefilter literal starts (sorted)
	// nl[i] is the number of newlines in buf before hits[i]; nlTotal in
	// all of buf. The search worker counts them while buf is in its cache,
	// so that the walk only reads the bytes near hits.
	nl      []int
	nlTotal int
	// long is set for a line longer than chunkSize: its first maxLine
	// bytes, with base..end its extent in the file.
	long    []byte
	isLong  bool
	end     int64
	readErr error
	done    chan struct{}
}

// scanPlain scans an uncompressed file: a reader cuts it into chunks of
// whole lines, workers search every chunk for the rule literals in
// parallel, and this goroutine walks the lines in order, joining records and
// matching only those that hold a literal.
func scanPlain(parent context.Context, path string, f *os.File, size int64, opts Options, out func([]event.Symptom)) error {
	ctx, cancel := context.WithCancel(parent)
	defer cancel()
	m := opts.Matcher
	workers := runtime.GOMAXPROCS(0)
	inflight := workers + 2
	pool := make(chan []byte, inflight)
	for i := 0; i < inflight; i++ {
		pool <- make([]byte, chunkSize)
	}
	work := make(chan *chunk, inflight)
	ordered := make(chan *chunk, inflight)

	for w := 0; w < workers; w++ {
		go func() {
			for c := range work {
				c.search(m)
				close(c.done)
			}
		}()
	}
	go readChunks(ctx, f, pool, work, ordered)

	p := NewProcessor(path, opts)
	var lineNo int64 = 1
	var done int64
	var err error
	var ss []event.Symptom
	for c := range ordered {
		<-c.done
		if c.readErr != nil {
			err = fmt.Errorf("scan %s: %w", path, c.readErr)
			break
		}
		if ctx.Err() != nil {
			err = fmt.Errorf("scan %s: %w", path, ctx.Err())
			break
		}
		if c.isLong {
			hit := m.Candidate(c.long)
			ss = p.handle(p.j.PushMarked(c.long, c.base, c.end, lineNo, hit), ss[:0])
			p.lastEnd, p.nextLine = c.end, lineNo+1
			lineNo++
			done = c.end
		} else {
			lineNo, ss = p.walk(c, lineNo, ss[:0])
			done = c.base + int64(len(c.buf))
			pool <- c.buf[:cap(c.buf)]
		}
		if len(ss) > 0 {
			out(ss)
		}
		if opts.Progress != nil {
			opts.Progress(done, size)
		}
	}
	if err == nil && parent.Err() != nil {
		err = fmt.Errorf("scan %s: %w", path, parent.Err())
	}
	cancel()
	for range ordered { // let the reader finish
	}
	if ss := p.Flush(); len(ss) > 0 {
		out(ss)
	}
	return err
}

// readChunks fills buffers from the pool with whole lines and hands each
// chunk to the workers and, in order, to the walker.
func readChunks(ctx context.Context, f *os.File, pool chan []byte, work, ordered chan *chunk) {
	defer close(ordered)
	defer close(work)
	var carry []byte // bytes after the last "\n" of the previous chunk
	var off int64    // file offset of the next byte handed out
	for {
		var buf []byte
		select {
		case buf = <-pool:
		case <-ctx.Done():
			return
		}
		n := copy(buf, carry)
		carry = nil
		eof := false
		var rerr error
		for n < len(buf) {
			k, err := f.Read(buf[n:])
			n += k
			if err != nil {
				if !errors.Is(err, io.EOF) {
					rerr = err
				}
				eof = true
				break
			}
		}
		if rerr != nil {
			c := &chunk{readErr: rerr, done: make(chan struct{})}
			close(c.done)
			ordered <- c
			return
		}
		data := buf[:n]
		cut := n
		if !eof {
			nl := bytes.LastIndexByte(data, '\n')
			if nl < 0 {
				// One line fills the buffer: keep its head, skip to its end.
				c, err := readLongLine(f, data, off)
				pool <- buf
				if err != nil {
					c = &chunk{readErr: err, done: make(chan struct{})}
					close(c.done)
					ordered <- c
					return
				}
				off = c.end
				ordered <- c
				continue
			}
			cut = nl + 1
			carry = append(carry[:0:0], data[cut:]...)
		}
		if cut > 0 {
			c := &chunk{buf: data[:cut], base: off, done: make(chan struct{})}
			off += int64(cut)
			work <- c
			ordered <- c
		} else {
			pool <- buf
		}
		if eof {
			return
		}
	}
}

// readLongLine reads the rest of a line whose first bytes (head, at file
// offset base) filled a whole chunk, keeping at most maxLine bytes of it.
func readLongLine(f *os.File, head []byte, base int64) (*chunk, error) {
	keep := head
	if len(keep) > maxLine {
		keep = keep[:maxLine]
	}
	c := &chunk{isLong: true, long: append([]byte(nil), keep...), base: base, done: make(chan struct{})}
	close(c.done)
	end := base + int64(len(head))
	tmp := make([]byte, 64<<10)
	for {
		k, err := f.Read(tmp)
		part := tmp[:k]
		nl := bytes.IndexByte(part, '\n')
		if nl >= 0 {
			part = part[:nl]
		}
		if room := maxLine - len(c.long); room > 0 {
			if len(part) < room {
				room = len(part)
			}
			c.long = append(c.long, part[:room]...)
		}
		if nl >= 0 {
			end += int64(nl + 1)
			// Rewind to just after the newline for the next chunk.
			if _, serr := f.Seek(end, io.SeekStart); serr != nil {
				return nil, serr
			}
			c.end = end
			return c, nil
		}
		end += int64(k)
		if err != nil {
			if errors.Is(err, io.EOF) {
				c.end = end
				return c, nil
			}
			return nil, err
		}
	}
}
