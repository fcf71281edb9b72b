package scan

import (
	"bytes"
	"compress/gzip"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/esdoctor/esdoctor/shared/event"
)

// mixed is a log of every shape the joiner knows, with symptoms spread
// over it (some at chunk edges once chunks are small).
func mixed(t *testing.T) []byte {
	t.Helper()
	var b bytes.Buffer
	files, _ := filepath.Glob("testdata/corpus/*.log")
	for i := 0; i < 3; i++ {
		for _, f := range files {
			data, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			b.Write(data)
			if len(data) > 0 && data[len(data)-1] != '\n' {
				b.WriteByte('\n')
			}
			// Noise between excerpts, long enough for the walk to jump over.
			for k := 0; k < 10*i; k++ {
				b.WriteString("[2024-01-01T00:00:00,000][INFO ][o.e.c.r.a.AllocationService] [n] noise " + strings.Repeat("x", k*10) + "\n")
				b.WriteString("\tat org.elasticsearch.Noise.frame(Noise.java:1)\n")
				if k%7 == 0 {
					b.WriteString(`{"@timestamp":"2024-01-01T00:00:00.000Z", "log.level": "INFO", "message":"json noise"}` + "\n")
					b.WriteString("{\n  \"type\": \"server\",\n  \"message\": \"pretty noise\"\n}\n")
				}
			}
		}
	}
	return b.Bytes()
}

func collect(t *testing.T, fn func(emit func(event.Symptom)) error) []event.Symptom {
	t.Helper()
	var out []event.Symptom
	if err := fn(func(s event.Symptom) { out = append(out, s) }); err != nil {
		t.Fatal(err)
	}
	return out
}

// TestFastPathEqualsStream: the chunked parallel scan of a plain file gives
// exactly what the line-by-line Processor gives, whatever the chunk size.
func TestFastPathEqualsStream(t *testing.T) {
	data := mixed(t)
	path := filepath.Join(t.TempDir(), "mixed.log")
	if err := os.WriteFile(path, data, 0o644); err != nil {
		t.Fatal(err)
	}
	opts := Options{Location: time.UTC, MeshPack: true}
	want := collect(t, func(emit func(event.Symptom)) error {
		return ScanReader(context.Background(), path, bytes.NewReader(data), opts, emit)
	})
	if len(want) < 20 {
		t.Fatalf("only %d symptoms in the mixed log", len(want))
	}
	defer func(c int) { chunkSize, useMmap = c, true }(chunkSize)
	for _, mm := range []bool{true, false} {
		for _, c := range []int{4 << 20, 4096, 1000, 333, 64} {
			chunkSize, useMmap = c, mm
			got := collect(t, func(emit func(event.Symptom)) error { return ScanFile(context.Background(), path, opts, emit) })
			if !reflect.DeepEqual(got, want) {
				t.Errorf("mmap %v chunk %d: %d symptoms, want %d", mm, c, len(got), len(want))
				for i := range got {
					if i < len(want) && !reflect.DeepEqual(got[i], want[i]) {
						t.Errorf("first difference at %d:\n got %+v\nwant %+v", i, got[i], want[i])
						break
					}
				}
			}
		}
	}
}

// TestTruncatedWhileMapped: a file cut short during the scan gives an
// error naming it, not a crash.
func TestTruncatedWhileMapped(t *testing.T) {
	path := filepath.Join(t.TempDir(), "shrinking.log")
	line := "[2024-01-01T00:00:00,000][INFO ][o.e.c.r.a.AllocationService] [n] noise\n"
	os.WriteFile(path, bytes.Repeat([]byte(line), 200000), 0o644)
	defer func(c int) { chunkSize = c }(chunkSize)
	chunkSize = 64 << 10
	cut := false
	opts := Options{Progress: func(done, total int64) {
		if !cut {
			cut = true
			os.Truncate(path, 0)
		}
	}}
	err := ScanFile(context.Background(), path, opts, func(event.Symptom) {})
	if err == nil || !strings.Contains(err.Error(), "shrinking.log") {
		t.Fatalf("err = %v", err)
	}
}

func TestGzipByMagic(t *testing.T) {
	src, err := os.ReadFile("testdata/corpus/connect-exception--01.log")
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	var z bytes.Buffer
	zw := gzip.NewWriter(&z)
	zw.Write(src)
	zw.Close()
	// A rotated file with a name that does not say gzip.
	p := filepath.Join(dir, "rotated-1.log")
	os.WriteFile(p, z.Bytes(), 0o644)
	got := collect(t, func(emit func(event.Symptom)) error {
		return ScanFile(context.Background(), p, Options{Location: time.UTC, Window: time.Minute}, emit)
	})
	if len(got) != 1 || got[0].Symptom != "connect-exception" || got[0].Line != 1 || got[0].Fields["alias"] != "remote1" {
		t.Fatalf("gzip scan: %+v", got)
	}
}

