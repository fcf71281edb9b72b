package certs

import (
	"testing"

	"github.com/esdoctor/esdoctor/internal/testkit/certgen"
)

func TestMatchesHost(t *testing.T) {
	ca, err := certgen.NewCA("Host CA")
	mustNil(t, err)
	issue := func(cn string, opts ...certgen.Option) *certgen.Leaf {
		l, err := ca.Issue(cn, opts...)
		mustNil(t, err)
		return l
	}
	dns := issue("ignored.example", certgen.DNS("node-1.example.com", "*.example.net", "f*.example.org", "127.0.0.5"),
		certgen.IPs("127.0.0.1", "::1"))
	cnOnly := issue("cn-only.example.com")
	cnIP := issue("127.0.0.7")

	cases := []struct {
		leaf *certgen.Leaf
		host string
		want bool
	}{
		{dns, "node-1.example.com", true},
		{dns, "NODE-1.Example.COM", true},
		{dns, "node-1.example.com.", true},
		{dns, "node-2.example.com", false},
		{dns, "ignored.example", false}, // DNS SANs present: no CN fallback
		{dns, "a.example.net", true},
		{dns, "example.net", false},
		{dns, "a.b.example.net", false},
		{dns, "foo.example.org", true},
		{dns, "bar.example.org", false},
		{dns, "127.0.0.1", true},
		{dns, "127.0.0.2", false},
		{dns, "127.0.0.5", false}, // an IP never matches a DNS SAN
		{dns, "::1", true},
		{dns, "[::1]", true},
		{dns, "0:0:0:0:0:0:0:1", true},
		{cnOnly, "cn-only.example.com", true},
		{cnOnly, "other.example.com", false},
		{cnIP, "127.0.0.7", false}, // no CN fallback for IP addresses
		{dns, "", false},
	}
	for _, c := range cases {
		if got := MatchesHost(c.leaf.Cert, c.host); got != c.want {
			t.Errorf("MatchesHost(%s, %q) = %v, want %v", c.leaf.Cert.Subject.CommonName, c.host, got, c.want)
		}
	}
	if MatchesHost(nil, "x") {
		t.Error("nil certificate matched")
	}
}

func TestMatchLabelHostile(t *testing.T) {
	pattern := "*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*b"
	label := "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
	if matchLabel(label, pattern) {
		t.Error("matched")
	}
}
