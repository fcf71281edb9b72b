package layout

import (
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/esdoctor/esdoctor/agent/logs/record"
)

// pushAll feeds text line by line through PushRaw and returns every raw
// record (data copied) in order.
func pushAll(j *Joiner, text string) []Raw {
	var out []Raw
	take := func(rs []Raw) {
		for _, r := range rs {
			r.Data = append([]byte(nil), r.Data...)
			out = append(out, r)
		}
	}
	var off, no int64
	for _, l := range strings.SplitAfter(text, "\n") {
		if l == "" {
			continue
		}
		no++
		take(j.PushRaw([]byte(strings.TrimSuffix(l, "\n")), off, off+int64(len(l)), no))
		off += int64(len(l))
	}
	take(j.FlushRaw())
	return out
}

// pushWindow feeds the same text through SetWindow/PushInWindow, the
// window covering the whole text.
func pushWindow(j *Joiner, text string) []Raw {
	var out []Raw
	buf := []byte(text)
	j.SetWindow(buf, 0)
	take := func(rs []Raw) {
		for _, r := range rs {
			r.Data = append([]byte(nil), r.Data...)
			r.Hit = false
			out = append(out, r)
		}
	}
	pos, no := 0, int64(0)
	for pos < len(buf) {
		end, next := len(buf), len(buf)
		if i := strings.IndexByte(text[pos:], '\n'); i >= 0 {
			end, next = pos+i, pos+i+1
		}
		no++
		take(j.PushInWindow(buf[pos:end], int64(pos), int64(next), no, true))
		pos = next
	}
	j.Detach()
	take(j.FlushRaw())
	return out
}

func kinds(rs []Raw) []Kind {
	var k []Kind
	for _, r := range rs {
		k = append(k, r.Kind)
	}
	return k
}

const plainTrace = `[2023-06-28T13:04:52,710][WARN ][o.e.t.ProxyConnectionStrategy] [local-node] failed to open any proxy connections to cluster [my]
org.elasticsearch.transport.RemoteTransportException: [remote-node][192.168.0.42:9309][cluster:internal/remote_cluster/handshake]
Caused by: org.elasticsearch.ElasticsearchSecurityException: missing authentication credentials for action [cluster:internal/remote_cluster/handshake]
	at org.elasticsearch.xpack.core.security.authc.DefaultAuthenticationFailureHandler.missingToken(DefaultAuthenticationFailureHandler.java:80) ~[?:?]
[2023-06-28T13:04:53,000][INFO ][o.e.c.r.a.AllocationService] [local-node] next
`

func TestJoinPlainMultiLine(t *testing.T) {
	j := NewJoiner("a.log", Options{Location: time.UTC})
	rs := pushAll(j, plainTrace)
	if !reflect.DeepEqual(kinds(rs), []Kind{KindPlain, KindPlain}) {
		t.Fatalf("kinds %v", kinds(rs))
	}
	if rs[0].Lines != 4 || rs[0].Line != 1 || rs[0].Offset != 0 || rs[1].Line != 5 || rs[0].End != rs[1].Offset {
		t.Errorf("extent wrong: %+v / %+v", rs[0], rs[1])
	}
	rec := j.Parse(&rs[0])
	want := record.Record{File: "a.log", Layout: record.LayoutPlain, Offset: 0, End: rs[0].End, Line: 1,
		Time: time.Date(2023, 6, 28, 13, 4, 52, 710e6, time.UTC), Level: "WARN", Logger: "o.e.t.ProxyConnectionStrategy",
		Node: "local-node", Message: "failed to open any proxy connections to cluster [my]"}
	text := rec.Text
	rec.Text = ""
	if !reflect.DeepEqual(rec, want) {
		t.Errorf("record\n got %+v\nwant %+v", rec, want)
	}
	if !strings.HasPrefix(text, "failed to open any proxy connections to cluster [my]\norg.elasticsearch.transport.RemoteTransportException") ||
		!strings.HasSuffix(text, "~[?:?]") {
		t.Errorf("text %q", text)
	}
}

