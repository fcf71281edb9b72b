package symptom

import (
	"strings"
	"testing"

	"github.com/esdoctor/esdoctor/agent/logs/record"
	"github.com/esdoctor/esdoctor/shared/catalog"
)

// Cases from the real excerpts of scan/testdata/corpus2 that the rule
// table did not handle before.

// TestOpenSearchIsNotElasticsearch: records of an OpenSearch node give no
// Elasticsearch symptom, not even a node identity; the same lines from an
// Elasticsearch (or Open Distro) node do.
func TestOpenSearchIsNotElasticsearch(t *testing.T) {
	m := NewMatcher(Options{})
	cases := []struct {
		logger, text string
		want         catalog.SymptomCode // for the o.e. twin
	}{
		{"o.o.t.TransportService", "publish_address {127.0.0.1:9300}, bound_addresses {[::1]:9300}, {127.0.0.1:9300}", catalog.SymPublishAddress},
		{"o.o.t.TcpTransport", "exception caught on transport layer [Netty4TcpChannel{localAddress=/10.0.0.1:9300, remoteAddress=/10.0.0.2:5000}], closing connection\nio.netty.handler.codec.DecoderException: javax.net.ssl.SSLHandshakeException: no cipher suites in common", catalog.SymTransportException},
		{"org.opensearch.transport.SniffConnectionStrategy", "fetching nodes from external cluster [r] failed\norg.opensearch.transport.ConnectTransportException: [][10.0.0.9:9300] connect_exception", catalog.SymConnectException},
	}
	for _, c := range cases {
		msg, _, _ := strings.Cut(c.text, "\n")
		r := record.Record{Layout: record.LayoutPlain, Logger: c.logger, Message: msg, Text: c.text}
		if s, ok := m.Match(r); ok {
			t.Errorf("OpenSearch record gave %s: %s", s.Symptom, c.text)
		}
		r.Logger = strings.Replace(strings.Replace(c.logger, "o.o.", "o.e.", 1), "org.opensearch.", "org.elasticsearch.", 1)
		r.Text = strings.ReplaceAll(c.text, "org.opensearch.", "org.elasticsearch.")
		if s, ok := m.Match(r); !ok || s.Symptom != string(c.want) {
			t.Errorf("Elasticsearch twin gave %q, want %s: %s", s.Symptom, c.want, r.Text)
		}
	}
	// A header-less OpenSearch trace.
	trace := "Caused by: java.security.cert.CertificateExpiredException: NotAfter: Tue Jan 15 20:48:52 UTC 2019\n\tat org.opensearch.transport.TcpTransport.x(TcpTransport.java:1)"
	if s, ok := m.Match(record.Record{Layout: record.LayoutUnknown, Message: trace, Text: trace}); ok {
		t.Errorf("OpenSearch trace gave %s", s.Symptom)
	}
	es := strings.ReplaceAll(trace, "org.opensearch.", "org.elasticsearch.")
	if s, ok := m.Match(record.Record{Layout: record.LayoutUnknown, Message: es, Text: es}); !ok || s.Symptom != string(catalog.SymTLSCertificateExpired) {
		t.Errorf("Elasticsearch trace gave %q", s.Symptom)
	}
}

// TestIdentityWithoutLogger: a JSON object cut before its logger still
// identifies the node by the Node's own lines, and only by them.
func TestIdentityWithoutLogger(t *testing.T) {
	m := NewMatcher(Options{})
	for msg, want := range map[string]bool{
		"node name [n1], node ID [abc], cluster name [c], roles [master]":                           true,
		"version[8.1.0], pid[7], build[default/docker/x/2022-03-03T14:20:00.690422633Z], OS[Linux]": true,
		"started":                       false,
		"starting ...":                  false,
		"node name [n1] is invalid":     false,
		"version[8.1.0] is unsupported": false,
	} {
		s, ok := m.Match(record.Record{Layout: record.LayoutECS, Message: msg, Text: msg})
		if ok != want || (ok && s.Symptom != string(catalog.SymNodeStarted)) {
			t.Errorf("%q: got %q (%v), want node-started=%v", msg, s.Symptom, ok, want)
		}
		if want && !m.Candidate([]byte(msg)) {
			t.Errorf("%q: the prefilter skips it", msg)
		}
	}
}

// TestJDK8ExpiredWording: JDK 8 reports an expired certificate as
// "timestamp check failed" (JDK 11+: "validity check failed").
func TestJDK8ExpiredWording(t *testing.T) {
	m := NewMatcher(Options{})
	trace := "\tat sun.security.ssl.ClientHandshaker.serverCertificate(ClientHandshaker.java:1514) ~[?:1.8.0_141]\n" +
		"Caused by: sun.security.validator.ValidatorException: PKIX path validation failed: java.security.cert.CertPathValidatorException: timestamp check failed"
	s, ok := m.Match(record.Record{Layout: record.LayoutUnknown, Message: "x", Text: trace})
	if !ok || s.Symptom != string(catalog.SymTLSCertificateExpired) || s.Fields["reason"] != "expired" {
		t.Errorf("got %q %v", s.Symptom, s.Fields)
	}
	if !m.Candidate([]byte(trace)) {
		t.Error("the prefilter skips it")
	}
}
