package symptom

import (
	"bytes"
	"sort"
)

// byteFreq is the frequency (per 100 000 bytes) of printable bytes in
// Elasticsearch server logs (plain and JSON: messages, stack traces, keys),
// measured on real excerpts and realistic generated logs. Bytes not listed
// count as common.
var byteFreq = map[byte]int{
	'!': 1, '&': 1, '*': 1, '+': 1, '<': 1, '>': 1, '^': 1, '`': 1, '|': 1, '\'': 5, '#': 10, ';': 10,
	'%': 15, 'X': 25, 'V': 25, 'J': 35, 'U': 35, '@': 50, 'z': 60, 'Z': 60, 'Y': 60, 'K': 90, 'w': 110,
	'q': 115, 'D': 130, 'B': 130, 'G': 150, '_': 160, '{': 160, '}': 160, '/': 120, '$': 110, '=': 110,
	'k': 155, 'W': 165, 'Q': 220, 'O': 290, 'H': 270, 'L': 250, 'N': 270, 'M': 260, 'P': 240, 'I': 290,
	'R': 340, 'f': 330, 'F': 390, 'b': 400, 'T': 520, 'C': 550, 'E': 610, 'A': 580, 'y': 600, 'x': 750,
	'S': 700, 'j': 900, 'v': 1150, 'g': 1150, 'p': 1100, 'm': 950, 'u': 1550, '[': 1300, ']': 1300,
	'-': 1250, ':': 1900, ',': 800, '"': 2500, '(': 420, ')': 420, '?': 400, '~': 400,
	'd': 2100, 'h': 2300, 'l': 2900, ' ': 2700, 'i': 3300, 's': 4500, 'o': 4000, 'n': 4200, 'c': 4800,
	'.': 5400, 't': 5600, 'r': 5700, 'a': 7200, 'e': 8800,
}

func freqOf(b byte) int {
	if f, ok := byteFreq[b]; ok {
		return f
	}
	if b >= '0' && b <= '9' {
		return 900
	}
	if b < ' ' || b > '~' {
		return 50
	}
	return 300
}

// needle is one literal the prefilter looks for, found through its byte at
// offset off (the group's trigger byte).
type needle struct {
	lit   string
	off   int
	id    int  // index in prefilter.lits
	after bool // checked on the two bytes after the trigger (else before)
}

// bigrams is a set of byte pairs.
type bigrams [1 << 16 / 64]uint64

func (s *bigrams) add(a, b byte)      { k := uint(a)<<8 | uint(b); s[k>>6] |= 1 << (k & 63) }
func (s *bigrams) has(a, b byte) bool { k := uint(a)<<8 | uint(b); return s[k>>6]&(1<<(k&63)) != 0 }

// group is every needle found through one trigger byte: one IndexByte pass
// serves them all, and a bigram set on the bytes next to the trigger
// rejects almost every occurrence that starts no needle.
type group struct {
	b                byte
	needles          []needle
	after, before    bigrams
	hasAfter, hasBef bool
}

// prefilter finds where any of a set of literals occurs with a few
// IndexByte passes (vectorised in the runtime) over cache-sized blocks,
// instead of a regexp or a byte-at-a-time automaton. The trigger bytes are
// chosen as a small set of rare bytes that covers every literal.
type prefilter struct {
	groups []group
	lits   []string
	td     *teddy // the SIMD search, when the CPU has it
}

// passCost weighs one more pass against the frequency of a trigger byte
// (whose occurrences each cost a call): sharing passes wins until a byte
// is about as common as a letter of ordinary words.
const passCost = 600

// maxTriggerFreq excludes bytes too common to trigger on.
const maxTriggerFreq = 1600

