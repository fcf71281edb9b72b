// Package layout recognises the Elasticsearch server log layouts (plain
// pattern, 8.x ECS JSON, 7.x JSON, with docker-compose/CRI prefixes) and joins
// physical lines into records: a plain header with its stack trace lines, or
// one JSON object even when it is spread over several lines. Lines that are
// not ES server lines (test output, a client application's or a CLI's own
// format) form "foreign" records that carry no ES meaning. Excerpts copied
// from elsewhere are read too: plain headers without their timestamp (as
// documentation prints them), coloured docker compose prefixes, and JSON
// API error bodies (kept whole as the text).
package layout

import (
	"bytes"
	"time"

	"github.com/esdoctor/esdoctor/agent/logs/record"
)

// Options configures a Joiner.
type Options struct {
	// Location is the zone of plain-layout timestamps, which carry none.
	// Optional: nil means time.Local.
	Location *time.Location
	// Layout is the file's layout when the caller knows it. Optional: ""
	// (auto) tells each record's layout from its own shape, which is also
	// what happens with a value set; the value only labels records whose
	// layout cannot be told (orphan continuation lines).
	Layout string
}

// Kind is the shape of a raw record.
type Kind uint8

// Raw record kinds.
const (
	KindPlain    Kind = iota + 1 // plain header + continuation lines
	KindJSON                     // one JSON object (7.x or ECS)
	KindHeadless                 // continuation lines without a header
	KindForeign                  // not an ES server log line
)

// rawCap bounds the bytes kept for one record; the rest is counted, not kept.
const rawCap = record.MaxText + 64<<10

// jsonRawCap is larger: JSON escapes (\n, \t, \uXXXX) inflate the text.
const jsonRawCap = 2 * record.MaxText

// Raw is a joined record before parsing.
type Raw struct {
	Kind   Kind
	Offset int64 // first byte of its first line
	End    int64 // just after its last line
	Line   int64 // 1-based line number of its first line
	Lines  int   // physical lines
	// Data is the record's lines (container prefixes and "\r" removed)
	// joined by "\n", capped. It is only valid until the next call on the
	// Joiner.
	Data []byte
	// Hit is set when any line was pushed with hit=true (see PushInWindow).
	Hit bool
	// Multi is set for a JSON object spread over several lines.
	Multi bool
	// Truncated is set when Data was capped, or a JSON object never closed.
	Truncated bool
	// TestOutput is set for a record read from ES test output ("  1> [...]"
	// lines that GitHub issues often quote): its failures are real ES
	// messages, its node identity lines describe test nodes.
	TestOutput bool
}

// pending is the record being joined.
type pending struct {
	kind      Kind
	off, end  int64
	line      int64
	lines     int
	hit       bool
	truncated bool
	multi     bool
	test      bool
	// Data lives either in the caller's window (inWin: file bytes
	// [off, wEnd)) or in buf.
	inWin bool
	wEnd  int64
	buf   []byte
	// JSON scan state.
	depth int
	inStr bool
	esc   bool
}

// Joiner joins one file's lines into records. Not safe for concurrent use.
type Joiner struct {
	file   string
	opts   Options
	loc    *time.Location
	docker bool // saw an ES line behind a container prefix
	test   bool // saw an ES line behind a gradle test-output prefix

	cur    pending
	active bool

	out  []Raw
	free [][]byte // owned buffers to reuse
	lent [][]byte // buffers handed out by the last call

	win     []byte
	winBase int64
}

// NewJoiner returns a joiner for one file.
func NewJoiner(file string, opts Options) *Joiner {
	loc := opts.Location
	if loc == nil {
		loc = time.Local
	}
	return &Joiner{file: file, opts: opts, loc: loc}
}

// File is the file name the joiner was made for.
func (j *Joiner) File() string { return j.file }

