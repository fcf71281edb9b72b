package follow

import (
	"bytes"
	"math/rand"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// splitAll feeds data in chunks of the given sizes and returns the lines.
func splitAll(data []byte, max int, sizes ...int) ([]Line, *splitter) {
	s := &splitter{max: max}
	var out []Line
	for i := 0; len(data) > 0; i++ {
		n := len(data)
		if len(sizes) > 0 {
			n = min(sizes[i%len(sizes)], len(data))
		}
		s.feed(data[:n], func(l Line) { out = append(out, l) })
		data = data[n:]
	}
	return out, s
}

func TestSplitterOffsetsAcrossChunks(t *testing.T) {
	data := []byte("alpha\nbeta\r\n\ngamma\ndelta")
	for _, sizes := range [][]int{nil, {1}, {2, 3}, {7}} {
		lines, s := splitAll(data, 100, sizes...)
		want := []Line{
			{Offset: 0, End: 6, Number: 1, Text: "alpha"},
			{Offset: 6, End: 12, Number: 2, Text: "beta"},
			{Offset: 12, End: 13, Number: 3, Text: ""},
			{Offset: 13, End: 19, Number: 4, Text: "gamma"},
		}
		if len(lines) != len(want) {
			t.Fatalf("sizes %v: %d lines %+v", sizes, len(lines), lines)
		}
		for i := range want {
			if lines[i] != want[i] {
				t.Fatalf("sizes %v: line %d = %+v, want %+v", sizes, i, lines[i], want[i])
			}
		}
		p, ok := s.partial()
		if !ok || p != (Line{Offset: 19, End: 24, Number: 5, Text: "delta", NoEOL: true}) {
			t.Fatalf("partial %+v %v", p, ok)
		}
	}
}

func TestSplitterCapsLongLines(t *testing.T) {
	long := bytes.Repeat([]byte("x"), 1000)
	data := append(append(append([]byte("short\n"), long...), '\n'), "after\n"...)
	for _, sizes := range [][]int{nil, {10}, {333}} {
		lines, s := splitAll(data, 64, sizes...)
		if len(lines) != 3 {
			t.Fatalf("%d lines", len(lines))
		}
		l := lines[1]
		if !l.Truncated || len(l.Text) != 64 || l.Offset != 6 || l.End != 1007 || l.Number != 2 {
			t.Fatalf("long line %+v (len %d)", l, len(l.Text))
		}
		if lines[2].Text != "after" || lines[2].Offset != 1007 {
			t.Fatalf("line after %+v", lines[2])
		}
		if cap(s.buf) > 64 {
			t.Fatalf("buffer grew to %d", cap(s.buf))
		}
	}
}

// TestPartialLineHeldUntilComplete: a line without "\n" is not delivered
// until it is complete, then once, whole, with exact offsets.
func TestPartialLineHeldUntilComplete(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "es.log")
	mustDo(t, os.WriteFile(path, []byte("first\nsec"), 0o644))
	g := newGot()
	start(t, Options{Paths: []string{path}, IdleAfter: 50 * time.Millisecond}, g)
	eventually(t, 5*time.Second, "first line", func() bool { return g.n() == 1 })
	time.Sleep(300 * time.Millisecond) // idle batches come and go; the half line stays held
	if g.n() != 1 {
		t.Fatalf("a partial line was delivered: %+v", g.lines)
	}
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_APPEND, 0)
	mustDo(t, err)
	_, err = f.WriteString("ond\nthird\n")
	mustDo(t, err)
	f.Close()
	eventually(t, 5*time.Second, "3 lines", func() bool { return g.n() == 3 })
	g.mu.Lock()
	defer g.mu.Unlock()
	if l := g.lines[1]; l.Text != "second" || l.Offset != 6 || l.End != 13 || l.Number != 2 || l.NoEOL {
		t.Fatalf("completed line %+v", l)
	}
}

// TestTenMegabyteLinesAndGarbage: 10 MB lines and binary garbage pass
// through; a line over the cap is cut and flagged; memory stays bounded.
func TestTenMegabyteLinesAndGarbage(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "es.log")
	rng := rand.New(rand.NewSource(1))
	garbage := make([]byte, 1<<20)
	rng.Read(garbage)
	garbage = bytes.ReplaceAll(garbage, []byte{'\n'}, []byte{0})
	big := bytes.Repeat([]byte("0123456789"), 1<<20) // 10 MiB
	var data bytes.Buffer
	data.WriteString("before\n")
	data.Write(big)
	data.WriteString("\n")
	data.Write(garbage)
	data.WriteString("\nafter\r\n")
	mustDo(t, os.WriteFile(path, data.Bytes(), 0o644))
	g := newGot()
	start(t, Options{Paths: []string{path}, MaxLineBytes: 4 << 20}, g)
	eventually(t, 10*time.Second, "4 lines", func() bool { return g.n() == 4 })
	g.mu.Lock()
	defer g.mu.Unlock()
	ls := g.lines
	if ls[0].Text != "before" || ls[3].Text != "after" || ls[3].End != int64(data.Len()) {
		t.Fatalf("lines around: %q %q end %d", ls[0].Text, ls[3].Text, ls[3].End)
	}
	if !ls[1].Truncated || len(ls[1].Text) != 4<<20 || ls[1].End-ls[1].Offset != int64(len(big))+1 {
		t.Fatalf("10 MB line: truncated %v, text %d bytes, span %d", ls[1].Truncated, len(ls[1].Text), ls[1].End-ls[1].Offset)
	}
	if ls[2].Truncated || ls[2].Text != string(garbage) {
		t.Fatal("binary garbage did not pass through as is")
	}
}

func TestCRLFLinesDropTheCR(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "es.log")
	mustDo(t, os.WriteFile(path, []byte("one\r\ntwo\r\r\nthree\n"), 0o644))
	g := newGot()
	start(t, Options{Paths: []string{path}}, g)
	eventually(t, 5*time.Second, "3 lines", func() bool { return g.n() == 3 })
	g.mu.Lock()
	defer g.mu.Unlock()
	got := []string{g.lines[0].Text, g.lines[1].Text, g.lines[2].Text}
	if strings.Join(got, "|") != "one|two\r|three" || g.lines[1].End != 11 {
		t.Fatalf("got %q", got)
	}
}
