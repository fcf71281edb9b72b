package config

import (
	"bytes"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"testing"
	"time"
)

// malformedYML are inputs Elasticsearch refuses (or that would eat memory),
// each with the error substring expected after "config <name>: ".
var malformedYML = []struct {
	name, in, want string
}{
	{"bad YAML: unclosed flow list", "a: [x, y\nb: 1\n", "invalid YAML"},
	{"bad YAML: unclosed quote", "cluster.name: \"abc\nnode.name: x\n", "invalid YAML"},
	{"bad YAML: bad indentation", "a:\n  b: 1\n c: 2\n", "line 2: invalid YAML: did not find expected key"},
	{"tab indentation", "xpack:\n\tsecurity.enabled: true\n", "line 2: invalid YAML: found character that cannot start any token (a tab is used for indentation"},
	{"duplicate key flat", "a.b: 1\nc: 2\na.b: 2\n", "line 3: duplicate settings key [a.b] found at line number [3], column number [6], previous value [1], current value [2] (first set at line number [1])"},
	{"duplicate key nested", "node:\n  name: n1\nnode:\n  attr.rack: r1\n", "duplicate settings key [node] found at line number [3]"},
	{"duplicate key deep", "a:\n  b:\n    c: 1\n    c: [x]\n", "duplicate settings key [a.b.c] found at line number [4], column number [8], previous value [1], current value [[x]]"},
	{"duplicate secret key", "s3.client.default:\n  secret_key: abc\n  secret_key: def\n", "previous value [<redacted>], current value [<redacted>]"},
	{"unresolved placeholder", "a: 1\nnode.name: ${NODE_NAME}\n", "line 2: setting [node.name]: Could not resolve placeholder 'NODE_NAME'"},
	{"null value", "cluster.name: x\nnode.name:\n", "null-valued setting found for key [node.name] found at line number [2]"},
	{"tilde null", "a:\n  b: ~\n", "null-valued setting found for key [a.b]"},
	{"null in list", "discovery.seed_hosts: [a, null]\n", "setting [discovery.seed_hosts]: only value lists are allowed in serialized settings, found null"},
	{"list in list", "a: [[x]]\n", "only value lists are allowed in serialized settings, found a list"},
	{"map in list", "a:\n  - b: 1\n", "only value lists are allowed in serialized settings, found an object"},
	{"non-map top level: list", "- a\n- b\n", "line 1: malformed, expected settings to start with an object (a YAML mapping), found a list"},
	{"non-map top level: scalar", "just some text\n", "found a scalar"},
	{"explicit empty document", "---\n", "found null"},
	{"two documents", "a: 1\n---\nb: 2\n", "line 3: malformed, expected end of settings but encountered additional content"},
	{"complex key", "? [a, b]\n: c\n", "a setting name must be plain text, found a list"},
	{"binary garbage", "\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "line 1: invalid UTF-8 byte 0x89"},
	{"NUL byte", "a: 1\nb: x\x00y\n", "line 2: control character 0x00"},
	{"invalid UTF-8 later", "a: 1\n\n# caf\xe9\n", "line 3: invalid UTF-8"},
	{"10 MB line", "a: " + strings.Repeat("x", 10<<20) + "\n", "over the 524288-byte limit"},
	{"deep nesting", strings.Repeat("{a: ", 100) + "1" + strings.Repeat("}", 100) + "\n", "settings nested deeper than 64 levels"},
	{"very deep flow nesting", strings.Repeat("[", 20000) + "\n", "invalid YAML"},
	{"unknown anchor", "a: *nowhere\n", "invalid YAML: unknown anchor 'nowhere' referenced"},
}

func TestMalformedYML(t *testing.T) {
	for _, tc := range malformedYML {
		t.Run(tc.name, func(t *testing.T) {
			y, err := Parse([]byte(tc.in), "/etc/elasticsearch/elasticsearch.yml", nil)
			if err == nil {
				t.Fatalf("no error; got %v", y.Keys())
			}
			msg := err.Error()
			if !strings.HasPrefix(msg, "config /etc/elasticsearch/elasticsearch.yml: ") {
				t.Errorf("error does not name the file: %s", msg)
			}
			if !strings.Contains(msg, tc.want) {
				t.Errorf("error %q\nwant substring %q", msg, tc.want)
			}
			if len(msg) > 600 {
				t.Errorf("error is %d bytes long", len(msg))
			}
		})
	}
}

// TestAliasBombIsCheap: Jackson (so Elasticsearch) reads an alias as the
// anchor's name and never expands it; a billion-laughs file is just a few
// short lists, parsed fast and in little memory.
func TestAliasBombIsCheap(t *testing.T) {
	var b strings.Builder
	b.WriteString("l0: &l0 [lol, lol, lol, lol, lol, lol, lol, lol, lol, lol]\n")
	for i := 1; i < 40; i++ {
		b.WriteString("l" + itoa(i) + ": &l" + itoa(i) + " [")
		for j := 0; j < 10; j++ {
			if j > 0 {
				b.WriteString(", ")
			}
			b.WriteString("*l" + itoa(i-1))
		}
		b.WriteString("]\n")
	}
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	start := time.Now()
	y, err := Parse([]byte(b.String()), "bomb.yml", nil)
	if err != nil {
		t.Fatal(err)
	}
	runtime.ReadMemStats(&after)
	if d := time.Since(start); d > 2*time.Second {
		t.Errorf("took %v", d)
	}
	if grew := after.TotalAlloc - before.TotalAlloc; grew > 32<<20 {
		t.Errorf("allocated %d bytes", grew)
	}
	if got := y.Values["l39"].List; len(got) != 10 || got[0] != "l38" {
		t.Errorf("l39 = %q", got)
	}
	if len(y.Warnings) != 390 {
		t.Errorf("%d warnings", len(y.Warnings))
	}
}

// TestLargeValidInputIsBounded: the biggest accepted file full of list
// items stays within a sane memory budget.
func TestLargeValidInputIsBounded(t *testing.T) {
	in := "a: [" + strings.Repeat("x,", (MaxFileSize-16)/2) + "x]\n"
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	y, err := Parse([]byte(in), "big.yml", nil)
	if err != nil {
		t.Fatal(err)
	}
	runtime.ReadMemStats(&after)
	t.Logf("allocated %d MiB for %d items", (after.TotalAlloc-before.TotalAlloc)>>20, len(y.Values["a"].List))
	if n := len(y.Values["a"].List); n < 250000 {
		t.Errorf("%d items", n)
	}
	if grew := after.TotalAlloc - before.TotalAlloc; grew > 160<<20 {
		t.Errorf("allocated %d MiB", grew>>20)
	}
}

func itoa(i int) string { return strconv.Itoa(i) }

func TestLoad(t *testing.T) {
	dir := t.TempDir()
	if _, err := Load(filepath.Join(dir, "missing.yml"), nil); err == nil || !errors.Is(err, fs.ErrNotExist) ||
		!strings.Contains(err.Error(), "missing.yml") {
		t.Errorf("missing file: %v", err)
	}
	if _, err := Load(dir, nil); err == nil || !strings.Contains(err.Error(), "not a regular file") {
		t.Errorf("directory: %v", err)
	}
	big := filepath.Join(dir, "big.yml")
	if err := os.WriteFile(big, bytes.Repeat([]byte("#"), MaxFileSize+1), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := Load(big, nil); err == nil || !strings.Contains(err.Error(), "big.yml: is 524289 bytes") {
		t.Errorf("big file: %v", err)
	}
	ok := filepath.Join(dir, "elasticsearch.yml")
	if err := os.WriteFile(ok, []byte("cluster.name: c\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	y, err := Load(ok, nil)
	if err != nil || y.Path != ok || y.Values["cluster.name"].Scalar != "c" {
		t.Errorf("Load: %v %+v", err, y)
	}
}
