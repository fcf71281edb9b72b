package scan

import (
	"bytes"
	"compress/gzip"
	"context"
	"errors"
	"fmt"
	"io"

	"github.com/esdoctor/esdoctor/agent/logs/symptom"
	"github.com/esdoctor/esdoctor/shared/event"
	"github.com/esdoctor/esdoctor/shared/safefile"
)

// ScanFile scans a whole file, plain or gzip (told by its magic bytes, not
// its name), and emits its symptoms deduplicated with opts.Window. On an
// error (unreadable file, truncated gzip) it returns it naming the file,
// after emitting what it found before it.
func ScanFile(ctx context.Context, path string, opts Options, emit func(event.Symptom)) error {
	f, st, err := safefile.OpenStream(path)
	if err != nil {
		return fmt.Errorf("scan %s: %w", path, err)
	}
	defer f.Close()
	if opts.Matcher == nil {
		opts.Matcher = opts.matcher()
	}
	d := symptom.NewDeduper(opts.Window)
	out := func(ss []event.Symptom) {
		for _, s := range ss {
			for _, e := range d.Add(s) {
				emit(e)
			}
		}
	}
	var magic [2]byte
	n, _ := io.ReadFull(f, magic[:])
	isGzip := n == 2 && magic[0] == 0x1f && magic[1] == 0x8b
	if _, serr := f.Seek(0, io.SeekStart); serr != nil {
		// Not seekable (a pipe): stream it, magic bytes first.
		var r io.Reader = io.MultiReader(bytes.NewReader(magic[:n]), f)
		if isGzip {
			err = scanGzipReader(ctx, path, r, opts, out)
		} else {
			err = scanStream(ctx, path, r, 0, opts, out)
		}
	} else {
		switch {
		case isGzip:
			err = scanGzipReader(ctx, path, f, opts, out)
		default:
			data, unmap, merr := mapFile(f, st.Size())
			if merr != nil || !useMmap {
				if merr == nil {
					unmap()
				}
				err = scanPlain(ctx, path, f, st.Size(), opts, out)
				break
			}
			err = scanMapped(ctx, path, data, opts, out)
			unmap()
		}
	}
	for _, e := range d.Flush() {
		emit(e)
	}
	return err
}

// ScanReader scans a stream (already decompressed) line by line.
func ScanReader(ctx context.Context, name string, r io.Reader, opts Options, emit func(event.Symptom)) error {
	if opts.Matcher == nil {
		opts.Matcher = opts.matcher()
	}
	d := symptom.NewDeduper(opts.Window)
	err := scanStream(ctx, name, r, 0, opts, func(ss []event.Symptom) {
		for _, s := range ss {
			for _, e := range d.Add(s) {
				emit(e)
			}
		}
	})
	for _, e := range d.Flush() {
		emit(e)
	}
	return err
}

func scanGzipReader(ctx context.Context, path string, r io.Reader, opts Options, out func([]event.Symptom)) error {
	zr, err := gzip.NewReader(r)
	if err != nil {
		return fmt.Errorf("scan %s: gzip: %w", path, err)
	}
	defer zr.Close()
	lr := &io.LimitedReader{R: zr, N: safefile.MaxGzipLog + 1}
	err = scanStream(ctx, path, lr, 0, opts, out)
	if err == nil && lr.N <= 0 {
		return fmt.Errorf("scan %s: gzip stream decompresses to more than %d bytes (a gzip bomb, or not a rotated log); symptoms before the cap were reported", path, int64(safefile.MaxGzipLog))
	}
	if err != nil {
		if errors.Is(err, io.ErrUnexpectedEOF) {
			return fmt.Errorf("scan %s: truncated gzip stream (%w); symptoms before the cut were reported", path, err)
		}
		return fmt.Errorf("scan %s: %w", path, err)
	}
	return nil
}

// scanStream is the line-by-line path (gzip, pipes).
func scanStream(ctx context.Context, name string, r io.Reader, total int64, opts Options, out func([]event.Symptom)) error {
	p := NewProcessor(name, opts)
	lr := newLineReader(r)
	var err error
	for i := 0; ; i++ {
		if i&0xfff == 0 {
			if err = ctx.Err(); err != nil {
				break
			}
			if opts.Progress != nil {
				opts.Progress(lr.off, total)
			}
		}
		line, off, end, no, e := lr.next()
		if e != nil {
			if !errors.Is(e, io.EOF) {
				err = e
			}
			break
		}
		if ss := p.Push(line, off, end, no); len(ss) > 0 {
			out(ss)
		}
	}
	if ss := p.Flush(); len(ss) > 0 {
		out(ss)
	}
	if opts.Progress != nil {
		opts.Progress(lr.off, total)
	}
	return err
}
