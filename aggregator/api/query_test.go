package api_test

import (
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/esdoctor/esdoctor/aggregator/api"
)

func TestDecodeQueryMalformed(t *testing.T) {
	for _, tc := range []struct{ name, in, want string }{
		{"not json", "state=open", "request: malformed JSON"},
		{"array", `["open"]`, "request: malformed JSON"},
		{"unknown field", `{"status":"open"}`, `unknown field "status"`},
		{"wrong type", `{"state":1}`, "request: malformed JSON"},
		{"trailing", `{"state":"open"} {}`, "request: trailing data"},
		{"bad state", `{"state":"closed"}`, `state must be open, resolved or all, not "closed"`},
		{"bad code", `{"code":"nope"}`, `unknown diagnosis code "nope"`},
		{"long cluster", `{"cluster":"` + strings.Repeat("x", 300) + `"}`, "at most 256 bytes"},
		{"huge", `{"cluster":"` + strings.Repeat("x", 70000) + `"}`, "exceeds the 65536 byte limit"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := api.DecodeQuery([]byte(tc.in))
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("DecodeQuery(%.40q): %v, want %q", tc.in, err, tc.want)
			}
		})
	}
	for _, in := range []string{"", "  ", "{}", `{"state":"all","code":"config-drift","cluster":"c"}`} {
		if _, err := api.DecodeQuery([]byte(in)); err != nil {
			t.Errorf("DecodeQuery(%q): %v", in, err)
		}
	}
	if _, err := api.DecodeID([]byte(`{"id":""}`)); err == nil {
		t.Error("empty id accepted")
	}
}

func TestParseQueryRoundTrip(t *testing.T) {
	q := api.Query{State: "resolved", Code: "tls-untrusted-ca", Cluster: "local"}
	back, err := api.ParseQuery(q.Values())
	if err != nil || back != q {
		t.Errorf("round trip: %+v %v", back, err)
	}
	if q, err := api.ParseQuery(url.Values{}); err != nil || q.State != "open" {
		t.Errorf("empty: %+v %v", q, err)
	}
}

// FuzzDecodeQuery: a NATS request body never panics and a query that
// decodes is valid and encodes back to the same query.
func FuzzDecodeQuery(f *testing.F) {
	seeds, _ := filepath.Glob("testdata/*.json")
	for _, s := range seeds {
		b, err := os.ReadFile(s)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	f.Add([]byte(`{"state":"all"}`))
	f.Add([]byte(`{"id":"x"}`))
	f.Fuzz(func(t *testing.T, b []byte) {
		q, err := api.DecodeQuery(b)
		if err != nil {
			if !strings.HasPrefix(err.Error(), "request:") && !strings.Contains(err.Error(), "state") &&
				!strings.Contains(err.Error(), "code") {
				t.Fatalf("unclear error: %v", err)
			}
			return
		}
		back, err := api.ParseQuery(q.Values())
		if err != nil || back != q {
			t.Fatalf("%+v does not round-trip: %+v %v", q, back, err)
		}
		_, _ = api.DecodeID(b)
	})
}