func TestWindowEqualsCopy(t *testing.T) {
	inputs := []string{plainTrace,
		"orphan line\n\tat x\n" + plainTrace,
		"{\"@timestamp\":\"2024-01-01T00:00:00.000Z\",\"message\":\"a\"}\n{\n \"type\": \"server\",\n \"message\": \"b\"\n}\nstray\n",
		"es01  | [2024-01-01T00:00:00,000][INFO ][o.e.n.Node] [n] starting ...\nes01  | \tat x\r\nlast line without newline",
		"  1> [2019-07-15T04:03:40,834][INFO ][o.e.t.TransportService   ] [t] publish_address {127.0.0.1:14002}\n  1> \tat y\n",
	}
	for _, in := range inputs {
		a := pushAll(NewJoiner("f", Options{}), in)
		b := pushWindow(NewJoiner("f", Options{}), in)
		for i := range a {
			a[i].Hit = false
		}
		if !reflect.DeepEqual(a, b) {
			t.Errorf("window and copy differ for %q:\n copy %+v\n  win %+v", in, a, b)
		}
	}
}

func TestJoinJSON(t *testing.T) {
	in := `{"@timestamp":"2024-11-12T22:27:36.061Z", "log.level": "INFO", "message":"starting ...", "ecs.version": "1.2.0","service.name":"ES_ECS","event.dataset":"elasticsearch.server","log.logger":"org.elasticsearch.node.Node","elasticsearch.node.name":"es1","elasticsearch.cluster.name":"c1"}
{"type": "server", "timestamp": "2019-06-10T08:15:17,127+0000", "level": "WARN", "component": "o.e.h.AbstractHttpServerTransport", "cluster.name": "c7", "node.name": "n7", "message": "caught exception while han
dling client http traffic" ,
"stacktrace": ["io.netty.handler.codec.DecoderException: boom",
"\tat x(y.java:1)"] }
{
  "type": "server",
  "timestamp": "2021-02-01T18:53:46,265+08:00",
  "level": "INFO",
  "message": "pretty \"quoted\" \u0041"
}
`
	j := NewJoiner("s.json", Options{})
	rs := pushAll(j, in)
	if !reflect.DeepEqual(kinds(rs), []Kind{KindJSON, KindJSON, KindJSON}) {
		t.Fatalf("kinds %v", kinds(rs))
	}
	r0, r1, r2 := j.Parse(&rs[0]), j.Parse(&rs[1]), j.Parse(&rs[2])
	if r0.Layout != record.LayoutECS || r0.Node != "es1" || r0.Cluster != "c1" || r0.Logger != "org.elasticsearch.node.Node" ||
		!r0.Time.Equal(time.Date(2024, 11, 12, 22, 27, 36, 61e6, time.UTC)) || r0.Message != "starting ..." {
		t.Errorf("ecs record %+v", r0)
	}
	if r1.Layout != record.LayoutJSON7 || r1.Message != "caught exception while handling client http traffic" ||
		r1.Text != "caught exception while handling client http traffic\nio.netty.handler.codec.DecoderException: boom\n\tat x(y.java:1)" ||
		r1.Line != 2 || rs[1].Lines != 4 || !rs[1].Multi || rs[1].Truncated {
		t.Errorf("7.x record %+v (raw %+v)", r1, rs[1])
	}
	if r2.Message != `pretty "quoted" A` || !r2.Time.Equal(time.Date(2021, 2, 1, 10, 53, 46, 265e6, time.UTC)) {
		t.Errorf("pretty record %+v", r2)
	}
}

