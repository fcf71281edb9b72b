package meshlog

import (
	"bufio"
	"compress/gzip"
	"context"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/esdoctor/esdoctor/agent/logs/symptom"
	"github.com/esdoctor/esdoctor/shared/catalog"
	"github.com/esdoctor/esdoctor/shared/event"
)

// MaxLine bounds one line; longer lines are cut (the symptom texts are
// near the start).
const MaxLine = 64 << 10

// maxEvidence caps Symptom.Text.
const maxEvidence = 2 << 10

// Scanner turns one file's lines into mesh symptoms. It knows the file's
// component from its path when it can and learns it from the lines
// otherwise (an istiod-only scope, an Envoy line). Not safe for concurrent
// use.
type Scanner struct {
	file    string
	comp    Component // from the path, or learned
	pathSet bool
	partial strings.Builder
	pStart  int64 // offset and line of the first partial piece
	pLine   int64
	seen    int // lines without an anchor so far
	// curl keeps a "curl: (56) Recv failure: Connection reset by peer"
	// until the next line says whether kubectl exec ran it.
	curl *event.Symptom
}

// NewScanner returns a scanner for one file.
func NewScanner(file string) *Scanner {
	c := ComponentOfPath(file)
	return &Scanner{file: file, comp: c, pathSet: c != Unknown}
}

// Safe returns the position before which every line is fully processed:
// the start of a pending partial CRI line or curl line, else ok=false
// (everything pushed is done).
func (s *Scanner) Safe() (offset, lineNo int64, ok bool) {
	switch {
	case s.partial.Len() > 0:
		return s.pStart, s.pLine, true
	case s.curl != nil:
		return s.curl.Offset, s.curl.Line, true
	}
	return 0, 0, false
}

// Component is the file's component as known so far.
func (s *Scanner) Component() Component { return s.comp }

// Push takes one line (without "\n") at offset with its 1-based number and
// returns the symptoms it completes.
func (s *Scanner) Push(raw []byte, offset, lineNo int64) []event.Symptom {
	if len(raw) > MaxLine {
		raw = raw[:MaxLine]
	}
	text := strings.ToValidUTF8(string(raw), "\uFFFD")
	var criTime time.Time
	if looksCRI(text) {
		if c, err := ParseCRI(text); err == nil {
			if c.Partial {
				if s.partial.Len() == 0 {
					s.pStart, s.pLine = offset, lineNo
				}
				if s.partial.Len() < MaxLine {
					s.partial.WriteString(c.Payload)
				}
				return nil
			}
			if s.partial.Len() > 0 {
				s.partial.WriteString(c.Payload)
				text = s.partial.String()
				offset, lineNo = s.pStart, s.pLine
				s.partial.Reset()
			} else {
				text = c.Payload
			}
			criTime = c.Time
		}
	}
	return s.line(text, criTime, offset, lineNo)
}

// Flush ends the file: a pending curl line without kubectl's confirmation
// is dropped.
func (s *Scanner) Flush() []event.Symptom {
	s.curl = nil
	if s.partial.Len() > 0 {
		text := s.partial.String()
		s.partial.Reset()
		return s.line(text, time.Time{}, s.pStart, s.pLine)
	}
	return nil
}

func (s *Scanner) line(text string, criTime time.Time, offset, lineNo int64) []event.Symptom {
	var out []event.Symptom
	if s.curl != nil {
		if strings.Contains(text, "command terminated with exit code 56") {
			out = append(out, *s.curl)
		}
		s.curl = nil
	}
	if !s.worthParsing(text) {
		return out
	}
	l := ParseLine(text)
	if l.Time.IsZero() {
		l.Time = criTime
	}
	s.learn(&l)
	comp := s.comp
	if l.Container != "" {
		comp = pickComponent(l.Pod, l.Container)
	}
	if strings.Contains(l.Msg, "curl: (56) Recv failure: Connection reset by peer") && comp != Other && comp != Istiod {
		sym := s.symptom(&l, Match{catalog.SymMeshPlaintextRefused, map[string]string{"component": "client", "source": "curl"}}, offset, lineNo)
		if strings.Contains(l.Msg, "command terminated with exit code 56") {
			return append(out, sym)
		}
		s.curl = &sym
		return out
	}
	m, ok := Classify(l, comp)
	if !ok {
		return out
	}
	return append(out, s.symptom(&l, m, offset, lineNo))
}

// anchors are literals one of which every line a symptom comes from holds
// (istio-proxy access logs are large: most lines are not parsed).
var anchors = []string{"TLS handshake error", "cannot list resource", "Authentication failed", "Failed to authenticate client",
	"RBAC", "rbac_access_denied", "enforced denied", "filter_chain_not_found", "TLS error", "TLS_error", "curl: (56)",
	"inbound|", `"inbound_`}

// learnLines is how many lines of a file of unknown component are parsed
// whatever they hold, to learn the component from their layout and scope.
const learnLines = 500

// worthParsing: the line holds an anchor, or the file's component is
// still being learned from its first lines.
func (s *Scanner) worthParsing(text string) bool {
	for _, a := range anchors {
		if strings.Contains(text, a) {
			return true
		}
	}
	s.seen++
	return !s.pathSet && s.comp == Unknown && s.seen <= learnLines
}

