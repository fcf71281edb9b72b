package spool

import (
	"bytes"
	"encoding/binary"
	"errors"
	"flag"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/esdoctor/esdoctor/shared/event"
)

var update = flag.Bool("update", false, "rewrite testdata/records/*.golden.rec")

// goldenRecords are the record bytes this build writes for fixed events;
// they seed FuzzSpoolRecord and pin the on-disk format.
func goldenRecords(t testing.TB) map[string][]byte {
	t.Helper()
	enc := func(e *event.Envelope) []byte {
		b, err := event.Encode(e)
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	one := appendRecord(nil, 42, enc(testEvent("node-1", 42)))
	two := appendRecord(nil, 7, enc(testEvent("node-1", 7)))
	two = appendRecord(two, 8, enc(testEvent("node-1", 8)))
	return map[string][]byte{"one.golden.rec": one, "two.golden.rec": two}
}

// TestRecordFormatGolden pins the on-disk framing: records written by an
// earlier build (the golden files) must still decode to the same sequences
// and re-encode to the same bytes, so that an upgraded agent reads the
// spool its predecessor left.
func TestRecordFormatGolden(t *testing.T) {
	wantSeqs := map[string][]uint64{"one.golden.rec": {42}, "two.golden.rec": {7, 8}}
	for name, fresh := range goldenRecords(t) {
		path := filepath.Join("testdata", "records", name)
		if *update {
			if err := os.WriteFile(path, fresh, 0o644); err != nil {
				t.Fatal(err)
			}
			continue
		}
		b, err := os.ReadFile(path)
		if err != nil {
			t.Fatalf("%v (run with -update to create it)", err)
		}
		var seqs []uint64
		var again []byte
		for rest := b; len(rest) > 0; {
			seq, payload, n, err := decodeRecord(rest)
			if err != nil {
				t.Fatalf("%s at offset %d: %v", path, len(b)-len(rest), err)
			}
			if _, err := event.Decode(payload); err != nil {
				t.Errorf("%s: payload of %d: %v", path, seq, err)
			}
			seqs = append(seqs, seq)
			again = appendRecord(again, seq, payload)
			rest = rest[n:]
		}
		if !slices.Equal(seqs, wantSeqs[name]) {
			t.Errorf("%s: sequences %v, want %v", path, seqs, wantSeqs[name])
		}
		if !bytes.Equal(again, b) {
			t.Errorf("%s: re-encoding gives different bytes: the record format changed", path)
		}
	}
}

func TestRecordDecodeErrors(t *testing.T) {
	good := goldenRecords(t)["one.golden.rec"]
	mut := func(f func(b []byte) []byte) []byte { return f(slices.Clone(good)) }
	for _, tc := range []struct {
		name string
		in   []byte
		kind error
		want string
	}{
		{"empty", nil, errTorn, "header has 0 of 16 bytes"},
		{"short header", good[:9], errTorn, "header has 9 of 16 bytes"},
		{"short payload", good[:len(good)-3], errTorn, "payload has"},
		{"zeroed", make([]byte, 64), errCorrupt, "zeroed header"},
		{"zero length", mut(func(b []byte) []byte { binary.BigEndian.PutUint32(b, 0); return b }), errCorrupt, "empty payload"},
		{"huge length", mut(func(b []byte) []byte { binary.BigEndian.PutUint32(b, 1<<31); return b }), errCorrupt, "exceeds"},
		{"seq zero", mut(func(b []byte) []byte { binary.BigEndian.PutUint64(b[8:], 0); return b }), errCorrupt, "sequence 0"},
		{"flipped payload byte", mut(func(b []byte) []byte { b[len(b)-5] ^= 0x20; return b }), errCorrupt, "checksum mismatch for sequence 42"},
		{"flipped seq", mut(func(b []byte) []byte { b[15] ^= 1; return b }), errCorrupt, "checksum mismatch"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, _, _, err := decodeRecord(tc.in)
			if !errors.Is(err, tc.kind) || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("decodeRecord: %v, want %v containing %q", err, tc.kind, tc.want)
			}
			_, _, _, rerr := readRecord(bytes.NewReader(tc.in))
			if len(tc.in) == 0 {
				if rerr != io.EOF {
					t.Errorf("readRecord on nothing: %v, want io.EOF", rerr)
				}
			} else if !errors.Is(rerr, tc.kind) || !strings.Contains(rerr.Error(), tc.want) {
				t.Errorf("readRecord: %v, want %v containing %q", rerr, tc.kind, tc.want)
			}
		})
	}
}