// Push adds one line (without its "\n"; offset/end are its file offsets,
// end including the "\n") and returns the ES records it completed. The
// line's bytes are copied. Foreign records are not returned.
func (j *Joiner) Push(line []byte, offset, end, lineNo int64) []record.Record {
	return j.parseAll(j.PushRaw(line, offset, end, lineNo))
}

// Flush completes the pending record (at EOF, or when the file is idle).
func (j *Joiner) Flush() []record.Record { return j.parseAll(j.FlushRaw()) }

func (j *Joiner) parseAll(raws []Raw) []record.Record {
	var out []record.Record
	for i := range raws {
		if raws[i].Kind == KindForeign {
			continue
		}
		out = append(out, j.Parse(&raws[i]))
	}
	return out
}

// Pending returns the start of the incomplete record, if any.
func (j *Joiner) Pending() (offset, lineNo int64, ok bool) {
	if !j.active {
		return 0, 0, false
	}
	return j.cur.off, j.cur.line, true
}

// PushRaw is Push without parsing: it returns every completed record,
// foreign ones included, valid until the next call.
func (j *Joiner) PushRaw(line []byte, offset, end, lineNo int64) []Raw {
	j.begin()
	j.push(line, offset, end, lineNo, false, false)
	return j.out
}

// PushMarked is PushRaw with a mark: hit sets Raw.Hit on the record the
// line joins (see PushInWindow).
func (j *Joiner) PushMarked(line []byte, offset, end, lineNo int64, hit bool) []Raw {
	j.begin()
	j.push(line, offset, end, lineNo, false, hit)
	return j.out
}

// SetWindow lends the joiner the caller's buffer: buf holds the file's bytes
// from offset base on. Lines pushed with PushInWindow must lie inside it, and
// the caller calls Detach before it changes or drops buf.
func (j *Joiner) SetWindow(buf []byte, base int64) {
	j.win, j.winBase = buf, base
}

// PushInWindow is PushRaw for a line inside the window (see SetWindow): the
// joiner keeps a record's bytes as a slice of the window instead of copying
// them. hit marks the line (Raw.Hit) for the caller's own use.
func (j *Joiner) PushInWindow(line []byte, offset, end, lineNo int64, hit bool) []Raw {
	j.begin()
	j.push(line, offset, end, lineNo, true, hit)
	return j.out
}

// Detach copies the pending record's bytes out of the window and forgets
// the window.
func (j *Joiner) Detach() {
	if j.active && j.cur.inWin {
		j.toOwned()
	}
	j.win = nil
}

// PendingMarked reports whether the pending record holds a marked line.
func (j *Joiner) PendingMarked() bool { return j.active && j.cur.hit }

// SkipTo drops the pending record, which must hold no marked line, as if
// it ended at offset: the caller skips lines it knows hold nothing of
// interest, up to a line that starts a record (see StartsRecord).
func (j *Joiner) SkipTo(offset int64) {
	if !j.active {
		return
	}
	if !j.cur.inWin && j.cur.buf != nil {
		j.free = append(j.free, j.cur.buf)
		j.cur.buf = nil
	}
	j.active = false
}

// StartsRecord reports whether line (as read, without "\n") always starts a
// new record: a plain header or a JSON object at column 0, possibly behind a
// container prefix. Such a line ends whatever record is pending.
func StartsRecord(line []byte) bool {
	if n := len(line); n > 0 && line[n-1] == '\r' {
		line = line[:n-1]
	}
	if bytes.HasPrefix(line, utf8BOM) {
		line = line[len(utf8BOM):]
	}
	if indentedHeader(line) > 0 {
		return true
	}
	if n := containerPrefix(line); n > 0 {
		if k := classify(line[n:]); k == kindPlain || k == kindJSON {
			return true
		}
	}
	if n := testOutputPrefix(line); n > 0 {
		if k := classify(line[n:]); k == kindPlain || k == kindJSON {
			return true
		}
	}
	k := classify(line)
	return k == kindPlain || k == kindJSON
}

