package tracker_test

import (
	"bytes"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/esdoctor/esdoctor/aggregator/tracker"
	"github.com/esdoctor/esdoctor/shared/diagnosis"
)

func TestSaveLoadRoundTrip(t *testing.T) {
	tr := tracker.New(tracker.Options{})
	tr.Update(t0, []diagnosis.Diagnosis{diag("a", "c", "error", t0, t0, 1, "x"), diag("b", "d", "warning", t0, t0, 1, "y")})
	tr.Update(t0.Add(time.Minute), []diagnosis.Diagnosis{diag("a", "c", "error", t0, t0, 1, "x")})
	path := filepath.Join(t.TempDir(), "diagnoses.json")
	if err := tr.SaveFile(path, t0); err != nil {
		t.Fatal(err)
	}
	if st, err := os.Stat(path); err != nil || st.Mode().Perm() != 0o600 {
		t.Fatalf("state file: %v %v", st, err)
	}
	back := tracker.New(tracker.Options{})
	ok, err := back.LoadFile(path)
	if !ok || err != nil {
		t.Fatalf("LoadFile: %v %v", ok, err)
	}
	want, got := tr.List(tracker.Filter{State: "all"}), back.List(tracker.Filter{State: "all"})
	if !reflect.DeepEqual(jsonOf(t, want), jsonOf(t, got)) {
		t.Errorf("round trip differs:\n%s\n%s", jsonOf(t, want), jsonOf(t, got))
	}
	// The loaded history goes on: b reappears and reopens.
	cs := back.Update(t0.Add(2*time.Minute), []diagnosis.Diagnosis{diag("a", "c", "error", t0, t0, 1, "x"), diag("b", "d", "warning", t0, t0, 1, "y")})
	if kinds(cs) != "opened:b(reopened)" {
		t.Errorf("after load: %s", kinds(cs))
	}
	if ok, err := tracker.New(tracker.Options{}).LoadFile(filepath.Join(t.TempDir(), "none.json")); ok || err != nil {
		t.Errorf("missing file: %v %v", ok, err)
	}
}

// jsonOf renders what a state file must keep: ids, states and times.
func jsonOf(t *testing.T, ds []diagnosis.Diagnosis) string {
	t.Helper()
	var b bytes.Buffer
	for _, d := range ds {
		b.WriteString(d.ID + " " + d.State + " " + d.FirstSeen.String() + "\n")
		if d.ResolvedAt != nil {
			b.WriteString(" resolved " + d.ResolvedAt.String() + "\n")
		}
	}
	return b.String()
}

func TestLoadMalformed(t *testing.T) {
	cases := []struct{ name, in, want string }{
		{"empty", "", "empty file"},
		{"blank", "  \n", "empty file"},
		{"not json", "garbage", "malformed JSON"},
		{"truncated", `{"format":"esdoctor-diagnoses","version":1,"diagnoses":[`, "malformed JSON"},
		{"trailing", `{"format":"esdoctor-diagnoses","version":1} {}`, "trailing data"},
		{"foreign", `{"format":"esdoctor-bundle","version":1}`, `not an esdoctor-diagnoses file (format "esdoctor-bundle")`},
		{"future", `{"format":"esdoctor-diagnoses","version":9}`, "unsupported version 9"},
		{"no id", `{"format":"esdoctor-diagnoses","version":1,"diagnoses":[{"code":"c","state":"open"}]}`, "diagnosis 0: missing id"},
		{"no code", `{"format":"esdoctor-diagnoses","version":1,"diagnoses":[{"id":"x","state":"open"}]}`, "diagnosis x: missing code"},
		{"bad state", `{"format":"esdoctor-diagnoses","version":1,"diagnoses":[{"id":"x","code":"c","state":"gone"}]}`, `unknown state "gone"`},
		{"resolved no time", `{"format":"esdoctor-diagnoses","version":1,"diagnoses":[{"id":"x","code":"c","state":"resolved"}]}`, "resolved without resolved_at"},
		{"twice", `{"format":"esdoctor-diagnoses","version":1,"diagnoses":[{"id":"x","code":"c","state":"open"},{"id":"x","code":"c","state":"open"}]}`, "listed twice"},
		{"wrong type", `{"format":"esdoctor-diagnoses","version":"1"}`, "malformed JSON"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			tr := tracker.New(tracker.Options{})
			tr.Update(t0, []diagnosis.Diagnosis{diag("keep", "c", "error", t0, t0, 1, "x")})
			err := tr.Load(strings.NewReader(c.in), "/data/diagnoses.json")
			if err == nil {
				t.Fatal("no error")
			}
			if !strings.Contains(err.Error(), "/data/diagnoses.json") || !strings.Contains(err.Error(), c.want) {
				t.Errorf("error %q, want the file name and %q", err, c.want)
			}
			if _, ok := tr.Get("keep"); !ok {
				t.Error("a failed load changed the tracker")
			}
		})
	}
}

func FuzzLoad(f *testing.F) {
	seeds, _ := filepath.Glob("testdata/*.json")
	for _, s := range seeds {
		b, err := os.ReadFile(s)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	f.Add([]byte(`{"format":"esdoctor-diagnoses","version":1,"diagnoses":[{"id":"x","code":"c","state":"resolved","resolved_at":"2024-05-01T10:00:00Z"}]}`))
	f.Fuzz(func(t *testing.T, b []byte) {
		tr := tracker.New(tracker.Options{})
		if err := tr.Load(bytes.NewReader(b), "fuzz.json"); err != nil {
			if !strings.Contains(err.Error(), "fuzz.json") {
				t.Fatalf("error without the file name: %v", err)
			}
			return
		}
		// A loaded state can be listed, updated and saved again.
		tr.List(tracker.Filter{State: "all"})
		tr.Update(t0, nil)
		var out bytes.Buffer
		if err := tr.Save(&out, t0); err != nil {
			t.Fatal(err)
		}
		if err := tracker.New(tracker.Options{}).Load(&out, "again.json"); err != nil {
			t.Fatalf("saved state does not load: %v", err)
		}
	})
}