// newPrefilter builds the search for lits (duplicates share an id; every
// literal must be at least 3 bytes long).
func newPrefilter(lits []string) *prefilter {
	p := &prefilter{}
	ids := map[string]int{}
	for _, l := range lits {
		if _, ok := ids[l]; ok || len(l) < 3 {
			continue
		}
		ids[l] = len(p.lits)
		p.lits = append(p.lits, l)
	}
	// Greedy set cover: pick the trigger byte with the best ratio of newly
	// covered literals to cost until every literal holds a chosen byte.
	chosen := map[byte]bool{}
	covered := make([]bool, len(p.lits))
	left := len(p.lits)
	for left > 0 {
		bestB, bestScore := -1, 0.0
		for b := 0; b < 256; b++ {
			if chosen[byte(b)] || freqOf(byte(b)) > maxTriggerFreq {
				continue
			}
			n := 0
			for i, l := range p.lits {
				if !covered[i] && bytes.IndexByte([]byte(l), byte(b)) >= 0 {
					n++
				}
			}
			if n == 0 {
				continue
			}
			score := float64(n) / float64(passCost+freqOf(byte(b)))
			if score > bestScore {
				bestB, bestScore = b, score
			}
		}
		if bestB < 0 {
			// A literal of common bytes only: take its rarest byte.
			for i, l := range p.lits {
				if !covered[i] {
					bestB = int(rarest(l))
					break
				}
			}
		}
		chosen[byte(bestB)] = true
		for i, l := range p.lits {
			if !covered[i] && bytes.IndexByte([]byte(l), byte(bestB)) >= 0 {
				covered[i] = true
				left--
			}
		}
	}
	byByte := map[byte]*group{}
	for i, l := range p.lits {
		// The rarest chosen byte of the literal triggers it.
		off := -1
		for j := 0; j < len(l); j++ {
			if chosen[l[j]] && (off < 0 || freqOf(l[j]) < freqOf(l[off])) {
				off = j
			}
		}
		g := byByte[l[off]]
		if g == nil {
			g = &group{b: l[off]}
			byByte[l[off]] = g
		}
		n := needle{lit: l, off: off, id: i, after: off+2 < len(l)}
		if n.after {
			g.after.add(l[off+1], l[off+2])
			g.hasAfter = true
		} else {
			g.before.add(l[off-2], l[off-1])
			g.hasBef = true
		}
		g.needles = append(g.needles, n)
	}
	for _, g := range byByte {
		p.groups = append(p.groups, *g)
	}
	sort.Slice(p.groups, func(i, j int) bool { return p.groups[i].b < p.groups[j].b })
	short := false
	for _, l := range p.lits {
		short = short || len(l) < fpLen
	}
	if teddyAsm && len(p.lits) > 0 && !short {
		p.td = newTeddy(p.lits)
	}
	return p
}

func rarest(l string) byte {
	b := l[0]
	for i := 1; i < len(l); i++ {
		if freqOf(l[i]) < freqOf(b) {
			b = l[i]
		}
	}
	return b
}

// block is how much text each round of passes covers: small enough to stay
// in the L1/L2 cache across the passes.
const block = 16 << 10

// scan calls hit(start, id) for every literal occurrence; hit returns false
// to stop. Occurrences come block by block, group by group.
func (p *prefilter) scan(text []byte, hit func(start, id int) bool) {
	if p.td != nil {
		p.td.scan(text, hit)
		return
	}
	p.scanBytes(text, hit)
}

// scanBytes is the portable search: one IndexByte pass per trigger byte.
func (p *prefilter) scanBytes(text []byte, hit func(start, id int) bool) {
	n := len(text)
	for from := 0; from < n; from += block {
		to := from + block
		if to > n {
			to = n
		}
		for gi := range p.groups {
			g := &p.groups[gi]
			i := from
			for i < to {
				k := bytes.IndexByte(text[i:to], g.b)
				if k < 0 {
					break
				}
				pos := i + k
				i = pos + 1
				aft := g.hasAfter && pos+2 < n && g.after.has(text[pos+1], text[pos+2])
				bef := g.hasBef && pos >= 2 && g.before.has(text[pos-2], text[pos-1])
				if !aft && !bef {
					continue
				}
				for _, nd := range g.needles {
					if nd.after && !aft || !nd.after && !bef {
						continue
					}
					s := pos - nd.off
					if s >= 0 && s+len(nd.lit) <= n && string(text[s:s+len(nd.lit)]) == nd.lit {
						if !hit(s, nd.id) {
							return
						}
					}
				}
			}
		}
	}
}

// any reports whether any literal occurs in text.
func (p *prefilter) any(text []byte) bool {
	found := false
	p.scan(text, func(int, int) bool { found = true; return false })
	return found
}

// find appends to hits the start of every literal occurrence in text
// (unsorted; one position may appear more than once).
func (p *prefilter) find(text []byte, hits []int) []int {
	p.scan(text, func(s, _ int) bool { hits = append(hits, s); return true })
	return hits
}

// present sets seen[id] for every literal that occurs in text.
func (p *prefilter) present(text []byte, seen []bool) {
	p.scan(text, func(_, id int) bool { seen[id] = true; return true })
}