// FlushRaw completes the pending record; see PushRaw.
func (j *Joiner) FlushRaw() []Raw {
	j.begin()
	j.complete()
	return j.out
}

// begin recycles what the previous call handed out.
func (j *Joiner) begin() {
	j.out = j.out[:0]
	if len(j.lent) > 0 {
		j.free = append(j.free, j.lent...)
		j.lent = j.lent[:0]
	}
}

func (j *Joiner) newBuf() []byte {
	if n := len(j.free); n > 0 {
		b := j.free[n-1]
		j.free = j.free[:n-1]
		return b[:0]
	}
	return make([]byte, 0, 512)
}

func (j *Joiner) capOf(k Kind) int {
	if k == KindJSON {
		return jsonRawCap
	}
	return rawCap
}

// windowSlice returns the window bytes of file range [from, to).
func (j *Joiner) windowSlice(from, to int64) []byte {
	return j.win[from-j.winBase : to-j.winBase]
}

// toOwned moves the pending record's data from the window into a buffer.
func (j *Joiner) toOwned() {
	c := &j.cur
	data := j.windowSlice(c.off, c.wEnd)
	if lim := j.capOf(c.kind); len(data) > lim {
		data = data[:lim]
		c.truncated = true
	}
	c.buf = append(j.newBuf(), data...)
	c.inWin = false
}

// appendLine adds a line to the pending record's owned buffer, with sep
// ('\n', or 0 for none) before it.
func (j *Joiner) appendLine(line []byte, sep byte) {
	c := &j.cur
	lim := j.capOf(c.kind)
	if sep != 0 && c.lines > 0 {
		if len(c.buf) >= lim {
			c.truncated = true
			return
		}
		c.buf = append(c.buf, sep)
	}
	if room := lim - len(c.buf); len(line) > room {
		if room < 0 {
			room = 0
		}
		line = line[:room]
		c.truncated = true
	}
	c.buf = append(c.buf, line...)
}

// start opens a new pending record with its first line.
func (j *Joiner) start(k Kind, line []byte, offset, end, lineNo int64, inWin, plainBytes, hit bool) {
	j.complete()
	j.active = true
	j.cur = pending{kind: k, off: offset, end: end, line: lineNo, hit: hit}
	if inWin && plainBytes {
		j.cur.inWin = true
		j.cur.wEnd = offset + int64(len(line))
	} else {
		j.cur.buf = j.newBuf()
		j.appendLine(line, 0)
	}
	j.cur.lines = 1
}

// extend adds a continuation line to the pending record.
func (j *Joiner) extend(line []byte, offset, end int64, inWin, plainBytes, hit bool, sep byte) {
	c := &j.cur
	c.hit = c.hit || hit
	if c.inWin {
		if inWin && plainBytes && offset == c.end && sep == '\n' && c.wEnd == offset-1 {
			c.wEnd = offset + int64(len(line))
			c.end = end
			c.lines++
			return
		}
		j.toOwned()
	}
	j.appendLine(line, sep)
	c.end = end
	c.lines++
}

// complete hands the pending record out.
func (j *Joiner) complete() {
	if !j.active {
		return
	}
	c := &j.cur
	r := Raw{Kind: c.kind, Offset: c.off, End: c.end, Line: c.line, Lines: c.lines, Hit: c.hit, Multi: c.multi, Truncated: c.truncated, TestOutput: c.test}
	if c.kind == KindJSON && (c.depth != 0 || c.inStr) {
		r.Truncated = true
	}
	if c.inWin {
		data := j.windowSlice(c.off, c.wEnd)
		if lim := j.capOf(c.kind); len(data) > lim {
			data = data[:lim]
			r.Truncated = true
		}
		r.Data = data
	} else {
		r.Data = c.buf
		j.lent = append(j.lent, c.buf)
		c.buf = nil
	}
	j.out = append(j.out, r)
	j.active = false
}

