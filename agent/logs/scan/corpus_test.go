package scan

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/esdoctor/esdoctor/agent/logs/symptom"
	"github.com/esdoctor/esdoctor/shared/event"
)

var update = flag.Bool("update", false, "rewrite the golden files")

// identityCodes may appear beside any label: they describe the node.
var identityCodes = map[string]bool{"node-started": true, "node-stopping": true, "publish-address": true}

func scanAll(t *testing.T, path string, opts Options) []event.Symptom {
	t.Helper()
	var got []event.Symptom
	if err := ScanFile(context.Background(), path, opts, func(s event.Symptom) { got = append(got, s) }); err != nil {
		t.Fatalf("ScanFile(%s): %v", path, err)
	}
	sort.SliceStable(got, func(i, j int) bool { return got[i].Offset < got[j].Offset })
	return got
}

// TestCorpusLabels: each real excerpt gives its label and nothing else but
// node identity codes; the look-alikes ("none--*") give nothing at all.
func TestCorpusLabels(t *testing.T) {
	files, _ := filepath.Glob("testdata/corpus/*.log")
	if len(files) < 20 {
		t.Fatalf("corpus missing: %d files", len(files))
	}
	for _, f := range files {
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

func codes(ss []event.Symptom) []string {
	var out []string
	for _, s := range ss {
		out = append(out, s.Symptom)
	}
	return out
}

// TestCorpusGolden compares the full symptoms of each excerpt with
// testdata/corpus/<name>.golden.json (rewrite with -update).
func TestCorpusGolden(t *testing.T) {
	files, _ := filepath.Glob("testdata/corpus/*.log")
	for _, f := range files {
		t.Run(filepath.Base(f), func(t *testing.T) { checkGolden(t, f) })
	}
}

// checkGolden compares the full symptoms of one excerpt with
// <name>.golden.json beside it (rewritten with -update).
func checkGolden(t *testing.T, f string) {
	t.Helper()
	got := scanAll(t, f, Options{Location: time.UTC, Window: symptom.DefaultWindow})
	if got == nil {
		got = []event.Symptom{}
	}
	b, err := json.MarshalIndent(got, "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	b = append(b, '\n')
	golden := strings.TrimSuffix(f, ".log") + ".golden.json"
	if *update {
		if err := os.WriteFile(golden, b, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatalf("%v (run with -update to create it)", err)
	}
	if !bytes.Equal(want, b) {
		t.Errorf("%s differs from the golden file:\n got: %s\nwant: %s", f, b, want)
	}
}
