package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"regexp"
	"sort"
	"strings"

	"github.com/esdoctor/esdoctor/agent/logs/scan"
	"github.com/esdoctor/esdoctor/agent/logs/symptom"
	"github.com/esdoctor/esdoctor/agent/mesh/meshlog"
	"github.com/esdoctor/esdoctor/shared/catalog"
	"github.com/esdoctor/esdoctor/shared/event"
)

// maxExplainInput bounds what explain reads.
const maxExplainInput = 1 << 20

// maxJSONDepth bounds the walk over a pasted error response.
const maxJSONDepth = 64

// wrapContexts are the loggers a bare message (no log header) is read as,
// in order, when it is not recognised as pasted: a remote cluster
// connection, the transport layer, the node itself.
var wrapContexts = []struct{ logger, what string }{
	{"o.e.t.ProxyConnectionStrategy", "a remote cluster connection (o.e.t.ProxyConnectionStrategy)"},
	{"o.e.x.c.s.t.n.SecurityNetty4ServerTransport", "the transport layer (SecurityNetty4ServerTransport)"},
	{"o.e.n.Node", "the node itself (o.e.n.Node)"},
}

// wrapHeader is the plain-layout header put in front of a bare message.
const wrapHeader = "[2000-01-01T00:00:00,000][WARN ][%s] [explain] "

// finding is one recognised symptom with its occurrences folded.
type finding struct {
	Symptom     string            `json:"symptom"`
	Description string            `json:"description"`
	Meaning     string            `json:"meaning"`
	Fields      map[string]string `json:"fields,omitempty"`
	Line        int64             `json:"line,omitempty"`
	Text        string            `json:"text"`
	Count       int               `json:"count"`
	// AssumedContext says how a bare message was read (empty when the
	// excerpt had its log headers).
	AssumedContext string    `json:"assumed_context,omitempty"`
	LeadsTo        []leadsTo `json:"leads_to"`
	Check          []string  `json:"check"`
	Informational  bool      `json:"informational,omitempty"`
	key            string    // fold key
	order          [2]int64  // rank (problems first), first line
}

// leadsTo is a diagnosis a symptom can lead to.
type leadsTo struct {
	Code     string `json:"code"`
	Severity string `json:"severity"`
	Title    string `json:"title"`
}

// explanation is the answer of explain.
type explanation struct {
	Recognised bool      `json:"recognised"`
	Input      string    `json:"input"` // "log", "error-response" or "text"
	Symptoms   []finding `json:"symptoms"`
}

// explain recognises symptoms in a pasted excerpt. Log records (any layout
// the agent reads) are scanned as they are. A JSON error response is read
// by its reasons. Bare text is cut into messages, and each message is read
// as it is (a headless stack trace) and, when that finds no problem, as a
// line logged by each wrapContexts logger in turn.
func explain(ctx context.Context, input []byte) (*explanation, error) {
	if len(input) > maxExplainInput {
		return nil, fmt.Errorf("input of %d bytes exceeds the %d byte limit; paste the relevant lines only", len(input), maxExplainInput)
	}
	if bytes.IndexByte(input, 0) >= 0 {
		return nil, errors.New("input holds NUL bytes: binary data, not a log excerpt (decompress .gz logs first)")
	}
	text := strings.TrimSpace(strings.ReplaceAll(string(input), "\r\n", "\n"))
	if text == "" {
		return nil, errors.New("empty input: give the text as an argument or on stdin")
	}
	ex := &explanation{Input: "text", Symptoms: []finding{}}
	m := symptom.NewMatcher(symptom.Options{MeshPack: true})
	var messages []message
	if msgs, ok := errorResponse(text); ok {
		ex.Input = "error-response"
		for _, msg := range msgs {
			messages = append(messages, message{text: msg})
		}
	} else if hasLogHeader(text) {
		// Log records are taken as they are: reading them as another
		// logger's would turn look-alikes into symptoms.
		ex.Input = "log"
		ss, err := scanText(ctx, m, text)
		if err != nil {
			return nil, err
		}
		ex.add(ss, "", 0)
		ex.add(meshlog.ScanText(text), "", 0)
		return ex.done(), nil
	} else {
		messages = splitMessages(text)
	}
	for _, msg := range messages {
		if err := ex.explainMessage(ctx, m, msg); err != nil {
			return nil, err
		}
	}
	// The service-mesh pack: Istio and Envoy lines, by their own layouts.
	ex.add(meshlog.ScanText(text), "", 0)
	return ex.done(), nil
}

