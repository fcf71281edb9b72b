package scan

import (
	"bytes"
	"slices"

	"github.com/esdoctor/esdoctor/agent/logs/layout"
	"github.com/esdoctor/esdoctor/agent/logs/symptom"
	"github.com/esdoctor/esdoctor/shared/event"
)

// search finds the prefilter hits of a chunk and counts its newlines.
func (c *chunk) search(m *symptom.Matcher) {
	c.hits = m.Find(c.buf, c.hits[:0])
	slices.Sort(c.hits)
	c.nl = c.nl[:0]
	prev, n := 0, 0
	for _, h := range c.hits {
		n += bytes.Count(c.buf[prev:h], nl)
		c.nl = append(c.nl, n)
		prev = h
	}
	c.nlTotal = n + bytes.Count(c.buf[prev:], nl)
}

// skipMin is the least distance to the next literal hit worth a jump.
const skipMin = 2 << 10

// walk pushes a chunk's lines through the joiner, marking the lines that
// hold a prefilter hit, and matches the completed candidate records. Lines
// far from any hit are not pushed one by one: while the pending record holds
// no hit, the walk jumps to the last record start before the next hit (or
// the chunk end), counting the newlines it passes, and drops the records it
// jumped over, which hold no literal.
func (p *Processor) walk(c *chunk, lineNo int64, ss []event.Symptom) (int64, []event.Symptom) {
	buf, base, hits := c.buf, c.base, c.hits
	first := lineNo // the number of buf's first line
	p.j.SetWindow(buf, base)
	hi := 0
	pos := 0
	tried := -1 // the hit index of the last jump that found no record start
	for pos < len(buf) {
		if tried != hi && !p.j.PendingMarked() {
			next := len(buf)
			if hi < len(hits) {
				next = hits[hi]
			}
			if next-pos >= skipMin {
				if q := lastRecordStart(buf, pos, next); q > pos {
					// Newlines before q: those before the next hit (or in
					// the chunk) less those between q and it.
					before := c.nlTotal
					if hi < len(hits) {
						before = c.nl[hi]
					}
					lineNo = first + int64(before-bytes.Count(buf[q:next], nl))
					p.j.SkipTo(base + int64(q))
					pos = q
				} else {
					// No record starts before that hit: push the lines.
					tried = hi
				}
			}
		}
		lineEnd, next := len(buf), len(buf)
		if i := bytes.IndexByte(buf[pos:], '\n'); i >= 0 {
			lineEnd, next = pos+i, pos+i+1
		}
		hit := false
		for hi < len(hits) && hits[hi] < next {
			hit = true
			hi++
		}
		if raws := p.j.PushInWindow(buf[pos:lineEnd], base+int64(pos), base+int64(next), lineNo, hit); len(raws) > 0 {
			ss = p.handle(raws, ss)
		}
		lineNo++
		pos = next
	}
	p.j.Detach()
	p.lastEnd, p.nextLine = base+int64(len(buf)), lineNo
	return lineNo, ss
}

var nl = []byte{'\n'}

// lastRecordStart returns the start of the last line in buf[lo:at] (the
// line holding at included) that starts a record, or -1.
func lastRecordStart(buf []byte, lo, at int) int {
	q := bytes.LastIndexByte(buf[:at], '\n') + 1 // start of the line holding at
	for q > lo {
		end := len(buf)
		if i := bytes.IndexByte(buf[q:], '\n'); i >= 0 {
			end = q + i
		}
		if layout.StartsRecord(buf[q:end]) {
			return q
		}
		q = bytes.LastIndexByte(buf[:q-1], '\n') + 1
	}
	return -1
}