// TestMalformed: bad input never crashes; errors name the file and cause,
// and what precedes a cut is still reported.
func TestMalformed(t *testing.T) {
	dir := t.TempDir()
	sym, _ := os.ReadFile("testdata/corpus/client-did-not-trust-server-cert--01.log")
	var z bytes.Buffer
	zw := gzip.NewWriter(&z)
	for i := 0; i < 3000; i++ {
		fmt.Fprintf(zw, "%s[2024-01-01T00:00:00,000][INFO ][o.e.c.r.a.AllocationService] [n] noise %d %x\n", sym, i, i*7919)
	}
	zw.Close()
	long := append(append([]byte{}, sym[:len(sym)-1]...), bytes.Repeat([]byte("y"), 10<<20)...)
	long = append(long, '\n')
	long = append(long, sym...)
	cases := []struct {
		name    string
		data    []byte // nil: do not create
		dir     bool
		wantErr string
		minSyms int
	}{
		{name: "truncated.log.gz", data: z.Bytes()[:z.Len()/2], wantErr: "truncated.log.gz: truncated gzip stream", minSyms: 1},
		{name: "badheader.gz", data: []byte{0x1f, 0x8b, 0x00, 0x00, 0x01}, wantErr: "badheader.gz: gzip:"},
		{name: "missing.log", wantErr: "missing.log: no such file"},
		{name: "adir", dir: true, wantErr: "adir: is a directory"},
		{name: "garbage.log", data: bytes.Repeat([]byte{0x00, 0xff, 0xfe, '[', '{', '\n', 0x80, '"', '\\'}, 100000)},
		{name: "nul-and-invalid-utf8.log", data: append([]byte("\x00\x00\xc3\x28[2024-01-01T00:00:00,000][WARN ][o.e.t.TcpTransport] [n\xff] \x00"), sym...), minSyms: 1},
		{name: "ten-mb-line.log", data: long, minSyms: 2},
		{name: "empty.log", data: []byte{}},
		{name: "no-final-newline.log", data: bytes.TrimRight(sym, "\n"), minSyms: 1},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			p := filepath.Join(dir, c.name)
			if c.dir {
				os.Mkdir(p, 0o755)
			} else if c.data != nil {
				os.WriteFile(p, c.data, 0o644)
			}
			var got []event.Symptom
			err := ScanFile(context.Background(), p, Options{}, func(s event.Symptom) { got = append(got, s) })
			if c.wantErr == "" && err != nil {
				t.Fatalf("unexpected error %v", err)
			}
			if c.wantErr != "" && (err == nil || !strings.Contains(err.Error(), c.wantErr)) {
				t.Fatalf("error %v, want it to contain %q", err, c.wantErr)
			}
			if len(got) < c.minSyms {
				t.Errorf("%d symptoms, want at least %d", len(got), c.minSyms)
			}
			for _, s := range got {
				if len(s.Text) > 2<<10 {
					t.Errorf("evidence of %d bytes", len(s.Text))
				}
			}
		})
	}
}

func TestProcessorSafe(t *testing.T) {
	p := NewProcessor("s.log", Options{Location: time.UTC})
	if off, line := p.Safe(); off != 0 || line != 1 {
		t.Fatalf("fresh Safe = %d %d", off, line)
	}
	lines := []string{
		"[2024-04-10T16:39:21,495][WARN ][o.e.t.SniffConnectionStrategy] [node-1] fetching nodes from external cluster [r1] failed",
		"org.elasticsearch.transport.ConnectTransportException: [][127.0.0.1:9301] connect_exception",
		"[2024-04-10T16:39:22,000][INFO ][o.e.n.Node] [node-1] stopping ...",
	}
	var off int64
	var got []event.Symptom
	for i, l := range lines {
		got = append(got, p.Push([]byte(l), off, off+int64(len(l))+1, int64(i+1))...)
		off += int64(len(l)) + 1
		if i == 1 {
			if so, sl := p.Safe(); so != 0 || sl != 1 {
				t.Errorf("Safe inside a record = %d %d", so, sl)
			}
		}
	}
	if len(got) != 1 || got[0].Symptom != "connect-exception" {
		t.Fatalf("after 3 lines: %+v", got)
	}
	start := int64(len(lines[0]) + len(lines[1]) + 2)
	if so, sl := p.Safe(); so != start || sl != 3 {
		t.Errorf("Safe = %d %d, want %d 3", so, sl, start)
	}
	got = p.Flush()
	if len(got) != 1 || got[0].Symptom != "node-stopping" {
		t.Fatalf("flush: %+v", got)
	}
	if so, sl := p.Safe(); so != off || sl != 4 {
		t.Errorf("Safe after flush = %d %d, want %d 4", so, sl, off)
	}
}

func TestContextCancel(t *testing.T) {
	path := filepath.Join(t.TempDir(), "big.log")
	os.WriteFile(path, bytes.Repeat([]byte("[2024-01-01T00:00:00,000][INFO ][o.e.c.r.a.AllocationService] [n] noise\n"), 200000), 0o644)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	err := ScanFile(ctx, path, Options{}, func(event.Symptom) {})
	if err == nil || !strings.Contains(err.Error(), "canceled") {
		t.Errorf("err = %v", err)
	}
}

// TestPipe: a file that cannot seek (a FIFO) is streamed.
func TestPipe(t *testing.T) {
	src, err := os.ReadFile("testdata/corpus/connect-exception--01.log")
	if err != nil {
		t.Fatal(err)
	}
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	go func() { w.Write(src); w.Close() }()
	defer r.Close()
	path := fmt.Sprintf("/dev/fd/%d", r.Fd())
	if _, err := os.Stat(path); err != nil {
		t.Skip("no /dev/fd")
	}
	got := collect(t, func(emit func(event.Symptom)) error { return ScanFile(context.Background(), path, Options{}, emit) })
	if len(got) != 1 || got[0].Symptom != "connect-exception" {
		t.Fatalf("pipe scan: %+v", got)
	}
}