// Damaged segment files: Open cuts at the first bad record, logs the file
// and the cause, and replays the good records before it.
func TestDamagedSegmentIsCutAndLogged(t *testing.T) {
	for _, tc := range []struct {
		name   string
		damage func(t *testing.T, path string)
		want   []int
		cause  string
	}{
		{"torn header", func(t *testing.T, p string) { appendBytes(t, p, []byte{0, 0, 1}) }, seq(0, 10), "header has 3 of 16 bytes"},
		{"torn payload", func(t *testing.T, p string) {
			e, _ := event.Encode(testEvent("n1", 10))
			r := appendRecord(nil, 11, e)
			appendBytes(t, p, r[:len(r)/2])
		}, seq(0, 10), "payload has"},
		{"zeroed tail (size grew, data did not)", func(t *testing.T, p string) { appendBytes(t, p, make([]byte, 4096)) }, seq(0, 10), "zeroed header"},
		{"bit flip in the last record", func(t *testing.T, p string) { flipByte(t, p, -10) }, seq(0, 9), "checksum mismatch for sequence 10"},
		{"sequence goes backwards", func(t *testing.T, p string) {
			e, _ := event.Encode(testEvent("n1", 3))
			appendBytes(t, p, appendRecord(nil, 4, e))
		}, seq(0, 10), "sequence 4 does not follow 10"},
		{"garbage length", func(t *testing.T, p string) { appendBytes(t, p, bytes.Repeat([]byte{0xff}, 40)) }, seq(0, 10), "exceeds"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			s := mustOpen(t, dir, Options{})
			appendN(t, s, "n1", 0, 10)
			s.Close()
			path := lastSegment(t, dir)
			tc.damage(t, path)

			log, logs := observed()
			s = mustOpen(t, dir, Options{Logger: log})
			if got := drain(t, s, false); !slices.Equal(got, tc.want) {
				t.Errorf("replayed %v, want %v", got, tc.want)
			}
			warned := logs.FilterMessageSnippet("damaged").All()
			if len(warned) != 1 {
				t.Fatalf("%d damage warnings, want 1: %v", len(warned), logs.All())
			}
			ctx := warned[0].ContextMap()
			if ctx["file"] != path || !strings.Contains(ctx["cause"].(string), tc.cause) {
				t.Errorf("warning names file %v, cause %q; want %s and %q", ctx["file"], ctx["cause"], path, tc.cause)
			}
			if got := metricValue(t, s.m.corrupt); got != 1 {
				t.Errorf("esdoctor_spool_corrupt_total = %v, want 1", got)
			}
			// The spool goes on after the cut.
			appendN(t, s, "n1", 100, 101)
			if got := drain(t, s, false); !slices.Equal(got, []int{100}) {
				t.Errorf("after the cut got %v, want [100]", got)
			}
		})
	}
}

func flipByte(t *testing.T, path string, at int) {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	b[len(b)+at] ^= 0x01
	if err := os.WriteFile(path, b, 0o600); err != nil {
		t.Fatal(err)
	}
}

// FuzzSpoolRecord: the record decoder never panics on any bytes, agrees
// with the streaming reader, and what it accepts re-encodes identically.
func FuzzSpoolRecord(f *testing.F) {
	paths, _ := filepath.Glob(filepath.Join("testdata", "records", "*.rec"))
	for _, p := range paths {
		b, err := os.ReadFile(p)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
		f.Add(b[:len(b)/2])
		f.Add(b[:headerSize])
	}
	f.Add([]byte{})
	f.Add(make([]byte, 32))
	f.Fuzz(func(t *testing.T, b []byte) {
		seq, payload, n, err := decodeRecord(b)
		rseq, rpayload, rn, rerr := readRecord(bytes.NewReader(b))
		if err != nil {
			if !isFormatError(err) {
				t.Fatalf("decodeRecord: not a format error: %v", err)
			}
			if rerr == nil {
				t.Fatalf("readRecord accepted what decodeRecord refused (%v)", err)
			}
			return
		}
		if rerr != nil || rseq != seq || !bytes.Equal(rpayload, payload) || rn != int64(n) {
			t.Fatalf("readRecord disagrees: %d %d %v vs %d %d", rseq, rn, rerr, seq, n)
		}
		if again := appendRecord(nil, seq, payload); !bytes.Equal(again, b[:n]) {
			t.Fatalf("re-encoding differs")
		}
	})
}
