package meshlog

import (
	"context"
	"os"
	"strings"
	"testing"

	"github.com/esdoctor/esdoctor/shared/catalog"
	"github.com/esdoctor/esdoctor/shared/event"
)

type corpusBlock struct {
	source, file, want string
	lines              []string
}

func readCorpus(t testing.TB) []corpusBlock {
	b, err := os.ReadFile("testdata/corpus.txt")
	if err != nil {
		t.Fatal(err)
	}
	var out []corpusBlock
	for _, chunk := range strings.Split(string(b), "\n\n") {
		var c corpusBlock
		for _, l := range strings.Split(chunk, "\n") {
			switch {
			case strings.HasPrefix(l, "## source: "):
				c.source = strings.TrimPrefix(l, "## source: ")
			case strings.HasPrefix(l, "## file: "):
				c.file = strings.TrimPrefix(l, "## file: ")
			case strings.HasPrefix(l, "## want: "):
				c.want = strings.TrimPrefix(l, "## want: ")
			case strings.HasPrefix(l, "#"), l == "":
			default:
				c.lines = append(c.lines, l)
			}
		}
		if c.want != "" {
			out = append(out, c)
		}
	}
	return out
}

// Every real excerpt gives its symptom on every line, and no look-alike
// gives any.
func TestMeshCorpus(t *testing.T) {
	blocks := readCorpus(t)
	if len(blocks) < 25 {
		t.Fatalf("only %d corpus blocks", len(blocks))
	}
	lookalikes, matched := 0, 0
	for _, c := range blocks {
		var got []event.Symptom
		err := Scan(context.Background(), strings.NewReader(strings.Join(c.lines, "\n")+"\n"), c.file, 0, func(s event.Symptom) { got = append(got, s) })
		if err != nil {
			t.Fatal(err)
		}
		if c.want == "none" {
			lookalikes += len(c.lines)
			for _, s := range got {
				t.Errorf("%s: look-alike matched %s: %q", c.source, s.Symptom, s.Text)
			}
			continue
		}
		if _, ok := catalog.LookupSymptom(catalog.SymptomCode(c.want)); !ok {
			t.Errorf("%s: %s is not a catalog symptom", c.source, c.want)
		}
		want := len(c.lines)
		if c.want == "mesh-plaintext-refused" && strings.HasPrefix(c.lines[0], "curl:") {
			want = 1
		}
		if len(got) != want {
			t.Errorf("%s: %d symptoms, want %d (%v)", c.source, len(got), want, got)
		}
		for _, s := range got {
			matched++
			if s.Symptom != c.want {
				t.Errorf("%s: got %s, want %s: %q", c.source, s.Symptom, c.want, s.Text)
			}
		}
	}
	t.Logf("%d lines matched, %d look-alike lines silent", matched, lookalikes)
}
