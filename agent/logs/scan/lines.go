package scan

import (
	"bufio"
	"errors"
	"io"
)

// maxLine bounds the bytes kept of one physical line; the rest of a longer
// line is read and counted but dropped.
const maxLine = 1 << 20

// lineReader splits a stream into lines with their offsets, keeping at most
// maxLine bytes of each.
type lineReader struct {
	r      *bufio.Reader
	off    int64
	lineNo int64
	long   []byte
}

func newLineReader(r io.Reader) *lineReader {
	return &lineReader{r: bufio.NewReaderSize(r, 1<<20)}
}

// next returns the next line (without "\n"), its offsets and number. The
// line is valid until the following call. At the end it returns io.EOF
// (after a last line without "\n", which is returned first).
func (lr *lineReader) next() (line []byte, offset, end, lineNo int64, err error) {
	offset = lr.off
	b, err := lr.r.ReadSlice('\n')
	if errors.Is(err, bufio.ErrBufferFull) {
		lr.long = append(lr.long[:0], b...)
		n := int64(len(b))
		for errors.Is(err, bufio.ErrBufferFull) {
			b, err = lr.r.ReadSlice('\n')
			n += int64(len(b))
			if room := maxLine - len(lr.long); room > 0 {
				if len(b) < room {
					room = len(b)
				}
				lr.long = append(lr.long, b[:room]...)
			}
		}
		lr.off += n
		b = lr.long
	} else {
		lr.off += int64(len(b))
	}
	if err != nil && len(b) == 0 {
		return nil, 0, 0, 0, err
	}
	if err != nil && !errors.Is(err, io.EOF) {
		return nil, 0, 0, 0, err
	}
	if n := len(b); n > 0 && b[n-1] == '\n' {
		b = b[:n-1]
	}
	lr.lineNo++
	return b, offset, lr.off, lr.lineNo, nil
}
