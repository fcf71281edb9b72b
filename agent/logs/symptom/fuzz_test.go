package symptom

import (
	"strings"
	"testing"

	"github.com/esdoctor/esdoctor/agent/logs/record"
	"github.com/esdoctor/esdoctor/shared/catalog"
)

// FuzzMatch: any record text gives at most one symptom, from the catalog,
// without panicking, and only when the prefilter says it is a candidate.
func FuzzMatch(f *testing.F) {
	for _, c := range append(append([]ruleCase{}, ruleCases...), lookAlikes...) {
		f.Add(c.ev.logger, c.ev.message+"\n"+strings.Join(c.ev.stack, "\n"))
	}
	f.Add("", "2024-01-03T10:00:00.123456Z\terror\tklog\thttp: TLS handshake error from 10.1.2.3:45678: remote error: tls: bad certificate")
	m := NewMatcher(Options{MeshPack: true})
	f.Fuzz(func(t *testing.T, logger, text string) {
		for _, layout := range []string{record.LayoutPlain, record.LayoutUnknown} {
			msg, _, _ := strings.Cut(text, "\n")
			r := record.Record{Layout: layout, Logger: logger, Message: msg, Text: text}
			s, ok := m.Match(r)
			if !ok {
				continue
			}
			if _, known := catalog.LookupSymptom(catalog.SymptomCode(s.Symptom)); !known {
				t.Fatalf("unknown code %q", s.Symptom)
			}
			if !m.Candidate([]byte(text + "\n" + logger)) {
				t.Fatalf("%s matched a record the prefilter skips", s.Symptom)
			}
			if !m.Possible([]byte(logger + " " + text)) {
				t.Fatalf("%s matched a record Possible rules out", s.Symptom)
			}
			if len(s.Text) > maxEvidence {
				t.Fatalf("evidence of %d bytes", len(s.Text))
			}
		}
	})
}
