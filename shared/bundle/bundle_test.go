package bundle

import (
	"bytes"
	"compress/gzip"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/esdoctor/esdoctor/shared/event"
)

func one() *Bundle {
	return &Bundle{CreatedAt: time.Unix(0, 0).UTC(), Cluster: "c", Node: "n", Events: []*event.Envelope{{Schema: 1, ID: "h", Kind: event.KindHeartbeat,
		Cluster: "c", Node: "n", Heartbeat: &event.Heartbeat{Version: "1", Interval: "30s"}}}}
}

func TestWriteRead(t *testing.T) {
	p := filepath.Join(t.TempDir(), "b.esdoctor")
	if err := Write(p, one()); err != nil {
		t.Fatal(err)
	}
	b, err := Read(p)
	if err != nil {
		t.Fatal(err)
	}
	if b.Node != "n" || len(b.Events) != 1 {
		t.Errorf("read %+v", b)
	}
	if st, _ := os.Stat(p); st.Mode().Perm() != 0o600 {
		t.Errorf("mode %v", st.Mode())
	}
}

func TestMalformedBundles(t *testing.T) {
	var gz bytes.Buffer
	zw := gzip.NewWriter(&gz)
	zw.Write([]byte(`{"format":"esdoctor-bundle","version":1,"events":[`))
	zw.Close()
	cut := gz.Bytes()[:gz.Len()-6]
	for _, tc := range []struct {
		name, in, want string
	}{
		{"empty", "", "malformed JSON"},
		{"not json", "hello", "malformed JSON"},
		{"other format", `{"format":"x","version":1,"events":[]}`, `format "x"`},
		{"version", `{"format":"esdoctor-bundle","version":9,"events":[]}`, "unsupported bundle version 9"},
		{"no events", `{"format":"esdoctor-bundle","version":1,"events":[]}`, "no events"},
		{"bad event", `{"format":"esdoctor-bundle","version":1,"events":[{"schema":1}]}`, "event 0: event: missing id"},
		{"truncated gzip", string(cut), "reading"},
		{"gzip garbage", "\x1f\x8bxxxx", "not a bundle"},
	} {
		p := filepath.Join(t.TempDir(), "bad.bundle")
		os.WriteFile(p, []byte(tc.in), 0o600)
		_, err := Read(p)
		if err == nil || !strings.Contains(err.Error(), tc.want) || !strings.Contains(err.Error(), p) {
			t.Errorf("%s: err = %v, want it to name the file and %q", tc.name, err, tc.want)
		}
	}
	if _, err := Read(filepath.Join(t.TempDir(), "missing")); err == nil {
		t.Error("missing file gave no error")
	}
}

func FuzzDecodeBundle(f *testing.F) {
	var buf bytes.Buffer
	p := filepath.Join(f.TempDir(), "b")
	Write(p, one())
	b, _ := os.ReadFile(p)
	f.Add(b)
	buf.WriteString(`{"format":"esdoctor-bundle","version":1,"events":[]}`)
	f.Add(buf.Bytes())
	f.Fuzz(func(t *testing.T, data []byte) {
		b, err := Decode(bytes.NewReader(data))
		if err == nil && len(b.Events) == 0 {
			t.Fatal("accepted a bundle without events")
		}
	})
}
