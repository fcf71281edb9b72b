// Package symptom turns log records into symptom events: one data-driven
// table of rules (rules.go) with literal anchors, a prefilter that finds the
// anchors before any regexp runs, field extraction, and a deduper that folds
// repeats into one event with a count.
package symptom

import (
	"bytes"
	"fmt"
	"regexp"
	"strings"
	"unicode/utf8"

	"github.com/esdoctor/esdoctor/agent/logs/record"
	"github.com/esdoctor/esdoctor/shared/catalog"
	"github.com/esdoctor/esdoctor/shared/event"
	"github.com/esdoctor/esdoctor/shared/secret"
)

// Options selects the rule packs.
type Options struct {
	// MeshPack enables the table's rules of the "mesh" pack. The
	// service-mesh pack itself reads Istio's and Envoy's own layouts and
	// lives in agent/mesh/meshlog; callers run it beside this matcher.
	MeshPack bool
}

// compiled is a rule ready to run.
type compiled struct {
	Rule
	pre     []int // ids of the prefilter literals of this rule
	notHTTP bool  // requires CondNotHTTP
	re      *regexp.Regexp
	names   []string
	extract []func(*matchCtx, map[string]string)
}

// Matcher applies the rule table to records. Safe for concurrent use.
type Matcher struct {
	es   []compiled // Elasticsearch rules (and the enabled packs), in order
	pack []compiled // the enabled pack rules alone (for foreign records)
	pre  *prefilter
	lits []string
}

// NewMatcher compiles the table. It panics only if the embedded table is
// broken, which the package tests rule out.
func NewMatcher(opts Options) *Matcher {
	m := &Matcher{}
	for _, r := range rules {
		if r.Pack != "" && !(r.Pack == "mesh" && opts.MeshPack) {
			continue
		}
		c, err := compile(r)
		if err != nil {
			panic(err)
		}
		m.es = append(m.es, c)
		m.lits = append(m.lits, c.preLits()...)
	}
	m.pre = newPrefilter(m.lits)
	ids := map[string]int{}
	for i, l := range m.pre.lits {
		ids[l] = i
	}
	for i := range m.es {
		for _, l := range m.es[i].preLits() {
			m.es[i].pre = append(m.es[i].pre, ids[l])
		}
		if m.es[i].Pack != "" {
			m.pack = append(m.pack, m.es[i])
		}
	}
	return m
}

// preLits are the literals one of which every record this rule matches
// contains: Prefilter, else Anchors[0], else Any.
func (r *Rule) preLits() []string {
	switch {
	case len(r.Prefilter) > 0:
		return r.Prefilter
	case len(r.Anchors) > 0:
		return r.Anchors[:1]
	}
	return r.Any
}

func compile(r Rule) (compiled, error) {
	c := compiled{Rule: r}
	if len(r.Anchors) == 0 && len(r.Any) == 0 {
		return c, fmt.Errorf("symptom rule %s: no anchor", r.Code)
	}
	for _, a := range append(append([]string{}, r.Anchors...), r.Any...) {
		if strings.ContainsAny(a, "\"\\\n\t") {
			return c, fmt.Errorf("symptom rule %s: anchor %q holds a character JSON escapes", r.Code, a)
		}
	}
	if r.Pattern != "" {
		re, err := regexp.Compile(r.Pattern)
		if err != nil {
			return c, fmt.Errorf("symptom rule %s: %w", r.Code, err)
		}
		c.re, c.names = re, re.SubexpNames()
	}
	for _, cond := range r.When {
		c.notHTTP = c.notHTTP || cond == CondNotHTTP
	}
	for _, name := range r.Extract {
		fn, ok := extractors[name]
		if !ok {
			return c, fmt.Errorf("symptom rule %s: unknown extractor %q", r.Code, name)
		}
		c.extract = append(c.extract, fn)
	}
	return c, nil
}

// Literals returns the prefilter literals: a record that contains none of
// them matches no rule.
func (m *Matcher) Literals() []string { return append([]string(nil), m.pre.lits...) }

// Candidate reports whether b (a record's raw bytes) holds any prefilter
// literal. It is cheap; Match is only worth calling when it is true.
func (m *Matcher) Candidate(b []byte) bool { return m.pre.any(b) }

// Find appends to hits the offset of every prefilter literal occurrence in b
// (unsorted, possibly repeated). Used to search a large buffer at once.
func (m *Matcher) Find(b []byte, hits []int) []int { return m.pre.find(b, hits) }

// Possible reports whether a record with these raw bytes (header and
// text, as in the file) could match a rule: some prefilter literal occurs
// whose rule is not ruled out by an HTTP-layer marker. It saves parsing the
// candidates that look-alikes make; Match never matches a record for which
// it is false.
func (m *Matcher) Possible(raw []byte) bool {
	seen := make([]bool, len(m.pre.lits))
	m.pre.present(raw, seen)
	httpRaw := -1
	for i := range m.es {
		r := &m.es[i]
		hit := false
		for _, id := range r.pre {
			hit = hit || seen[id]
		}
		if !hit {
			continue
		}
		if !r.notHTTP {
			return true
		}
		if httpRaw < 0 {
			httpRaw = 0
			for _, mk := range rawHTTPMarkers {
				if bytes.Contains(raw, []byte(mk)) {
					httpRaw = 1
					break
				}
			}
		}
		if httpRaw == 0 {
			return true
		}
	}
	return false
}