// push is the joiner's state machine for one line.
func (j *Joiner) push(line []byte, offset, end, lineNo int64, inWin, hit bool) {
	plainBytes := true // line is exactly the file's bytes
	if n := len(line); n > 0 && line[n-1] == '\r' {
		line = line[:n-1]
		plainBytes = false
	}
	if offset == 0 && bytes.HasPrefix(line, utf8BOM) {
		line = line[len(utf8BOM):]
		plainBytes = false
	}
	if len(line) > 0 && (line[0] == ' ' || line[0] == '\t') {
		if n := indentedHeader(line); n > 0 {
			line = line[n:]
			plainBytes = false
		}
	}
	if n := containerPrefix(line); n > 0 {
		rest := line[n:]
		if k := classify(rest); k == kindPlain || k == kindJSON || j.docker {
			if k == kindPlain || k == kindJSON {
				j.docker = true
			}
			line = rest
			plainBytes = false
		}
	}
	testLine := false
	if n := testOutputPrefix(line); n > 0 {
		rest := line[n:]
		if k := classify(rest); k == kindPlain || k == kindJSON || j.test {
			if k == kindPlain || k == kindJSON {
				j.test = true
			}
			line, testLine = rest, true
			plainBytes = false
		}
	}
	k := classify(line)
	defer func() {
		if testLine && j.active {
			j.cur.test = true
		}
	}()

	// An open multi-line JSON object takes every line up to its end, unless
	// a new record clearly starts.
	if j.active && j.cur.kind == KindJSON && (j.cur.depth > 0 || j.cur.inStr) {
		if k != kindPlain && k != kindJSON {
			sep := byte('\n')
			if j.cur.inStr {
				sep = 0 // a string broken over lines by a paste: join as it was
			}
			j.cur.multi = true
			j.extend(line, offset, end, false, false, hit, sep)
			j.scanJSON(line)
			if j.cur.depth <= 0 && !j.cur.inStr {
				j.complete()
			}
			return
		}
	}

	switch k {
	case kindPlain:
		j.start(KindPlain, line, offset, end, lineNo, inWin, plainBytes, hit)
	case kindJSON:
		j.start(KindJSON, line, offset, end, lineNo, inWin, plainBytes, hit)
		if closesObject(line) {
			j.complete()
			return
		}
		j.cur.depth, j.cur.inStr, j.cur.esc = 0, false, false
		j.scanJSON(line)
		if j.cur.depth <= 0 && !j.cur.inStr {
			j.complete()
		}
	case kindForeign:
		j.start(KindForeign, line, offset, end, lineNo, inWin, plainBytes, hit)
	case kindForeignCon:
		if j.active && j.cur.kind == KindForeign {
			j.extend(line, offset, end, inWin, plainBytes, hit, '\n')
		} else {
			j.start(KindForeign, line, offset, end, lineNo, inWin, plainBytes, hit)
		}
	default:
		if j.active {
			j.extend(line, offset, end, inWin, plainBytes, hit, '\n')
		} else {
			j.start(KindHeadless, line, offset, end, lineNo, inWin, plainBytes, hit)
		}
	}
}

// closesObject is the fast test for the usual one-object-per-line JSON:
// the line ends with '}' (trailing blanks aside).
func closesObject(line []byte) bool {
	t := bytes.TrimRight(line, " \t")
	return len(t) > 1 && t[len(t)-1] == '}'
}

// scanJSON advances the brace depth / string state over line.
func (j *Joiner) scanJSON(line []byte) {
	c := &j.cur
	depth, inStr, esc := c.depth, c.inStr, c.esc
	for _, b := range line {
		if inStr {
			switch {
			case esc:
				esc = false
			case b == '\\':
				esc = true
			case b == '"':
				inStr = false
			}
			continue
		}
		switch b {
		case '"':
			inStr = true
		case '{', '[':
			depth++
		case '}', ']':
			depth--
		}
	}
	c.depth, c.inStr, c.esc = depth, inStr, esc
}