func TestJoinForeignAndHeadless(t *testing.T) {
	in := "\tat orphan.frame(X.java:1)\nCaused by: java.net.ConnectException: Connection refused\n" +
		"2019-07-31 05:37:08,678 [WARN] from org.elasticsearch.xpack.security.transport.netty4.SecurityNetty4Transport in x - exception caught on transport layer [...]\n" +
		"io.netty.handler.codec.DecoderException: javax.net.ssl.SSLHandshakeException: No subject alternative names present\n" +
		"07:23:49.711 [main] WARN  org.elasticsearch.common.ssl.DiagnosticTrustManager - failed to establish trust with server\n" +
		"  1> [2019-07-15T04:03:40,848][WARN ][o.e.t.RemoteClusterConnection] [t] fetching nodes from external cluster [test-cluster] failed\n" +
		"  1> \tat y\n" +
		"[2024-01-01T00:00:00,000][INFO ][o.e.n.Node] [n] started\n"
	j := NewJoiner("f.log", Options{})
	rs := pushAll(j, in)
	// Gradle test output quoting an ES line is that ES record, marked as
	// test output (its identity lines describe test nodes).
	want := []Kind{KindHeadless, KindForeign, KindForeign, KindPlain, KindPlain}
	if !reflect.DeepEqual(kinds(rs), want) {
		t.Fatalf("kinds %v, want %v", kinds(rs), want)
	}
	if rs[0].Lines != 2 || rs[1].Lines != 2 || rs[2].Lines != 1 || rs[3].Lines != 2 {
		t.Errorf("lines: %d %d %d %d", rs[0].Lines, rs[1].Lines, rs[2].Lines, rs[3].Lines)
	}
	if !rs[3].TestOutput || rs[4].TestOutput {
		t.Errorf("test output marks: %v %v", rs[3].TestOutput, rs[4].TestOutput)
	}
	// Push drops foreign records.
	recs := NewJoiner("f.log", Options{}).Flush()
	if len(recs) != 0 {
		t.Errorf("empty flush gave %v", recs)
	}
	j2 := NewJoiner("f.log", Options{})
	var got []record.Record
	var off int64
	for i, l := range strings.SplitAfter(in, "\n") {
		if l != "" {
			got = append(got, j2.Push([]byte(strings.TrimSuffix(l, "\n")), off, off+int64(len(l)), int64(i+1))...)
			off += int64(len(l))
		}
	}
	got = append(got, j2.Flush()...)
	if len(got) != 3 || got[0].Layout != record.LayoutUnknown || !got[1].TestOutput || got[2].Message != "started" {
		t.Errorf("Push records: %+v", got)
	}
}

func TestDockerPrefix(t *testing.T) {
	in := "elasticsearch-1  | [2024-01-01T00:00:00,000][WARN ][o.e.t.TcpTransport] [n] exception caught on transport layer\n" +
		"elasticsearch-1  | io.netty.handler.codec.DecoderException: x\n" +
		"elasticsearch-1  | \tat y\n" +
		"elasticsearch-1  | {\"@timestamp\":\"2024-11-12T22:27:35.452Z\", \"log.level\": \"INFO\", \"message\":\"m\"}\n" +
		"2024-11-12T22:27:35.452123456Z stdout F {\"@timestamp\":\"2024-11-12T22:27:35.452Z\", \"log.level\": \"INFO\", \"message\":\"cri\"}\n"
	j := NewJoiner("d.log", Options{})
	rs := pushAll(j, in)
	if !reflect.DeepEqual(kinds(rs), []Kind{KindPlain, KindJSON, KindJSON}) {
		t.Fatalf("kinds %v", kinds(rs))
	}
	r := j.Parse(&rs[0])
	if r.Text != "exception caught on transport layer\nio.netty.handler.codec.DecoderException: x\n\tat y" {
		t.Errorf("text %q", r.Text)
	}
	if m := j.Parse(&rs[2]).Message; m != "cri" {
		t.Errorf("cri message %q", m)
	}
}

