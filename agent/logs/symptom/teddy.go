package symptom

import (
	"sort"
	"strings"
)

// teddy is a packed multi-literal search in the manner of Hyperscan's
// "Teddy": every literal is summarised by a 4-byte fingerprint and put in one
// of 8 buckets; for each haystack position, nibble-indexed tables give the
// buckets whose fingerprint bytes could start there, 32 positions at a time
// with AVX2 shuffles (teddy_amd64.s). Candidates are then verified here.
// Without AVX2 the IndexByte prefilter is used instead.
type teddy struct {
	// masks[2k] / masks[2k+1]: for fingerprint byte k, the buckets whose
	// byte k has a given low / high nibble (16 entries, twice for the two
	// 128-bit lanes).
	masks   [2 * fpLen][32]byte
	buckets [8][]tlit
	narrow  bool // use the AVX2 kernel even where AVX-512 runs (tests)
}

// fpLen is the fingerprint length.
const fpLen = 4

// tlit is a literal whose fingerprint starts at off.
type tlit struct {
	lit string
	off int
	id  int
}

// nibbleSets are the low/high nibbles a bucket accepts at each fingerprint
// position.
type nibbleSets [fpLen][2]uint16

func (n *nibbleSets) add(fp string) {
	for k := 0; k < fpLen; k++ {
		n[k][0] |= 1 << (fp[k] & 0xf)
		n[k][1] |= 1 << (fp[k] >> 4)
	}
}

// passRate estimates how often a log position passes a bucket's masks: per
// position, the share of bytes whose two nibbles are both accepted.
func (n *nibbleSets) passRate() float64 {
	r := 1.0
	for k := 0; k < fpLen; k++ {
		sum := 0
		for c := 0; c < 256; c++ {
			if n[k][0]&(1<<(c&0xf)) != 0 && n[k][1]&(1<<(c>>4)) != 0 {
				sum += freqOf(byte(c))
			}
		}
		r *= float64(sum) / 1e5
	}
	return r
}

// commonText holds words that fill every Elasticsearch log (stack traces,
// class names, JSON keys): a fingerprint inside one of them would be a
// candidate everywhere, whatever its bytes' frequencies say.
const commonText = "Exception: Caused by: at org.elasticsearch. java.lang. java.util.concurrent. " +
	"io.netty.channel. ~[elasticsearch-8.11.4.jar:?] ~[?:?] .run(Thread.java:1583) transport cluster " +
	"connection failed index shard node search action request response Transport Service Handler " +
	"Listener Runnable Executor onFailure onResponse handleException doRun \"@timestamp\" \"log.level\" " +
	"\"message\" \"ecs.version\" \"service.name\":\"ES_ECS\" \"event.dataset\":\"elasticsearch.server\" " +
	"\"process.thread.name\" \"log.logger\" \"elasticsearch.node.name\" \"elasticsearch.cluster.name\" " +
	"\"type\": \"server\", \"timestamp\" \"component\" \"stacktrace\" [INFO ][WARN ][ERROR][DEBUG] "

// newTeddy builds the tables for lits (each at least fpLen bytes): each
// literal's fingerprint is its rarest fpLen-byte window, and each goes to the
// bucket where it adds the least to the expected rate of false candidates
// (nibble masks of a bucket accept every mix of its fingerprints' nibbles).
func newTeddy(lits []string) *teddy {
	t := &teddy{}
	fps := make([]tlit, 0, len(lits))
	rate := make([]float64, 0, len(lits))
	for id, l := range lits {
		best, bestRate := 0, 2.0
		for i := 0; i+fpLen <= len(l); i++ {
			var n nibbleSets
			n.add(l[i : i+fpLen])
			r := n.passRate()
			if strings.Contains(commonText, l[i:i+fpLen]) {
				r += 0.5
			}
			if r < bestRate {
				best, bestRate = i, r
			}
		}
		fps = append(fps, tlit{l, best, id})
		rate = append(rate, bestRate)
	}
	// Most selective fingerprints first, so that buckets form around them.
	order := make([]int, len(fps))
	for i := range order {
		order[i] = i
	}
	sort.SliceStable(order, func(a, b int) bool { return rate[order[a]] < rate[order[b]] })
	var sets [8]nibbleSets
	var used [8]bool
	for _, i := range order {
		f := fps[i]
		fp := f.lit[f.off : f.off+fpLen]
		bestB, bestCost := 0, 2.0
		for b := 0; b < 8; b++ {
			before := 0.0
			if used[b] {
				before = sets[b].passRate()
			}
			n := sets[b]
			n.add(fp)
			if cost := n.passRate() - before; cost < bestCost {
				bestB, bestCost = b, cost
			}
		}
		sets[bestB].add(fp)
		used[bestB] = true
		t.buckets[bestB] = append(t.buckets[bestB], f)
		for k := 0; k < fpLen; k++ {
			c := fp[k]
			t.masks[2*k][c&0xf] |= 1 << bestB
			t.masks[2*k][16+c&0xf] |= 1 << bestB
			t.masks[2*k+1][c>>4] |= 1 << bestB
			t.masks[2*k+1][16+c>>4] |= 1 << bestB
		}
	}
	return t
}

// buckets returns the candidate buckets of a fingerprint starting at i
// (scalar form of what the assembly computes).
func (t *teddy) bucketsAt(text []byte, i int) byte {
	m := byte(0xff)
	for k := 0; k < fpLen; k++ {
		c := text[i+k]
		m &= t.masks[2*k][c&0xf] & t.masks[2*k+1][c>>4]
	}
	return m
}

// verify reports the literals of the buckets in mask whose fingerprint
// starts at pos.
func (t *teddy) verify(text []byte, pos int, mask byte, hit func(start, id int) bool) bool {
	for mask != 0 {
		b := 0
		for mask&(1<<b) == 0 {
			b++
		}
		mask &^= 1 << b
		for _, l := range t.buckets[b] {
			s := pos - l.off
			if s >= 0 && s+len(l.lit) <= len(text) && string(text[s:s+len(l.lit)]) == l.lit {
				if !hit(s, l.id) {
					return false
				}
			}
		}
	}
	return true
}

// scan calls hit for every literal occurrence, in order of fingerprint
// position; hit returns false to stop.
func (t *teddy) scan(text []byte, hit func(start, id int) bool) {
	var buf [256]uint32
	i := 0
	if teddyAsm {
		for len(text)-i >= 32+fpLen-1 {
			// Positions are packed in 24 bits: at most 8 MiB per call.
			end := len(text)
			if end-i > 8<<20 {
				end = i + 8<<20
			}
			var n, next int
			if teddyWide && !t.narrow {
				n, next = teddyAVX512(&t.masks, text[i:end], buf[:])
			} else {
				n, next = teddyAVX2(&t.masks, text[i:end], buf[:])
			}
			for _, e := range buf[:n] {
				if !t.verify(text, i+int(e>>8), byte(e), hit) {
					return
				}
			}
			if next == 0 {
				break
			}
			i += next
		}
	}
	for ; i+fpLen <= len(text); i++ {
		if m := t.bucketsAt(text, i); m != 0 {
			if !t.verify(text, i, m, hit) {
				return
			}
		}
	}
}
