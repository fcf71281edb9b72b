package layout

import (
	"bytes"
	"strings"
	"unicode/utf8"

	"github.com/esdoctor/esdoctor/agent/logs/record"
)

// Parse turns a raw record into a Record: header fields, message and text.
func (j *Joiner) Parse(r *Raw) record.Record {
	rec := record.Record{File: j.file, Offset: r.Offset, End: r.End, Line: r.Line, TestOutput: r.TestOutput}
	switch r.Kind {
	case KindPlain:
		j.parsePlain(r.Data, &rec)
	case KindJSON:
		j.parseJSON(r.Data, &rec)
	default:
		rec.Layout = record.LayoutUnknown
		if r.Kind == KindHeadless && j.opts.Layout != "" {
			rec.Layout = j.opts.Layout
		}
		first, _ := firstLine(r.Data)
		rec.Message = capText(first)
		rec.Text = capText(r.Data)
	}
	return rec
}

// ParseForeign labels a foreign record: only its text and, when the line
// opens with one, its timestamp. Used by rule packs that read other
// products' logs (service mesh).
func (j *Joiner) ParseForeign(r *Raw) record.Record {
	rec := record.Record{File: j.file, Offset: r.Offset, End: r.End, Line: r.Line, Layout: record.LayoutUnknown}
	first, _ := firstLine(r.Data)
	if t, ok := ParseTime(first, j.loc); ok {
		rec.Time = t
	}
	rec.Message = capText(first)
	rec.Text = capText(r.Data)
	return rec
}

func firstLine(b []byte) (line, rest []byte) {
	if i := bytes.IndexByte(b, '\n'); i >= 0 {
		return b[:i], b[i+1:]
	}
	return b, nil
}

// clean converts to a string, replacing invalid UTF-8.
func clean(b []byte) string {
	if utf8.Valid(b) {
		return string(b)
	}
	return strings.ToValidUTF8(string(b), "\uFFFD")
}

func capText(b []byte) string {
	if len(b) > record.MaxText {
		b = b[:record.MaxText]
	}
	return clean(b)
}

func capString(s string) string {
	if len(s) > record.MaxText {
		s = s[:record.MaxText]
	}
	if !utf8.ValidString(s) {
		s = strings.ToValidUTF8(s, "\uFFFD")
	}
	return s
}

// parsePlain reads "[ts][LEVEL][logger] [node]marker message" and the lines
// after it.
func (j *Joiner) parsePlain(data []byte, rec *record.Record) {
	rec.Layout = record.LayoutPlain
	first, rest := firstLine(data)
	tsEnd := plainHeaderEnd(first)
	var p []byte
	switch {
	case tsEnd > 0:
		if t, ok := ParseTime(first[1:tsEnd-1], j.loc); ok {
			rec.Time = t
		}
		p = first[tsEnd:]
	case levelHeader(first):
		p = first // no timestamp: the header starts at the level
	default:
		rec.Message = capText(first)
		rec.Text = capText(data)
		return
	}
	level, p := bracket(p)
	rec.Level = strings.TrimSpace(string(level))
	logger, p := bracket(p)
	rec.Logger = strings.TrimSpace(string(logger))
	if len(p) > 0 && p[0] == ' ' {
		p = p[1:]
	}
	if len(p) > 0 && p[0] == '[' {
		if i := bytes.IndexByte(p, ']'); i >= 0 {
			rec.Node = clean(p[1:i])
			p = p[i+1:]
		} else {
			rec.Node = clean(p[1:])
			p = nil
		}
	}
	if len(p) > 0 && p[0] == ' ' {
		p = p[1:]
	}
	rec.Message = capText(p)
	if len(rest) == 0 {
		rec.Text = rec.Message
		return
	}
	buf := make([]byte, 0, len(p)+1+len(rest))
	buf = append(buf, p...)
	buf = append(buf, '\n')
	buf = append(buf, rest...)
	rec.Text = capText(buf)
}

// bracket takes "[x]" off the front of p.
func bracket(p []byte) (inner, rest []byte) {
	if len(p) == 0 || p[0] != '[' {
		return nil, p
	}
	i := bytes.IndexByte(p, ']')
	if i < 0 {
		return p[1:], nil
	}
	return p[1:i], p[i+1:]
}

// parseJSON reads a 7.x or ECS JSON object (leniently).
func (j *Joiner) parseJSON(data []byte, rec *record.Record) {
	fields := scanJSONObject(data)
	get := func(keys ...string) string {
		for _, k := range keys {
			for i := range fields {
				if fields[i].key == k {
					return fields[i].val
				}
			}
		}
		return ""
	}
	rec.Layout = record.LayoutECS
	typ := get("type")
	ts := get("@timestamp")
	if typ == "server" || (ts == "" && get("timestamp") != "") {
		rec.Layout = record.LayoutJSON7
	}
	if ts == "" {
		ts = get("timestamp")
	}
	if t, ok := ParseTime([]byte(ts), j.loc); ok {
		rec.Time = t
	}
	rec.Level = strings.TrimSpace(get("log.level", "level"))
	rec.Logger = get("log.logger", "component", "logger")
	rec.Node = get("elasticsearch.node.name", "node.name")
	rec.Cluster = get("elasticsearch.cluster.name", "cluster.name")
	msg := get("message")
	if msg == "" {
		// Not a log event (every ES layout writes "message"): an API
		// error body or other JSON pasted into the file. Keep its bytes as
		// the text, so its reasons ("caused_by") can still be read; its
		// message is the innermost reason read whole.
		rec.Message = clean(bytes.TrimSpace(firstLineOf(data)))
		if r := innermostReason(fields); r != "" {
			rec.Message = capString(r)
		}
		rec.Text = capText(data)
		return
	}
	first, _ := firstLine([]byte(msg))
	rec.Message = capString(string(first))

	var b strings.Builder
	b.WriteString(msg)
	if st := get("error.stack_trace", "stacktrace"); st != "" {
		b.WriteByte('\n')
		b.WriteString(st)
	} else if et, em := get("error.type"), get("error.message"); et != "" || em != "" {
		b.WriteByte('\n')
		b.WriteString(et)
		if em != "" {
			b.WriteString(": ")
			b.WriteString(em)
		}
	}
	rec.Text = capString(b.String())
}

// innermostReason returns the "reason" of an ES error body nested deepest
// ("error.caused_by.caused_by.reason"), or "".
func innermostReason(fields []field) string {
	best, depth := "", -1
	for _, f := range fields {
		if f.key != "reason" && !strings.HasSuffix(f.key, ".reason") {
			continue
		}
		if d := strings.Count(f.key, "."); d > depth && f.val != "" {
			best, depth = f.val, d
		}
	}
	return best
}

func firstLineOf(b []byte) []byte { l, _ := firstLine(b); return l }