// explainMessage reads one bare message as it is, then in each context.
func (ex *explanation) explainMessage(ctx context.Context, m *symptom.Matcher, msg message) error {
	asIs, err := scanText(ctx, m, msg.text)
	if err != nil {
		return err
	}
	if hasProblem(asIs) {
		ex.add(asIs, "", msg.line)
		return nil
	}
	for _, c := range wrapContexts {
		ss, err := scanText(ctx, m, fmt.Sprintf(wrapHeader, c.logger)+msg.text+"\n")
		if err != nil {
			return err
		}
		if len(ss) > 0 && (hasProblem(ss) || len(asIs) == 0) {
			what := "a message logged by " + c.what + ": the excerpt had no log header"
			if ex.Input == "error-response" {
				what = "the reasons of the JSON error response, read as a message logged by " + c.what
			}
			ex.add(ss, what, msg.line)
			return nil
		}
	}
	ex.add(asIs, "", msg.line)
	return nil
}

func scanText(ctx context.Context, m *symptom.Matcher, text string) ([]event.Symptom, error) {
	var out []event.Symptom
	err := scan.ScanReader(ctx, "excerpt", strings.NewReader(text), scan.Options{Matcher: m}, func(s event.Symptom) {
		out = append(out, s)
	})
	if err != nil {
		return nil, fmt.Errorf("scanning the excerpt: %w", err)
	}
	return out, nil
}

func hasProblem(ss []event.Symptom) bool {
	for _, s := range ss {
		if !adviceFor[catalog.SymptomCode(s.Symptom)].Informational {
			return true
		}
	}
	return false
}

// add folds symptoms into findings (same code and fields).
// line is the excerpt line the scanned text started at (0: not from the
// excerpt's lines, or the whole excerpt).
func (ex *explanation) add(ss []event.Symptom, assumed string, line int64) {
	idx := map[string]int{}
	for i, f := range ex.Symptoms {
		idx[f.key] = i
	}
	for _, s := range ss {
		fields := map[string]string{}
		for k, v := range s.Fields {
			if assumed != "" && (k == "node" || k == "cluster") {
				continue // the wrapper's, not the user's
			}
			fields[k] = v
		}
		key := s.Symptom + "\x00" + fieldsKey(fields)
		if i, ok := idx[key]; ok {
			ex.Symptoms[i].Count += max(s.Count, 1)
			continue
		}
		code := catalog.SymptomCode(s.Symptom)
		adv := adviceFor[code]
		f := finding{Symptom: s.Symptom, Meaning: adv.Meaning, Fields: fields, Text: s.Text, Count: max(s.Count, 1),
			AssumedContext: assumed, Check: adv.Check, Informational: adv.Informational, LeadsTo: []leadsTo{}, key: key}
		switch {
		case ex.Input == "error-response":
		case line > 0:
			f.Line = line + s.Line - 1
		default:
			f.Line = s.Line
		}
		f.Text = strings.TrimPrefix(f.Text, "[explain] ")
		if len(f.Fields) == 0 {
			f.Fields = nil
		}
		if sym, ok := catalog.LookupSymptom(code); ok {
			f.Description = sym.Description
		}
		for _, c := range adv.LeadsTo {
			if d, ok := catalog.Lookup(c); ok {
				f.LeadsTo = append(f.LeadsTo, leadsTo{Code: string(c), Severity: string(d.Severity), Title: d.Title})
			}
		}
		rank := int64(0)
		if adv.Informational {
			rank = 1
		}
		f.order = [2]int64{rank, s.Line}
		idx[key] = len(ex.Symptoms)
		ex.Symptoms = append(ex.Symptoms, f)
	}
}

// done orders the findings: problems first, then by line.
func (ex *explanation) done() *explanation {
	sort.SliceStable(ex.Symptoms, func(i, j int) bool {
		a, b := ex.Symptoms[i].order, ex.Symptoms[j].order
		if a[0] != b[0] {
			return a[0] < b[0]
		}
		return a[1] < b[1]
	})
	ex.Recognised = len(ex.Symptoms) > 0
	return ex
}

