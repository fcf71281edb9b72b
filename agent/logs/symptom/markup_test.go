package symptom

import (
	"strings"
	"testing"

	"github.com/esdoctor/esdoctor/agent/logs/record"
	"github.com/esdoctor/esdoctor/shared/catalog"
)

func TestUnmarkup(t *testing.T) {
	cases := map[string]string{
		"**missing authentication** credentials for action [x]":                        "missing authentication credentials for action [x]",
		"is *unauthorized* for user [anonymous_foo]":                                   "is unauthorized for user [anonymous_foo]",
		"SSLHandshakeException: *Empty client certificate chain*":                      "SSLHandshakeException: Empty client certificate chain",
		"action *requires channel profile to be [_remote_cluster], but got [default]*": "action requires channel profile to be [_remote_cluster], but got [default]",
		"[node] *failed to establish trust with server* at [1.2.3.4]; x":               "[node] failed to establish trust with server at [1.2.3.4]; x",
		"*ab* *cd*": "ab cd",
		// Wildcards and other stars stay.
		"on indices [logs-*]":              "on indices [logs-*]",
		"indices [foo*,bar*]":              "indices [foo*,bar*]",
		"*:logs-*,*:metrics-*":             "*:logs-*,*:metrics-*",
		"index [*foo]":                     "index [*foo]",
		strings.Repeat("*", 40):            strings.Repeat("*", 40),
		"no star":                          "no star",
		"":                                 "",
		"a ** b":                           "a ** b",
		"**unclosed":                       "**unclosed",
		"multi\n**line** one\n*two* lines": "multi\nline one\ntwo lines",
	}
	for in, want := range cases {
		if got := unmarkup(in); got != want {
			t.Errorf("unmarkup(%q) = %q, want %q", in, got, want)
		}
	}
}

// TestMarkupMatches: the guide's examples as its Markdown and AsciiDoc
// sources print them give the symptom of the plain line.
func TestMarkupMatches(t *testing.T) {
	m := NewMatcher(Options{})
	cases := []struct {
		logger, text string
		want         catalog.SymptomCode
	}{
		{"o.e.t.ProxyConnectionStrategy", "failed to open any proxy connections to cluster [my]\n" + handshakeRTE +
			"\nCaused by: org.elasticsearch.ElasticsearchSecurityException: **missing authentication** credentials for action [cluster:internal/remote_cluster/handshake]",
			catalog.SymHandshakeMissingAuthentication},
		{"", handshakeRTE + "\nCaused by: org.elasticsearch.ElasticsearchSecurityException: action [cluster:internal/remote_cluster/handshake] is *unauthorized* for user [anonymous_foo] with effective roles [reporting_user]",
			catalog.SymAnonymousUnauthorized},
		{"o.e.t.ProxyConnectionStrategy", "failed to open any proxy connections to cluster [my]\n" + handshakeRTE2 +
			"\nCaused by: org.elasticsearch.ElasticsearchSecurityException: **unable to authenticate** user [agZXJocBmA2beJfq2yKu] for action [cluster:internal/remote_cluster/handshake]",
			catalog.SymAPIKeyUnableToAuthenticate},
		{"o.e.x.s.a.ApiKeyAuthenticator", "**Authentication using apikey failed** - invalid credentials for API key [agZXJocBmA2beJfq2yKu]",
			catalog.SymAPIKeyInvalidCredentials},
		{"o.e.t.TcpTransport", "exception caught on transport layer [Netty4TcpChannel{localAddress=/127.0.0.1:9309, remoteAddress=/127.0.0.1:60783, profile=default}], closing connection\n" +
			"io.netty.handler.codec.DecoderException: javax.net.ssl.SSLHandshakeException: *Empty client certificate chain*",
			catalog.SymEmptyClientCertificateChain},
		{"", "{\n\"reason\": \"action [indices:data/read/search] towards remote cluster [my] is unauthorized for user [foo] with effective roles [] because **no remote indices privileges apply for the target cluster**\"\n}",
			catalog.SymNoRemoteIndicesPrivileges},
	}
	for _, c := range cases {
		msg, _, _ := strings.Cut(c.text, "\n")
		r := record.Record{Layout: record.LayoutPlain, Logger: c.logger, Message: msg, Text: c.text}
		if c.logger == "" {
			r.Layout = record.LayoutUnknown
		}
		s, ok := m.Match(r)
		if !ok || s.Symptom != string(c.want) {
			t.Errorf("got %q (%v), want %s:\n%s", s.Symptom, ok, c.want, c.text)
			continue
		}
		if strings.Contains(s.Text, "*") {
			t.Errorf("evidence keeps the markup: %q", s.Text)
		}
		if !m.Candidate([]byte(c.text + "\n" + c.logger)) {
			t.Errorf("%s: the prefilter skips the marked-up text", c.want)
		}
	}
}

// FuzzUnmarkup: never panics, never grows the text, and keeps text without
// a star as it is.
func FuzzUnmarkup(f *testing.F) {
	for _, s := range []string{"**a** b", "x *a b* y", "logs-*", "*:a-*,*:b-*", "***", "*a*b*c*"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		u := unmarkup(s)
		if len(u) > len(s) {
			t.Fatalf("grew: %q -> %q", s, u)
		}
		if !strings.Contains(s, "*") && u != s {
			t.Fatalf("changed text without a star: %q -> %q", s, u)
		}
	})
}
