package scan

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"runtime"
	"runtime/debug"
	"sync"

	"github.com/esdoctor/esdoctor/shared/event"
)

// scanMapped is scanPlain over a memory-mapped file: chunks are slices of
// the mapping, so nothing is copied. A fault on the mapping (the file was
// truncated under the scan) ends the scan with an error instead of a crash.
func scanMapped(parent context.Context, path string, data []byte, opts Options, out func([]event.Symptom)) (err error) {
	ctx, cancel := context.WithCancel(parent)
	defer cancel()
	m := opts.Matcher
	workers := runtime.GOMAXPROCS(0)
	inflight := 2 * workers
	work := make(chan *chunk, inflight)
	ordered := make(chan *chunk, inflight)
	faulted := make(chan struct{})
	var faultOnce sync.Once
	onFault := func() { faultOnce.Do(func() { close(faulted) }) }

	for w := 0; w < workers; w++ {
		go func() {
			defer debug.SetPanicOnFault(debug.SetPanicOnFault(true))
			defer func() {
				if r := recover(); r != nil {
					if !isFault(r) {
						panic(r)
					}
					onFault()
					for c := range work {
						close(c.done)
					}
				}
			}()
			for c := range work {
				c.search(m)
				close(c.done)
			}
		}()
	}
	go func() { // cut the mapping into chunks of whole lines
		defer close(ordered)
		defer close(work)
		defer debug.SetPanicOnFault(debug.SetPanicOnFault(true))
		defer func() {
			if r := recover(); r != nil {
				if !isFault(r) {
					panic(r)
				}
				onFault()
			}
		}()
		for off := 0; off < len(data); {
			end := off + chunkSize
			if end >= len(data) {
				end = len(data)
			} else if i := bytes.IndexByte(data[end:], '\n'); i >= 0 {
				end += i + 1
			} else {
				end = len(data)
			}
			c := &chunk{buf: data[off:end], base: int64(off), done: make(chan struct{})}
			select {
			case work <- c:
			case <-ctx.Done():
				return
			}
			select {
			case ordered <- c:
			case <-ctx.Done():
				return
			}
			off = end
		}
	}()

	p := NewProcessor(path, opts)
	defer debug.SetPanicOnFault(debug.SetPanicOnFault(true))
	defer func() {
		if r := recover(); r != nil {
			if !isFault(r) {
				panic(r)
			}
			err = fmt.Errorf("scan %s: the file changed (truncated?) while it was read: %v", path, r)
			cancel()
			go func() {
				for range ordered {
				}
			}()
		}
	}()
	var lineNo int64 = 1
	var ss []event.Symptom
	for c := range ordered {
		select {
		case <-c.done:
		case <-faulted:
			panic(errWorkerFault)
		}
		select {
		case <-faulted:
			panic(errWorkerFault)
		default:
		}
		if ctx.Err() != nil {
			err = fmt.Errorf("scan %s: %w", path, ctx.Err())
			break
		}
		lineNo, ss = p.walk(c, lineNo, ss[:0])
		if len(ss) > 0 {
			out(ss)
		}
		if opts.Progress != nil {
			opts.Progress(c.base+int64(len(c.buf)), int64(len(data)))
		}
	}
	if err == nil && parent.Err() != nil {
		err = fmt.Errorf("scan %s: %w", path, parent.Err())
	}
	cancel()
	for range ordered {
	}
	if ss := p.Flush(); len(ss) > 0 {
		out(ss)
	}
	return err
}

// errWorkerFault reports a fault on the mapping in another goroutine.
var errWorkerFault = errors.New("fault while searching the mapped file")

// isFault tells a memory fault on the mapping (debug.SetPanicOnFault) from
// any other panic, which is not ours to swallow.
func isFault(r any) bool {
	if r == errWorkerFault {
		return true
	}
	// With SetPanicOnFault, a fault panics with a runtime.Error that has
	// an Addr method.
	_, ok := r.(interface{ Addr() uintptr })
	return ok
}
