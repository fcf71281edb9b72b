package main

import (
	"fmt"
	"sync"
	"time"
)

// tally counts what the reader delivered against what was written.
type tally struct {
	mu        sync.Mutex
	seen      []uint64 // bitset over seq
	delivered int64    // every delivery, duplicates included
	dup       int64
	inversion int64 // a line delivered right after one with a higher seq
	last      int64
	next      int64 // lowest seq not seen yet (the watermark)
	bytes     int64
	lastAt    time.Time
	bad       int64 // lines the reader produced that carry no seq
	srcLast   map[string]int64
	srcOOO    int64 // a seq lower than the previous one of the same source
	// skip tells whether an unseen seq is one copytruncate itself lost
	// (for the watermark only: retention and restarts must not wait for
	// a line that exists nowhere). Optional.
	skip      func(seq int64) bool
	badSample string
	noEOL     int64
	// For a failure report: which source delivered each seq first.
	srcIdx   map[string]uint32
	srcNames []string
	firstSrc []uint32
	dupNotes []string
}

func newTally() *tally { return &tally{next: 1, srcLast: map[string]int64{}} }

func (t *tally) add(seq int64, size int, src string) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.delivered++
	t.lastAt = time.Now()
	if seq <= 0 {
		t.bad++
		if t.badSample == "" {
			t.badSample = src
		}
		return
	}
	w := int(seq / 64)
	for len(t.seen) <= w {
		t.seen = append(t.seen, make([]uint64, len(t.seen)+1024)...)
	}
	bit := uint64(1) << (seq % 64)
	if src != "" {
		if t.srcIdx == nil {
			t.srcIdx = map[string]uint32{}
		}
		i, ok := t.srcIdx[src]
		if !ok {
			i = uint32(len(t.srcNames))
			t.srcIdx[src] = i
			t.srcNames = append(t.srcNames, src)
		}
		for int64(len(t.firstSrc)) <= seq {
			t.firstSrc = append(t.firstSrc, make([]uint32, len(t.firstSrc)+4096)...)
		}
		if t.seen[w]&bit != 0 {
			if len(t.dupNotes) < 5 {
				t.dupNotes = append(t.dupNotes, fmt.Sprintf("seq %d first from %s, again from %s", seq, t.srcNames[t.firstSrc[seq]], src))
			}
		} else {
			t.firstSrc[seq] = i
		}
	}
	if t.seen[w]&bit != 0 {
		t.dup++
	} else {
		t.seen[w] |= bit
		t.bytes += int64(size)
	}
	if seq < t.last {
		t.inversion++
	}
	t.last = seq
	if src != "" {
		if p, ok := t.srcLast[src]; ok && seq < p {
			t.srcOOO++
		}
		t.srcLast[src] = seq
	}
	t.advance()
}

func (t *tally) advance() {
	for t.has(t.next) || (t.skip != nil && t.next < t.last && t.skip(t.next)) {
		t.next++
	}
}

// partial counts a NoEOL line (an unterminated last line).
func (t *tally) partial() {
	t.mu.Lock()
	t.noEOL++
	t.mu.Unlock()
}

func (t *tally) has(seq int64) bool {
	w := int(seq / 64)
	return w < len(t.seen) && t.seen[w]&(uint64(1)<<(seq%64)) != 0
}

// watermark returns the highest seq below which every line was seen.
func (t *tally) watermark() int64 {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.advance()
	return t.next - 1
}

// lost lists the seqs in 1..written never seen.
func (t *tally) lost(written int64) []int64 {
	t.mu.Lock()
	defer t.mu.Unlock()
	var out []int64
	for s := int64(1); s <= written; s++ {
		if !t.has(s) {
			out = append(out, s)
		}
	}
	return out
}
