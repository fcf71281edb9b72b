package positions

import (
	"bytes"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func sampleEntry(id string, content string) Entry {
	n, sig := Signature([]byte(content))
	return Entry{ID: id, Path: "/logs/" + id + ".log", Dev: 1, Ino: 2, SigLen: n, Sig: sig,
		Offset: int64(len(content)), Line: 1, Seen: time.Unix(1700000000, 0).UTC()}
}

func TestSaveLoadRoundTrip(t *testing.T) {
	path := filepath.Join(t.TempDir(), "positions.json")
	in := &File{Entries: []Entry{sampleEntry("a", "hello\n"), sampleEntry("b", "world\n")},
		State: json.RawMessage(`{"groups":[1,2]}`)}
	if err := Save(path, in); err != nil {
		t.Fatal(err)
	}
	out, err := Load(path)
	if err != nil {
		t.Fatal(err)
	}
	if out.Version != Version || len(out.Entries) != 2 || out.Entries[1].ID != "b" || out.Entries[0].Offset != 6 {
		t.Fatalf("round trip: %+v", out)
	}
	if !bytes.Equal(out.State, []byte(`{"groups":[1,2]}`)) {
		t.Fatalf("state: %s", out.State)
	}
}

func TestSaveMode0600EvenOverAWiderFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "positions.json")
	if err := os.WriteFile(path, []byte("old"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := Save(path, &File{}); err != nil {
		t.Fatal(err)
	}
	st, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if st.Mode().Perm() != 0o600 {
		t.Fatalf("mode %v, want 0600", st.Mode().Perm())
	}
	// No temporary files are left behind.
	ents, _ := os.ReadDir(filepath.Dir(path))
	if len(ents) != 1 {
		t.Fatalf("directory holds %d files, want 1", len(ents))
	}
}

func TestLoadMissingIsNotExist(t *testing.T) {
	_, err := Load(filepath.Join(t.TempDir(), "nope.json"))
	if !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("err = %v, want ErrNotExist", err)
	}
}

func TestDecodeTestdata(t *testing.T) {
	for _, name := range []string{"valid.json", "empty-entries.json"} {
		data, err := os.ReadFile(filepath.Join("testdata", name))
		if err != nil {
			t.Fatal(err)
		}
		if _, err := Decode(data, name); err != nil {
			t.Errorf("%s: %v", name, err)
		}
	}
}

func TestMatches(t *testing.T) {
	content := strings.Repeat("0123456789", 200)
	n, sig := Signature([]byte(content))
	if n != SigMax {
		t.Fatalf("sig len %d", n)
	}
	e := Entry{SigLen: n, Sig: sig}
	if !e.Matches([]byte(content)) || !e.Matches([]byte(content[:SigMax])) {
		t.Fatal("same content does not match")
	}
	if e.Matches([]byte(content[:SigMax-1])) {
		t.Fatal("a shorter prefix matched")
	}
	if e.Matches([]byte("x" + content)) {
		t.Fatal("different content matched")
	}
	if (&Entry{}).Matches([]byte("anything")) {
		t.Fatal("an empty signature matched")
	}
}

