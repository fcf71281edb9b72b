package symptom

import (
	"math/rand"
	"os"
	"path/filepath"
	"reflect"
	"sort"
	"strings"
	"testing"
)

type occ struct{ start, id int }

func allHits(scan func([]byte, func(int, int) bool), text []byte) []occ {
	var out []occ
	scan(text, func(s, id int) bool { out = append(out, occ{s, id}); return true })
	sort.Slice(out, func(i, j int) bool {
		if out[i].start != out[j].start {
			return out[i].start < out[j].start
		}
		return out[i].id < out[j].id
	})
	// Deduplicate (a literal found twice through different paths).
	w := 0
	for i, o := range out {
		if i == 0 || o != out[w-1] {
			out[w] = o
			w++
		}
	}
	return out[:w]
}

// naive finds every occurrence with strings.Index.
func naive(lits []string, text []byte) []occ {
	var out []occ
	for id, l := range lits {
		for i := 0; ; {
			k := strings.Index(string(text[i:]), l)
			if k < 0 {
				break
			}
			out = append(out, occ{i + k, id})
			i += k + 1
		}
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].start != out[j].start {
			return out[i].start < out[j].start
		}
		return out[i].id < out[j].id
	})
	return out
}

func checkSearchers(t *testing.T, m *Matcher, text []byte) {
	t.Helper()
	want := naive(m.pre.lits, text)
	if got := allHits(m.pre.scanBytes, text); !reflect.DeepEqual(got, want) && !(len(got) == 0 && len(want) == 0) {
		t.Fatalf("IndexByte search: %d hits, want %d", len(got), len(want))
	}
	td := newTeddy(m.pre.lits)
	for _, narrow := range []bool{false, true} {
		td.narrow = narrow
		if got := allHits(td.scan, text); !reflect.DeepEqual(got, want) && !(len(got) == 0 && len(want) == 0) {
			t.Fatalf("teddy search (avx2 %v, avx512 %v, narrow %v): %d hits, want %d", teddyAsm, teddyWide, narrow, len(got), len(want))
		}
	}
}

// TestSearchersAgree: the SIMD and the portable search find exactly the
// occurrences a naive search finds, at every alignment and length.
func TestSearchersAgree(t *testing.T) {
	m := NewMatcher(Options{MeshPack: true})
	r := rand.New(rand.NewSource(7))
	var corpus []byte
	files, _ := filepath.Glob("../scan/testdata/corpus/*.log")
	for _, f := range files {
		b, _ := os.ReadFile(f)
		corpus = append(corpus, b...)
	}
	for _, c := range ruleCases {
		corpus = append(corpus, c.ev.plain()...)
	}
	for i := 0; i < 300; i++ {
		// Random slices of real text, literals glued at random places.
		a := r.Intn(len(corpus))
		b := a + r.Intn(len(corpus)-a)
		text := append([]byte(nil), corpus[a:b]...)
		for k := r.Intn(4); k > 0; k-- {
			l := m.pre.lits[r.Intn(len(m.pre.lits))]
			at := r.Intn(len(text) + 1)
			text = append(text[:at], append([]byte(l), text[at:]...)...)
		}
		checkSearchers(t, m, text)
	}
	for n := 0; n < 200; n++ {
		checkSearchers(t, m, []byte(strings.Repeat("x", n)+"failed to establish trust with"))
	}
}

// FuzzPrefilter: both searches agree with the naive search.
func FuzzPrefilter(f *testing.F) {
	f.Add([]byte("connect_exception closed by remote publish_address {"))
	f.Add([]byte(strings.Repeat("e.n.Node", 20)))
	m := NewMatcher(Options{MeshPack: true})
	f.Fuzz(func(t *testing.T, text []byte) { checkSearchers(t, m, text) })
}
