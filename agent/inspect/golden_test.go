package inspect_test

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/esdoctor/esdoctor/agent/inspect"
	"github.com/esdoctor/esdoctor/shared/event"
	"github.com/esdoctor/esdoctor/shared/secret"
)

var update = flag.Bool("update", false, "rewrite testdata/golden/*.json from the current output")

// TestGolden inspects every example node directory with the fixed clock and
// compares the snapshot with testdata/golden/<case>.json. A case without a
// golden file fails (run with -update to accept it after reading it).
func TestGolden(t *testing.T) {
	names := caseNames(t)
	goldens, _ := filepath.Glob(filepath.Join("testdata", "golden", "*.json"))
	for _, g := range goldens {
		if !slices.Contains(names, strings.TrimSuffix(filepath.Base(g), ".json")) {
			t.Errorf("%s has no case under testdata/nodes: remove it", g)
		}
	}
	for _, name := range names {
		t.Run(name, func(t *testing.T) {
			dir, c := stageCase(t, name)
			res, err := inspect.Inspect(context.Background(), caseOptions(t, dir, c))
			if err != nil {
				t.Fatalf("Inspect: %v", err)
			}
			got := normalise(t, res.Snapshot, dir)
			if at := secret.FindCanary(got); at >= 0 {
				t.Fatalf("planted secret in the snapshot: %q", got[max(0, at-80):min(len(got), at+40)])
			}
			noNullLists(t, got)
			compareGolden(t, filepath.Join("testdata", "golden", name+".json"), got)
		})
	}
}

// noNullLists: the snapshot's list members are JSON arrays even when
// empty, so consumers need not tell null from [] (event.Snapshot's contract).
func noNullLists(t *testing.T, b []byte) {
	t.Helper()
	var m map[string]json.RawMessage
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatal(err)
	}
	for _, k := range []string{"certificates", "remotes", "problems", "errors"} {
		if v := strings.TrimSpace(string(m[k])); !strings.HasPrefix(v, "[") {
			t.Errorf("%q is %s, want a JSON array", k, v)
		}
	}
}

// normalise renders a snapshot as indented JSON with the staged case dir
// replaced by $NODE (the clock and the mtimes are fixed by the test).
func normalise(t *testing.T, s *event.Snapshot, dir string) []byte {
	t.Helper()
	b, err := json.MarshalIndent(s, "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	b = bytes.ReplaceAll(b, []byte(dir), []byte("$NODE"))
	return append(b, '\n')
}

func compareGolden(t *testing.T, path string, got []byte) {
	t.Helper()
	if *update {
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("golden file missing: %v (read the output, then accept it with -update)", err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("%s differs (-update to accept):\n%s", path, lineDiff(string(want), string(got)))
	}
}

// lineDiff lists the lines that differ, up to 40 of them.
func lineDiff(want, got string) string {
	w, g := strings.Split(want, "\n"), strings.Split(got, "\n")
	var out []string
	for i := 0; i < max(len(w), len(g)) && len(out) < 40; i++ {
		var a, b string
		if i < len(w) {
			a = w[i]
		}
		if i < len(g) {
			b = g[i]
		}
		if a != b {
			out = append(out, "line "+itoa(i+1)+":\n  - "+a+"\n  + "+b)
		}
	}
	return strings.Join(out, "\n")
}

func itoa(i int) string {
	b, _ := json.Marshal(i)
	return string(b)
}
