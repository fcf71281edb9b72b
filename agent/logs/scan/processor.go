// Package scan runs the log symptom engine over files: a Processor turns one
// file's lines into symptoms (layout detection, multi-line joining, the rule
// table), and ScanFile scans a whole file (plain or gzip) with dedup.
package scan

import (
	"time"

	"github.com/esdoctor/esdoctor/agent/logs/layout"
	"github.com/esdoctor/esdoctor/agent/logs/symptom"
	"github.com/esdoctor/esdoctor/shared/event"
)

// Options configures a Processor and ScanFile.
type Options struct {
	// Location is the zone of plain-layout timestamps. Optional: nil is
	// time.Local.
	Location *time.Location
	// Layout is the file's layout if known. Optional: "" detects it.
	Layout string
	// MeshPack enables the service-mesh rules. Optional, off by default.
	MeshPack bool
	// Window is ScanFile's dedup window (log time). Optional: 0 turns dedup
	// off (every symptom is emitted with Count 1); `scan` uses
	// symptom.DefaultWindow. Processor does not dedup.
	Window time.Duration
	// Matcher is shared between processors when set. Optional: nil builds
	// one from MeshPack.
	Matcher *symptom.Matcher
	// Progress, when set, is called by ScanFile after each chunk with the
	// bytes read so far and the file size (0 when unknown, e.g. gzip).
	Progress func(done, total int64)
}

func (o Options) matcher() *symptom.Matcher {
	if o.Matcher != nil {
		return o.Matcher
	}
	return symptom.NewMatcher(symptom.Options{MeshPack: o.MeshPack})
}

// Processor turns one file identity's lines into symptoms: it joins them
// into records, prefilters each record on the rule anchors, and parses and
// matches only the candidates. Not safe for concurrent use.
type Processor struct {
	file     string
	j        *layout.Joiner
	m        *symptom.Matcher
	lastEnd  int64
	nextLine int64
}

// NewProcessor returns a processor for one file.
func NewProcessor(file string, opts Options) *Processor {
	return &Processor{
		file:     file,
		j:        layout.NewJoiner(file, layout.Options{Location: opts.Location, Layout: opts.Layout}),
		m:        opts.matcher(),
		nextLine: 1,
	}
}

// Push takes one line (without its "\n"; offset/end are its byte offsets,
// end including the "\n"; lineNo is 1-based) and returns the symptoms of the
// records it completed, not deduplicated.
func (p *Processor) Push(line []byte, offset, end, lineNo int64) []event.Symptom {
	raws := p.j.PushMarked(line, offset, end, lineNo, p.m.Candidate(line))
	p.lastEnd, p.nextLine = end, lineNo+1
	return p.handle(raws, nil)
}

// Flush completes the pending record (EOF, or the file went idle) and
// returns its symptom, if any.
func (p *Processor) Flush() []event.Symptom {
	return p.handle(p.j.FlushRaw(), nil)
}

// Safe returns the position before which everything is fully processed:
// the start of the pending record, or else the end of the last line.
func (p *Processor) Safe() (offset, lineNo int64) {
	if off, line, ok := p.j.Pending(); ok {
		return off, line
	}
	return p.lastEnd, p.nextLine
}

// handle matches the completed raw records that are candidates: those
// with a marked line, i.e. a line holding a prefilter literal. (A literal
// split over two physical lines is not seen, on any path.)
func (p *Processor) handle(raws []layout.Raw, out []event.Symptom) []event.Symptom {
	for i := range raws {
		r := &raws[i]
		if !r.Hit || !p.m.Possible(r.Data) {
			continue
		}
		if r.Kind == layout.KindForeign {
			if s, ok := p.m.MatchForeign(p.j.ParseForeign(r)); ok {
				out = append(out, s)
			}
			continue
		}
		if s, ok := p.m.Match(p.j.Parse(r)); ok {
			out = append(out, s)
		}
	}
	return out
}