func fieldsKey(f map[string]string) string {
	keys := make([]string, 0, len(f))
	for k := range f {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var b strings.Builder
	for _, k := range keys {
		b.WriteString(k)
		b.WriteByte('=')
		b.WriteString(f[k])
		b.WriteByte(0)
	}
	return b.String()
}

// reLogHeader matches the start of a log record: ES plain
// ([2024-05-01T10:00:00,000]...), JSON layouts, or a line starting with a
// date and time or a time with milliseconds (logback), optionally after a
// container prefix ("es01  | ").
var reLogHeader = regexp.MustCompile(`(?m)^(?:[\w.-]+\s+\|\s+)?(?:\[\d{4}-\d{2}-\d{2}[T ]|\{.*"(?:@timestamp|timestamp)"\s*:|\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}|\d{2}:\d{2}:\d{2}[.,]\d{3} )`)

// hasLogHeader reports whether the excerpt holds log records (as opposed to
// a bare message).
func hasLogHeader(text string) bool { return reLogHeader.MatchString(text) }

// message is one bare message and the excerpt line it starts on.
type message struct {
	text string
	line int64
}

// splitMessages cuts bare text into messages: a line that does not look
// like a continuation (indented, "at ...", "Caused by:", "... N more")
// starts a new one.
func splitMessages(text string) []message {
	var out []message
	for i, l := range strings.Split(text, "\n") {
		t := strings.TrimSpace(l)
		if t == "" {
			continue
		}
		cont := len(out) > 0 && (l != strings.TrimLeft(l, " \t") || strings.HasPrefix(t, "at ") ||
			strings.HasPrefix(t, "Caused by:") || strings.HasPrefix(t, "Suppressed:") || (strings.HasPrefix(t, "...") && strings.HasSuffix(t, "more")))
		if cont {
			out[len(out)-1].text += "\n" + l
			continue
		}
		out = append(out, message{text: t, line: int64(i + 1)})
	}
	return out
}

// errorResponse recognises an Elasticsearch error response (possibly after
// other text, as curl -v prints it) and returns its reasons as one message
// per top-level error, causes as "Caused by:" lines. ok is false when the
// input holds no such JSON object; an ECS JSON log line is not one.
func errorResponse(text string) (messages []string, ok bool) {
	i := strings.IndexByte(text, '{')
	if i < 0 {
		return nil, false
	}
	var v any
	dec := json.NewDecoder(strings.NewReader(text[i:]))
	dec.UseNumber()
	if err := dec.Decode(&v); err != nil {
		return nil, false
	}
	obj, isObj := v.(map[string]any)
	if !isObj {
		return nil, false
	}
	if _, ecs := obj["@timestamp"]; ecs {
		return nil, false // a log line in JSON layout: scanned as it is
	}
	if _, hasErr := obj["error"]; !hasErr && reasonOf(obj) == "" {
		return nil, false
	}
	var lines []string
	seen := map[string]bool{}
	walkReasons(obj, 0, func(line string) {
		if !seen[line] {
			seen[line] = true
			lines = append(lines, line)
		}
	})
	if e, isStr := obj["error"].(string); isStr && !seen[e] {
		lines = append([]string{e}, lines...)
	}
	if len(lines) == 0 {
		return nil, false
	}
	msg := lines[0]
	for _, l := range lines[1:] {
		msg += "\nCaused by: " + l
	}
	return []string{msg}, true
}

// walkReasons calls f with "type: reason" for every object holding a
// reason, outermost first.
func walkReasons(v any, depth int, f func(string)) {
	if depth > maxJSONDepth {
		return
	}
	switch x := v.(type) {
	case map[string]any:
		if r := reasonOf(x); r != "" {
			if t, _ := x["type"].(string); t != "" {
				r = t + ": " + r
			}
			f(r)
		}
		keys := make([]string, 0, len(x))
		for k := range x {
			keys = append(keys, k)
		}
		sort.Slice(keys, func(i, j int) bool {
			return keyRank(keys[i]) < keyRank(keys[j]) || (keyRank(keys[i]) == keyRank(keys[j]) && keys[i] < keys[j])
		})
		for _, k := range keys {
			walkReasons(x[k], depth+1, f)
		}
	case []any:
		for _, e := range x {
			walkReasons(e, depth+1, f)
		}
	}
}

// keyRank walks the error, then its causes, then the root causes.
func keyRank(k string) int {
	switch k {
	case "error":
		return 0
	case "caused_by":
		return 1
	case "root_cause":
		return 3
	}
	return 2
}

func reasonOf(m map[string]any) string {
	r, _ := m["reason"].(string)
	return strings.TrimSpace(r)
}
