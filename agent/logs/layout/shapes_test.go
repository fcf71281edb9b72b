package layout

import (
	"reflect"
	"testing"

	"github.com/esdoctor/esdoctor/agent/logs/record"
)

// Shapes that real excerpts take outside a node's own files: documentation
// examples without timestamps, docker compose colours, API error bodies.

func TestLevelHeader(t *testing.T) {
	cases := map[string]bool{
		"[INFO ][o.e.t.ClusterConnectionManager] [node-1] transport connection to [{n}] closed by remote": true,
		"[WARN ][o.e.t.TcpTransport       ] [n] exception caught on transport layer":                      true,
		"[ERROR][o.e.b.Bootstrap] [n] x":                     true,
		"[INFO ] starting":                                   false, // no logger bracket
		"[stuff deleted]":                                    false,
		"[snapshots                ] [Gabriel Summers] boom": false, // 2.x logger, no level
		"[NOTE ][x] y":                                       false,
		"[INFO ][a b] y":                                     false, // a logger has no blank
		"[INFO ][":                                           false,
		"[]":                                                 false,
		"":                                                   false,
	}
	for line, want := range cases {
		if got := levelHeader([]byte(line)); got != want {
			t.Errorf("levelHeader(%q) = %v, want %v", line, got, want)
		}
	}
}

func TestParseLevelHeader(t *testing.T) {
	in := "[INFO ][o.e.t.ClusterConnectionManager] [node-1] transport connection to [{node-2}{g3c}{10.0.0.1:9300}] closed by remote\n\tat x\n"
	j := NewJoiner("doc.log", Options{})
	rs := pushAll(j, in)
	if !reflect.DeepEqual(kinds(rs), []Kind{KindPlain}) {
		t.Fatalf("kinds %v", kinds(rs))
	}
	r := j.Parse(&rs[0])
	want := record.Record{File: "doc.log", Layout: record.LayoutPlain, End: rs[0].End, Line: 1, Level: "INFO",
		Logger: "o.e.t.ClusterConnectionManager", Node: "node-1",
		Message: "transport connection to [{node-2}{g3c}{10.0.0.1:9300}] closed by remote",
		Text:    "transport connection to [{node-2}{g3c}{10.0.0.1:9300}] closed by remote\n\tat x"}
	if !reflect.DeepEqual(r, want) {
		t.Errorf("record\n got %+v\nwant %+v", r, want)
	}
}

func TestColouredComposePrefix(t *testing.T) {
	json := `{"@timestamp":"2022-03-15T02:32:03.332Z", "log.level": "INFO", "message":"m", "log.logger":"org.elasticsearch.node.Node"}`
	cases := []struct {
		line string
		want int
	}{
		{"\x1b[36melasticsearch_1  |\x1b[0m " + json, len("\x1b[36melasticsearch_1  |\x1b[0m ")},
		{"36melasticsearch_1  |0m " + json, len("36melasticsearch_1  |0m ")}, // ESC bytes lost in a paste
		{"\x1b[1;36mes01 |\x1b[0m", len("\x1b[1;36mes01 |\x1b[0m")},
		{"es01  | " + json, len("es01  | ")},
		{"abc |0m " + json, 0}, // a colour reset needs a colour before the name
		{"36mes01  |0x " + json, 0},
		{"\x1b[36mes01  |\x1b[0", 0},
	}
	for _, c := range cases {
		if got := containerPrefix([]byte(c.line)); got != c.want {
			t.Errorf("containerPrefix(%q) = %d, want %d", c.line, got, c.want)
		}
	}
	j := NewJoiner("c.log", Options{})
	rs := pushAll(j, "36melasticsearch_1  |0m "+json+"\n")
	if len(rs) != 1 || rs[0].Kind != KindJSON || j.Parse(&rs[0]).Logger != "org.elasticsearch.node.Node" {
		t.Fatalf("coloured compose line: %+v", rs)
	}
}

func TestMessagelessJSON(t *testing.T) {
	in := "{\n  \"error\": {\n    \"type\": \"repository_verification_exception\",\n    \"reason\": \"[r] path  is not accessible on master node\",\n" +
		"    \"caused_by\": {\n      \"type\": \"amazon_s3_exception\",\n      \"reason\": \"Access Denied (Service: Amazon S3; Status Code: 403)\"\n    }\n  },\n  \"status\": 500\n}\n"
	j := NewJoiner("body.json", Options{})
	rs := pushAll(j, in)
	if len(rs) != 1 {
		t.Fatalf("%d records", len(rs))
	}
	r := j.Parse(&rs[0])
	if r.Text != in[:len(in)-1] {
		t.Errorf("text %q", r.Text)
	}
	if r.Message != "Access Denied (Service: Amazon S3; Status Code: 403)" {
		t.Errorf("message %q", r.Message)
	}
	// No reason at all: the first line.
	rs = pushAll(j, "{\"status\": 500}\n")
	if r := j.Parse(&rs[0]); r.Message != `{"status": 500}` || r.Text != `{"status": 500}` {
		t.Errorf("bare object %+v", r)
	}
}