func TestIndentedAndBOM(t *testing.T) {
	in := "\xef\xbb\xbf[2024-01-01T00:00:00,000][INFO ][o.e.n.Node] [n] starting ...\n" +
		"    [2024-04-10T16:39:21,495][WARN ][o.e.t.SniffConnectionStrategy] [node-1] fetching nodes failed\n" +
		"        at org.elasticsearch.Frame.run(Frame.java:1)\n"
	j := NewJoiner("i.log", Options{})
	rs := pushAll(j, in)
	if !reflect.DeepEqual(kinds(rs), []Kind{KindPlain, KindPlain}) {
		t.Fatalf("kinds %v", kinds(rs))
	}
	if r := j.Parse(&rs[0]); r.Message != "starting ..." || r.Logger != "o.e.n.Node" {
		t.Errorf("BOM record %+v", r)
	}
	if r := j.Parse(&rs[1]); r.Node != "node-1" || r.Level != "WARN" || rs[1].Lines != 2 {
		t.Errorf("indented record %+v", r)
	}
	if !StartsRecord([]byte("  [2024-01-01T00:00:00,000][INFO ][x] [n] m")) || StartsRecord([]byte("\tat x")) {
		t.Error("StartsRecord")
	}
}

func TestCaps(t *testing.T) {
	long := strings.Repeat("x", 3*record.MaxText)
	in := "[2024-01-01T00:00:00,000][WARN ][o.e.t.TcpTransport] [n] " + long + "\n" + strings.Repeat("\tat y\n", 100000)
	j := NewJoiner("big.log", Options{})
	rs := pushAll(j, in)
	if len(rs) != 1 || !rs[0].Truncated || len(rs[0].Data) > rawCap || rs[0].Lines != 100001 || rs[0].End != int64(len(in)) {
		t.Fatalf("got %d records, truncated=%v len=%d lines=%d", len(rs), rs[0].Truncated, len(rs[0].Data), rs[0].Lines)
	}
	if rec := j.Parse(&rs[0]); len(rec.Text) > record.MaxText {
		t.Errorf("text %d bytes", len(rec.Text))
	}
}

func TestPending(t *testing.T) {
	j := NewJoiner("p.log", Options{})
	if _, _, ok := j.Pending(); ok {
		t.Fatal("pending on an empty joiner")
	}
	j.PushRaw([]byte("[2024-01-01T00:00:00,000][INFO ][o.e.n.Node] [n] a"), 100, 150, 7)
	if off, line, ok := j.Pending(); !ok || off != 100 || line != 7 {
		t.Errorf("pending = %d %d %v", off, line, ok)
	}
	j.PushRaw([]byte(`{"message":"one line"}`), 150, 173, 8)
	if _, _, ok := j.Pending(); ok {
		t.Error("a complete JSON line left something pending")
	}
}

func TestDetect(t *testing.T) {
	cases := map[string]string{
		"[2024-04-10T16:39:21,495][WARN ][o.e.t.SniffConnectionStrategy] [node-1] x\n":                     record.LayoutPlain,
		"\tat orphan\n[2018-08-07T13:02:34,247][WARN ][o.e.x.s.t.n.SecurityNetty4ServerTransport] [n] x\n": record.LayoutPlain,
		`{"type": "server", "timestamp": "2021-02-01T18:53:46,097Z", "level": "INFO"}` + "\n":              record.LayoutJSON7,
		`{"@timestamp":"2024-11-12T22:27:36.061Z", "log.level": "INFO", "message":"starting ..."}` + "\n":  record.LayoutECS,
		`elasticsearch-1  | {"@timestamp":"2024-11-12T22:27:36.061Z", "log.level": "INFO"}` + "\n":         record.LayoutECS,
		"07:23:49.711 [main] WARN  org.elasticsearch.common.ssl.DiagnosticTrustManager - failed\n":         record.LayoutUnknown,
		"":                         record.LayoutUnknown,
		"\x00\x01\xff\xfe garbage": record.LayoutUnknown,
	}
	for in, want := range cases {
		if got := Detect([]byte(in)); got != want {
			t.Errorf("Detect(%q) = %s, want %s", in, got, want)
		}
	}
}