// learn sets the file's component from what its lines say when its path
// did not.
func (s *Scanner) learn(l *Line) {
	if s.pathSet || s.comp != Unknown {
		return
	}
	switch {
	case l.Format == FormatIstio && istiodScopes[l.Scope], l.Format == FormatIstioJSON && istiodScopes[l.Scope],
		l.Format == FormatIstio && strings.HasPrefix(l.Msg, "FLAG: --") && strings.Contains(l.Msg, "caCertFile"):
		s.comp = Istiod
	case l.Format == FormatIstio && proxyScope(l.Scope), l.Format == FormatAccess:
		s.comp = Proxy
	}
}

func (s *Scanner) symptom(l *Line, m Match, offset, lineNo int64) event.Symptom {
	text := strings.TrimSpace(l.Msg)
	if l.Access != nil || text == "" {
		text = strings.TrimSpace(l.Msg)
	}
	if len(text) > maxEvidence {
		text = strings.ToValidUTF8(text[:maxEvidence], "")
	}
	logger := l.Scope
	if logger == "" {
		logger = m.Fields["component"]
	}
	return event.Symptom{Symptom: string(m.Code), Time: l.Time, File: s.file, Line: lineNo, Offset: offset,
		Level: l.Level, Logger: logger, Fields: m.Fields, Count: 1, Text: text}
}

// ScanText scans pasted text (explain): every line, no file.
func ScanText(text string) []event.Symptom {
	s := &Scanner{}
	var out []event.Symptom
	var off int64
	for i, l := range strings.Split(text, "\n") {
		out = append(out, s.Push([]byte(l), off, int64(i+1))...)
		off += int64(len(l)) + 1
	}
	return append(out, s.Flush()...)
}

// ScanFile scans one file (plain or .gz), folding repeats within window
// (0: no folding) and calling emit for each symptom in order.
func ScanFile(ctx context.Context, path string, window time.Duration, emit func(event.Symptom)) error {
	f, err := os.Open(path)
	if err != nil {
		return fmt.Errorf("mesh log %s: %w", path, err)
	}
	defer f.Close()
	var r io.Reader = bufio.NewReaderSize(f, 256<<10)
	if strings.HasSuffix(path, ".gz") {
		zr, err := gzip.NewReader(r)
		if err != nil {
			return fmt.Errorf("mesh log %s: %w", path, err)
		}
		defer zr.Close()
		r = zr
	}
	return Scan(ctx, r, path, window, emit)
}

// Scan is ScanFile over a reader; name is the file name the symptoms carry
// (and the component is read from).
func Scan(ctx context.Context, r io.Reader, name string, window time.Duration, emit func(event.Symptom)) error {
	s := NewScanner(name)
	var d *symptom.Deduper
	if window > 0 {
		d = symptom.NewDeduper(window)
	}
	out := func(ss []event.Symptom) {
		for _, sym := range ss {
			if d == nil {
				emit(sym)
				continue
			}
			for _, e := range d.Add(sym) {
				emit(e)
			}
		}
	}
	br := bufio.NewReaderSize(r, 64<<10)
	var off, n int64
	for {
		if n%4096 == 0 && ctx.Err() != nil {
			return ctx.Err()
		}
		line, err := readLine(br)
		if len(line) > 0 || err == nil {
			n++
			out(s.Push(line, off, n))
			off += int64(len(line)) + 1
		}
		if err == io.EOF {
			break
		}
		if err != nil {
			return fmt.Errorf("mesh log %s: %w", name, err)
		}
	}
	out(s.Flush())
	if d != nil {
		for _, e := range d.Flush() {
			emit(e)
		}
	}
	return nil
}

// readLine reads one line of any length, keeping at most MaxLine bytes.
func readLine(br *bufio.Reader) ([]byte, error) {
	var buf []byte
	for {
		chunk, isPrefix, err := br.ReadLine()
		if len(buf) < MaxLine {
			buf = append(buf, chunk...)
		}
		if err != nil {
			return buf, err
		}
		if !isPrefix {
			return buf, nil
		}
	}
}

// Processor is a Scanner as the agent's log pipeline
// (agent/logs/pipeline.Processor) drives it.
type Processor struct {
	s                 *Scanner
	lastEnd, nextLine int64
}

// NewProcessor returns a pipeline processor for one mesh log file.
func NewProcessor(file string) *Processor { return &Processor{s: NewScanner(file), nextLine: 1} }

// Push takes one line; end is the offset after its "\n".
func (p *Processor) Push(line []byte, offset, end, lineNo int64) []event.Symptom {
	p.lastEnd, p.nextLine = end, lineNo+1
	return p.s.Push(line, offset, lineNo)
}

// Idle completes nothing: a partial CRI line waits for its last part and
// a curl line for kubectl's answer, however quiet the file.
func (p *Processor) Idle() []event.Symptom { return nil }

// Flush ends the file.
func (p *Processor) Flush() []event.Symptom { return p.s.Flush() }

// Safe is the start of a pending partial or curl line, else the end of the
// last line.
func (p *Processor) Safe() (offset, lineNo int64) {
	if off, line, ok := p.s.Safe(); ok {
		return off, line
	}
	return p.lastEnd, p.nextLine
}