// Match returns the symptom of an Elasticsearch record: at most one, from
// the first (most specific) rule it matches.
//
// A record of an OpenSearch node (an "o.o." / "org.opensearch." logger, or
// a stack trace of OpenSearch frames alone) is not an Elasticsearch record:
// OpenSearch forked from 7.10 and has neither the remote-cluster security
// model nor the x-pack settings our diagnoses name, so only the enabled
// rule packs apply to it, as to any foreign line.
func (m *Matcher) Match(r record.Record) (event.Symptom, bool) {
	if isOpenSearch(&r) {
		return m.MatchForeign(r)
	}
	s, ok := m.match(&r, m.es)
	if ok && r.TestOutput {
		switch s.Symptom {
		case "node-started", "node-stopping", "publish-address":
			return event.Symptom{}, false // a test node, not a node of a cluster
		}
	}
	return s, ok
}

// isOpenSearch recognises a record written by an OpenSearch node.
func isOpenSearch(r *record.Record) bool {
	l := strings.TrimSpace(r.Logger)
	if strings.HasPrefix(l, "o.o.") || strings.HasPrefix(l, "org.opensearch.") {
		return true
	}
	return l == "" && strings.Contains(r.Text, "org.opensearch.") && !strings.Contains(r.Text, "org.elasticsearch.")
}

// MatchForeign applies only the enabled rule packs (service mesh) to a
// record that is not an Elasticsearch log line.
func (m *Matcher) MatchForeign(r record.Record) (event.Symptom, bool) {
	if len(m.pack) == 0 {
		return event.Symptom{}, false
	}
	return m.match(&r, m.pack)
}

func (m *Matcher) match(r *record.Record, rules []compiled) (event.Symptom, bool) {
	// Only rules whose prefilter literal occurs (in the text as written,
	// as the prefilter sees it) can match.
	seen := make([]bool, len(m.pre.lits))
	m.pre.present([]byte(r.Text), seen)
	m.pre.present([]byte(r.Logger), seen)
	if strings.Contains(r.Text, "*") {
		// Read documentation markup off a copy: the caller's record keeps
		// its text.
		rr := *r
		rr.Text, rr.Message = unmarkup(r.Text), unmarkup(r.Message)
		r = &rr
	}
	c := newMatchCtx(r)
	for i := range rules {
		possible := false
		for _, id := range rules[i].pre {
			possible = possible || seen[id]
		}
		if !possible {
			continue
		}
		if f, ok := rules[i].try(c); ok {
			return build(r, rules[i].Code, f), true
		}
	}
	return event.Symptom{}, false
}

// try matches one rule; it returns the fields on success.
func (cr *compiled) try(c *matchCtx) (map[string]string, bool) {
	for _, a := range cr.Anchors {
		if !c.has(a) {
			return nil, false
		}
	}
	if len(cr.Any) > 0 && !c.hasAny(cr.Any) {
		return nil, false
	}
	if c.hasAny(cr.Not) {
		return nil, false
	}
	for _, cond := range cr.When {
		if !c.holds(cond) {
			return nil, false
		}
	}
	f := map[string]string{}
	if cr.re != nil {
		subject := c.text
		if cr.OnMessage {
			subject = c.r.Message
		}
		sm := cr.re.FindStringSubmatch(subject)
		if sm == nil {
			return nil, false
		}
		for i, name := range cr.names {
			if name != "" && sm[i] != "" {
				f[name] = strings.TrimSpace(sm[i])
			}
		}
	}
	for k, v := range cr.Fixed {
		f[k] = v
	}
	for _, fn := range cr.extract {
		fn(c, f)
	}
	return f, true
}

// maxEvidence caps Symptom.Text.
const maxEvidence = 2 << 10

func build(r *record.Record, code catalog.SymptomCode, f map[string]string) event.Symptom {
	// Log text leaves the agent: secret-shaped values in it (an
	// Authorization header, password=..., a PEM key) are replaced here,
	// after the rules read the record and before anything is emitted.
	for k, v := range f {
		f[k] = secret.Scrub(v)
	}
	s := event.Symptom{
		Symptom: string(code), Time: r.Time, File: r.File, Line: r.Line, Offset: r.Offset,
		Level: r.Level, Logger: r.Logger, Node: r.Node, Cluster: r.Cluster, Fields: f, Count: 1,
		Text: secret.Scrub(evidence(r)),
	}
	if s.Cluster == "" {
		if cn, ok := f["cluster_name"]; ok {
			s.Cluster = cn
		}
	}
	return s
}

// evidence is the record's message line, or, when it is empty or a stack
// frame (a headless record), its first line that is not a frame; trimmed to
// maxEvidence bytes.
func evidence(r *record.Record) string {
	t := strings.TrimSpace(r.Message)
	if t == "" || isFrame(t) {
		for _, l := range strings.SplitN(r.Text, "\n", 256) {
			if l = strings.TrimSpace(l); l != "" && !isFrame(l) {
				t = l
				break
			}
		}
	}
	if len(t) > maxEvidence {
		t = t[:maxEvidence]
		for len(t) > 0 && !utf8.ValidString(t) {
			t = t[:len(t)-1]
		}
	}
	return t
}

// isFrame recognises stack trace lines: "at ...", "... 12 more".
func isFrame(l string) bool {
	return strings.HasPrefix(l, "at ") || (strings.HasPrefix(l, "... ") && strings.HasSuffix(l, " more"))
}
