package follow

import "bytes"

// splitter cuts a byte stream into lines with exact offsets. It keeps at
// most max bytes of an incomplete line, so memory stays bounded whatever
// the input (a 10 MB line, binary garbage without "\n").
type splitter struct {
	max   int
	start int64 // offset of the incomplete line's first byte
	pos   int64 // offset of the next byte to feed
	line  int64 // complete lines before start
	buf   []byte
	over  bool // the incomplete line is longer than max
}

func (s *splitter) reset(offset, line int64) {
	s.start, s.pos, s.line = offset, offset, line
	s.buf, s.over = s.buf[:0], false
	if cap(s.buf) > 1<<20 {
		s.buf = nil
	}
}

// pending reports whether an incomplete line is held.
func (s *splitter) pending() bool { return s.pos > s.start }

// feed takes the bytes at s.pos and calls emit for every line they
// complete.
func (s *splitter) feed(chunk []byte, emit func(Line)) {
	for len(chunk) > 0 {
		i := bytes.IndexByte(chunk, '\n')
		if i < 0 {
			s.hold(chunk)
			s.pos += int64(len(chunk))
			return
		}
		var text string
		trunc := false
		if len(s.buf) == 0 && !s.over {
			b := chunk[:i]
			if len(b) > s.max {
				b, trunc = b[:s.max], true
			}
			text = string(b)
		} else {
			s.hold(chunk[:i])
			text, trunc = string(s.buf), s.over
			s.buf, s.over = s.buf[:0], false
			if cap(s.buf) > 1<<20 {
				s.buf = nil
			}
		}
		if !trunc && len(text) > 0 && text[len(text)-1] == '\r' {
			text = text[:len(text)-1]
		}
		end := s.pos + int64(i) + 1
		emit(Line{Offset: s.start, End: end, Number: s.line + 1, Text: text, Truncated: trunc})
		s.line++
		s.start, s.pos = end, end
		chunk = chunk[i+1:]
	}
}

func (s *splitter) hold(b []byte) {
	room := s.max - len(s.buf)
	if len(b) > room {
		b, s.over = b[:room], true
	}
	s.buf = append(s.buf, b...)
}

// partial returns the held incomplete line as a NoEOL line and consumes it.
func (s *splitter) partial() (Line, bool) {
	if !s.pending() {
		return Line{}, false
	}
	l := Line{Offset: s.start, End: s.pos, Number: s.line + 1, Text: string(s.buf), Truncated: s.over, NoEOL: true}
	s.line++
	s.start = s.pos
	s.buf, s.over = s.buf[:0], false
	return l, true
}
