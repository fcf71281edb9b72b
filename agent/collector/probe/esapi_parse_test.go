package probe_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/esdoctor/esdoctor/agent/collector/probe"
)

// parsers are the ES API response parsers by endpoint.
var parsers = map[string]func([]byte) error{
	"remote_info":      func(b []byte) error { _, err := probe.ParseRemoteInfo(b); return err },
	"ssl_certificates": func(b []byte) error { _, err := probe.ParseSSLCertificates(b); return err },
	"resolve_cluster":  func(b []byte) error { _, err := probe.ParseResolveCluster(b); return err },
	"nodes_settings":   func(b []byte) error { _, _, err := probe.ParseNodesSettings(b); return err },
	"root":             func(b []byte) error { _, err := probe.ParseRoot(b); return err },
}

// Malformed responses give an error naming the endpoint and the cause.
func TestESAPIMalformed(t *testing.T) {
	cases := []struct {
		parser, input, want string
	}{
		{"remote_info", ``, "GET _remote/info: not a JSON object"},
		{"remote_info", `[]`, "GET _remote/info: not a JSON object"},
		{"remote_info", `null`, "GET _remote/info: not a JSON object: null"},
		{"remote_info", `{"my":{"mode":"sniff"}}`, `alias "my": no "connected" field`},
		{"remote_info", `{"my":{"connected":"yes"}}`, `alias "my": json: cannot unmarshal string`},
		{"remote_info", `{"my":{"connected":true}} {}`, "trailing data"},
		{"remote_info", "\x00\xff\xfe", "not a JSON object"},
		{"ssl_certificates", `{}`, "GET _ssl/certificates: not a JSON array"},
		{"ssl_certificates", `[{"path":"a.crt"}]`, "entry 0 lacks path or subject_dn"},
		{"ssl_certificates", `[{"path":"a.crt","subject_dn":"CN=x","has_private_key":"no"}]`, "cannot unmarshal string"},
		{"resolve_cluster", `{"my":{"skip_unavailable":true}}`, `cluster "my": no "connected" field`},
		{"resolve_cluster", `{"my":[1]}`, `cluster "my"`},
		{"nodes_settings", `{"cluster_name":"x"}`, `GET _nodes/settings: no "nodes" object`},
		{"nodes_settings", `{"nodes":{"a":{"settings":[]}}}`, "GET _nodes/settings: nodes"},
		{"nodes_settings", `{"cluster_name":5,"nodes":{}}`, "cluster_name"},
		{"root", `{"name":"x"}`, `GET /: no "version" object`},
		{"root", `{"version":{"number":8}}`, "version.number missing"},
		{"root", `{` + strings.Repeat(" ", 9<<20) + `}`, "exceeds"},
	}
	for _, c := range cases {
		err := parsers[c.parser]([]byte(c.input))
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s(%.40q): %v, want an error containing %q", c.parser, c.input, err, c.want)
		}
	}
}

// The recorded responses parse.
func TestESAPIRecordedResponsesParse(t *testing.T) {
	for name, parse := range parsers {
		b, err := os.ReadFile(filepath.Join("testdata", "esapi", name+".json"))
		if err != nil {
			t.Fatal(err)
		}
		if err := parse(b); err != nil {
			t.Errorf("%s: %v", name, err)
		}
	}
}

// parserOrder selects a parser by the first byte of a fuzz input.
var parserOrder = []string{"remote_info", "ssl_certificates", "resolve_cluster", "nodes_settings", "root"}

// FuzzESAPIResponses feeds every ES API response parser (the first byte
// picks the parser, the rest is the body): each returns a value or an
// error with text, never panics.
func FuzzESAPIResponses(f *testing.F) {
	for i, name := range parserOrder {
		b, err := os.ReadFile(filepath.Join("testdata", "esapi", name+".json"))
		if err != nil {
			f.Fatal(err)
		}
		f.Add(append([]byte{byte(i)}, b...))
		f.Add(append([]byte{byte(i)}, `{"a":{"connected":true,"error":{"type":"x"}}}`...))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		if len(b) == 0 {
			return
		}
		err := parsers[parserOrder[int(b[0])%len(parserOrder)]](b[1:])
		if err != nil && err.Error() == "" {
			t.Fatal("empty error")
		}
	})
}
