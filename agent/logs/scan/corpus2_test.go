package scan

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/esdoctor/esdoctor/agent/logs/symptom"
)

// corpus2 holds a second set of real public log excerpts (GitHub issues and
// pull requests, vendor documentation in its several renderings), labelled
// by file name "<label>--NN.log"; testdata/corpus2/INDEX.md gives the
// source of each.
const corpus2 = "testdata/corpus2"

func corpus2Files(t *testing.T) []string {
	t.Helper()
	files, err := filepath.Glob(filepath.Join(corpus2, "*.log"))
	if err != nil {
		t.Fatal(err)
	}
	if len(files) < 40 {
		t.Fatalf("corpus2 missing: %d files", len(files))
	}
	return files
}

// TestCorpus2Labels: each excerpt gives exactly its label, besides node
// identity codes, and every look-alike ("none--*") gives nothing at all.
func TestCorpus2Labels(t *testing.T) {
	for _, f := range corpus2Files(t) {
		name := filepath.Base(f)
		label := name[:strings.Index(name, "--")]
		t.Run(name, func(t *testing.T) {
			got := scanAll(t, f, Options{Location: time.UTC, Window: symptom.DefaultWindow})
			found := false
			for _, s := range got {
				switch {
				case s.Symptom == label:
					found = true
				case label == "none":
					t.Errorf("look-alike gave %s: %s", s.Symptom, s.Text)
				case !identityCodes[s.Symptom]:
					t.Errorf("gave %s besides %s: %s", s.Symptom, label, s.Text)
				}
			}
			if label != "none" && !found {
				t.Errorf("label %s not found; got %v", label, codes(got))
			}
		})
	}
}

// TestCorpus2Indexed: every excerpt has a row in INDEX.md and every row
// names an excerpt that exists.
func TestCorpus2Indexed(t *testing.T) {
	index, err := os.ReadFile(filepath.Join(corpus2, "INDEX.md"))
	if err != nil {
		t.Fatal(err)
	}
	rows := map[string]bool{}
	for _, line := range strings.Split(string(index), "\n") {
		if cells := strings.Split(line, "|"); len(cells) > 2 && strings.HasSuffix(strings.TrimSpace(cells[1]), ".log") {
			rows[strings.TrimSpace(cells[1])] = true
		}
	}
	for _, f := range corpus2Files(t) {
		name := filepath.Base(f)
		if !rows[name] {
			t.Errorf("%s has no row in INDEX.md", name)
		}
		delete(rows, name)
	}
	for name := range rows {
		t.Errorf("INDEX.md names %s, which does not exist", name)
	}
}

// TestCorpus2Golden compares the full symptoms of each excerpt with
// testdata/corpus2/<name>.golden.json (rewrite with -update).
func TestCorpus2Golden(t *testing.T) {
	for _, f := range corpus2Files(t) {
		t.Run(filepath.Base(f), func(t *testing.T) { checkGolden(t, f) })
	}
}
