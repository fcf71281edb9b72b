package bundle

import (
	"bytes"
	"compress/gzip"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/esdoctor/esdoctor/shared/event"
)

const okEvent = `{"schema":1,"id":"e1","kind":"heartbeat","cluster":"c","node":"n","time":"2026-01-02T03:04:05Z","heartbeat":{"version":"1","started":"2026-01-02T03:00:00Z","interval":"30s","spool_bytes":0,"spool_max_bytes":0,"spool_dropped":0,"publish_errors":0}}`

func gz(t testing.TB, s string) []byte {
	var b bytes.Buffer
	zw := gzip.NewWriter(&b)
	zw.Write([]byte(s))
	zw.Close()
	return b.Bytes()
}

// zeros is a reader of n spaces: a whitespace gzip bomb's content.
type spaces struct{ n int64 }

func (s *spaces) Read(p []byte) (int, error) {
	if s.n <= 0 {
		return 0, io.EOF
	}
	if int64(len(p)) > s.n {
		p = p[:s.n]
	}
	for i := range p {
		p[i] = ' '
	}
	s.n -= int64(len(p))
	return len(p), nil
}

// TestStreamMalformed: every broken or hostile bundle gives one error that
// names the file and the cause, within its bound, and Stream never holds
// more than one event.
func TestStreamMalformed(t *testing.T) {
	head := `{"format":"esdoctor-bundle","version":1,"cluster":"c","node":"n","events":[`
	var gzCut []byte
	{
		b := gz(t, head+okEvent+"]}")
		gzCut = b[:len(b)/2]
	}
	longField := head + `{"schema":1,"id":"` + strings.Repeat("x", 2*MaxEventSize) + `"}]}`
	cases := []struct {
		name, want string
		data       []byte
		prepare    func(t *testing.T, p string)
	}{
		{name: "empty", data: []byte{}, want: "malformed JSON"},
		{name: "not JSON", data: []byte("hello"), want: "malformed JSON"},
		{name: "JSON array", data: []byte("[]"), want: "not a JSON object"},
		{name: "other format", data: []byte(`{"format":"x","version":1,"events":[]}`), want: `format "x"`},
		{name: "future version", data: []byte(`{"format":"esdoctor-bundle","version":9,"events":[]}`), want: "unsupported bundle version 9"},
		{name: "no events", data: []byte(`{"format":"esdoctor-bundle","version":1,"events":[]}`), want: "no events"},
		{name: "events null", data: []byte(`{"format":"esdoctor-bundle","version":1,"events":null}`), want: "no events"},
		{name: "events not a list", data: []byte(`{"format":"esdoctor-bundle","version":1,"events":7}`), want: "events is not a list"},
		{name: "invalid event", data: []byte(head + `{"schema":1}]}`), want: "event 0: event: missing id"},
		{name: "event of the wrong type", data: []byte(head + `"x"]}`), want: "event 0"},
		{name: "duplicate member", data: []byte(`{"format":"esdoctor-bundle","format":"esdoctor-bundle","version":1,"events":[]}`), want: "duplicate"},
		{name: "truncated JSON", data: []byte(head + okEvent), want: "malformed JSON"},
		{name: "truncated gzip", data: gzCut, want: "unexpected EOF"},
		{name: "gzip garbage", data: []byte("\x1f\x8bxxxx"), want: "not a bundle"},
		{name: "field over the event cap", data: []byte(longField), want: "longer than 1048576 bytes"},
		{name: "gzip bomb of spaces", want: "a value longer than 1048576 bytes",
			prepare: func(t *testing.T, p string) {
				f, err := os.Create(p)
				if err != nil {
					t.Fatal(err)
				}
				zw, _ := gzip.NewWriterLevel(f, gzip.BestSpeed)
				io.WriteString(zw, `{"format":"esdoctor-bundle","version":1,"x":"a"`)
				io.Copy(zw, &spaces{64 << 20}) // refused after the first MiB
				zw.Close()
				f.Close()
			}},
		{name: "FIFO", want: "not a regular file",
			prepare: func(t *testing.T, p string) {
				if err := syscall.Mkfifo(p, 0o600); err != nil {
					t.Skip(err)
				}
			}},
		{name: "directory", want: "not a regular file",
			prepare: func(t *testing.T, p string) { os.Mkdir(p, 0o700) }},
		{name: "missing", want: "no such file", prepare: func(*testing.T, string) {}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			p := filepath.Join(t.TempDir(), "bad.bundle")
			if c.prepare != nil {
				c.prepare(t, p)
			} else if err := os.WriteFile(p, c.data, 0o600); err != nil {
				t.Fatal(err)
			}
			start := time.Now()
			_, err := Stream(p, false, func(*event.Envelope) error { return nil })
			if err == nil || !strings.Contains(err.Error(), c.want) || !strings.HasPrefix(err.Error(), "bundle "+p+": ") {
				t.Errorf("err = %v, want it to start with the file and say %q", err, c.want)
			}
			if d := time.Since(start); d > 20*time.Second {
				t.Errorf("took %v", d)
			}
		})
	}
}

// TestStreamGood reads a bundle with an unknown field, errors after the
// events, and gzip; headerOnly stops at the events.
func TestStreamGood(t *testing.T) {
	doc := `{"format":"esdoctor-bundle","version":1,"created_at":"2026-01-02T03:04:05Z","cluster":"c","node":"n","future":{"a":[1,2]},"events":[` +
		okEvent + `,` + strings.Replace(okEvent, `"e1"`, `"e2"`, 1) + `],"errors":[{"file":"/x","error":"unreadable"}]}`
	for _, data := range [][]byte{[]byte(doc), gz(t, doc)} {
		p := filepath.Join(t.TempDir(), "ok.bundle")
		os.WriteFile(p, data, 0o600)
		var ids []string
		h, err := Stream(p, false, func(e *event.Envelope) error { ids = append(ids, e.ID); return nil })
		if err != nil || h.Events != 2 || strings.Join(ids, ",") != "e1,e2" || len(h.Errors) != 1 || h.Cluster != "c" {
			t.Fatalf("err=%v h=%+v ids=%v", err, h, ids)
		}
		h, err = Stream(p, true, func(*event.Envelope) error { t.Fatal("event in headerOnly"); return nil })
		if err != nil || h.Node != "n" || h.Events != 0 {
			t.Fatalf("headerOnly: %v %+v", err, h)
		}
		stop := errors.New("stop")
		if _, err := Stream(p, false, func(*event.Envelope) error { return stop }); !errors.Is(err, stop) {
			t.Fatalf("callback error: %v", err)
		}
	}
}

// FuzzStreamReader: any input gives events that validate or an error,
// never a panic or a hang.
func FuzzStreamReader(f *testing.F) {
	head := `{"format":"esdoctor-bundle","version":1,"cluster":"c","node":"n","events":[`
	f.Add([]byte(head + okEvent + "]}"))
	f.Add(gz(f, head+okEvent+"]}"))
	f.Add([]byte(head + `{"schema":1}]}`))
	f.Add([]byte(`{"format":"esdoctor-bundle","version":1,"events":null,"errors":[{"file":"a"}]}`))
	f.Add([]byte(`{"format":"esdoctor-bundle","format":"x"}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		n := 0
		h, err := StreamReader(bytes.NewReader(data), false, func(e *event.Envelope) error {
			if verr := e.Validate(); verr != nil {
				t.Fatalf("invalid event passed: %v", verr)
			}
			n++
			return nil
		})
		if err == nil && (h == nil || h.Events != n || n == 0) {
			t.Fatalf("no error but h=%+v n=%d", h, n)
		}
	})
}