func TestParseTime(t *testing.T) {
	paris, _ := time.LoadLocation("Europe/Paris")
	cases := []struct {
		in   string
		loc  *time.Location
		want time.Time
	}{
		{"2024-04-10T16:39:21,495", paris, time.Date(2024, 4, 10, 16, 39, 21, 495e6, paris)},
		{"2024-11-12T22:27:36.061Z", nil, time.Date(2024, 11, 12, 22, 27, 36, 61e6, time.UTC)},
		{"2021-02-01T18:53:46,265Z", nil, time.Date(2021, 2, 1, 18, 53, 46, 265e6, time.UTC)},
		{"2019-06-10T08:15:17,127+0000", nil, time.Date(2019, 6, 10, 8, 15, 17, 127e6, time.UTC)},
		{"2021-02-01T18:53:46,265+08:00", nil, time.Date(2021, 2, 1, 10, 53, 46, 265e6, time.UTC)},
		{"2014-05-05 11:50:47,003", time.UTC, time.Date(2014, 5, 5, 11, 50, 47, 3e6, time.UTC)},
		{"2023-08-16T23:40:55.464275Z", nil, time.Date(2023, 8, 16, 23, 40, 55, 464275e3, time.UTC)},
	}
	for _, c := range cases {
		got, ok := ParseTime([]byte(c.in), c.loc)
		if !ok || !got.Equal(c.want) {
			t.Errorf("ParseTime(%q) = %v %v, want %v", c.in, got, ok, c.want)
		}
	}
	for _, bad := range []string{"", "2024-13-01T00:00:00", "2024-01-01", "yesterday", "2024-01-01T00:00:00+x"} {
		if _, ok := ParseTime([]byte(bad), nil); ok {
			t.Errorf("ParseTime(%q) accepted", bad)
		}
	}
}

func seeds(f *testing.F) {
	files, _ := filepath.Glob("testdata/*.log")
	for _, p := range files {
		if b, err := os.ReadFile(p); err == nil {
			f.Add(b)
		}
	}
	f.Add([]byte(plainTrace))
	f.Add([]byte("{\n\"a\": \"b\\\"\n}\n{\"x\":[1,{\"y\":\"\\ud83d\\ude00\"}]}\n"))
}

// FuzzJoiner: any input joins without panic, records tile the input in
// order, and window and copy modes agree.
func FuzzJoiner(f *testing.F) {
	seeds(f)
	f.Fuzz(func(t *testing.T, in []byte) {
		a := pushAll(NewJoiner("fz", Options{}), string(in))
		b := pushWindow(NewJoiner("fz", Options{}), string(in))
		for i := range a {
			a[i].Hit = false
		}
		if !reflect.DeepEqual(a, b) {
			t.Fatalf("window and copy differ")
		}
		var end int64
		j := NewJoiner("fz", Options{})
		for i := range a {
			if a[i].Offset != end {
				t.Fatalf("record %d starts at %d, previous ended at %d", i, a[i].Offset, end)
			}
			end = a[i].End
			_ = j.Parse(&a[i])
			_ = j.ParseForeign(&a[i])
		}
		if end != int64(len(in)) && len(in) > 0 {
			t.Fatalf("records end at %d of %d", end, len(in))
		}
	})
}

// FuzzDetect: never panics and returns a known layout.
func FuzzDetect(f *testing.F) {
	seeds(f)
	f.Fuzz(func(t *testing.T, in []byte) {
		switch Detect(in) {
		case record.LayoutPlain, record.LayoutECS, record.LayoutJSON7, record.LayoutUnknown:
		default:
			t.Fatal("unknown layout")
		}
	})
}