// TestDecodeMalformed: each malformed input gives an error naming the file
// and the cause.
func TestDecodeMalformed(t *testing.T) {
	good := `"id":"a","path":"p","dev":1,"ino":2,"sig_len":3,"sig":"` + strings.Repeat("ab", 32) + `","offset":10,"line":2,"seen":"2024-01-01T00:00:00Z"`
	cases := []struct{ name, in, want string }{
		{"empty", "", "empty file"},
		{"blank", " \n\t", "empty file"},
		{"not json", "positions: yes", "malformed JSON"},
		{"truncated", `{"version":1,"entries":[{"id":"a"`, "malformed JSON"},
		{"binary", "\x00\x01\x02\xff", "malformed JSON"},
		{"trailing", `{"version":1,"entries":[]} {}`, "trailing data"},
		{"version 0", `{"entries":[]}`, "unsupported version 0"},
		{"version 2", `{"version":2,"entries":[]}`, "unsupported version 2"},
		{"entries not a list", `{"version":1,"entries":{}}`, "malformed JSON"},
		{"missing id", `{"version":1,"entries":[{"sig_len":3,"sig":"` + strings.Repeat("ab", 32) + `"}]}`, "missing id"},
		{"sig_len 0", `{"version":1,"entries":[{"id":"a","sig_len":0}]}`, "sig_len 0 out of range"},
		{"sig_len too big", `{"version":1,"entries":[{"id":"a","sig_len":1025}]}`, "sig_len 1025 out of range"},
		{"short sig", `{"version":1,"entries":[{"id":"a","sig_len":3,"sig":"abc"}]}`, "sig must be 64 hex digits"},
		{"sig not hex", `{"version":1,"entries":[{"id":"a","sig_len":3,"sig":"` + strings.Repeat("zz", 32) + `"}]}`, "sig is not hex"},
		{"negative offset", `{"version":1,"entries":[{` + strings.Replace(good, `"offset":10`, `"offset":-1`, 1) + `}]}`, "negative offset"},
		{"negative line", `{"version":1,"entries":[{` + strings.Replace(good, `"line":2`, `"line":-2`, 1) + `}]}`, "negative line"},
		{"line past offset", `{"version":1,"entries":[{` + strings.Replace(good, `"line":2`, `"line":11`, 1) + `}]}`, "line 11 exceeds offset 10"},
		{"duplicate id", `{"version":1,"entries":[{` + good + `},{` + good + `}]}`, `duplicate id "a"`},
		{"offset overflow", `{"version":1,"entries":[{"id":"a","offset":99999999999999999999}]}`, "malformed JSON"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := Decode([]byte(c.in), "/state/positions.json")
			if err == nil {
				t.Fatalf("no error for %q", c.in)
			}
			if !strings.Contains(err.Error(), "/state/positions.json") || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("error %q does not name the file and %q", err, c.want)
			}
		})
	}
}

func TestEncodeRejectsInvalidEntry(t *testing.T) {
	_, err := Encode(&File{Entries: []Entry{{ID: "x", SigLen: 0}}})
	if err == nil || !strings.Contains(err.Error(), "sig_len 0") {
		t.Fatalf("err = %v", err)
	}
}

func TestDecodeRejectsHugeFile(t *testing.T) {
	_, err := Decode(make([]byte, MaxFileSize+1), "big.json")
	if err == nil || !strings.Contains(err.Error(), "exceeds") {
		t.Fatalf("err = %v", err)
	}
}

// FuzzPositions: the decoder never panics, and whatever it accepts
// re-encodes and decodes to the same entries.
func FuzzPositions(f *testing.F) {
	for _, name := range []string{"valid.json", "empty-entries.json"} {
		data, err := os.ReadFile(filepath.Join("testdata", name))
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data)
	}
	f.Add([]byte(`{"version":1}`))
	f.Add([]byte(`{"version":1,"entries":[{"id":"a"}]}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		pf, err := Decode(data, "fuzz.json")
		if err != nil {
			if !strings.Contains(err.Error(), "fuzz.json") {
				t.Fatalf("error does not name the file: %v", err)
			}
			return
		}
		enc, err := Encode(pf)
		if err != nil {
			t.Fatalf("accepted input does not re-encode: %v", err)
		}
		again, err := Decode(enc, "again.json")
		if err != nil {
			t.Fatalf("re-encoded input does not decode: %v", err)
		}
		if len(again.Entries) != len(pf.Entries) {
			t.Fatalf("entries %d != %d", len(again.Entries), len(pf.Entries))
		}
		for i := range pf.Entries {
			a, b := pf.Entries[i], again.Entries[i]
			if a.ID != b.ID || a.Offset != b.Offset || a.Line != b.Line || a.Sig != b.Sig || a.SigLen != b.SigLen || a.Ended != b.Ended {
				t.Fatalf("entry %d changed: %+v -> %+v", i, a, b)
			}
		}
	})
}
