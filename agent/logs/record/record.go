// Package record defines one Elasticsearch log event as the log symptom engine
// sees it: a header (time, level, logger, node) and the joined text of its
// message and stack trace, with where it sits in its file.
package record

import "time"

// Layouts a record can come from.
const (
	LayoutPlain   = "plain"     // [%d{ISO8601}][%-5p][%-25c{1.}] [%node_name]%marker %m%n
	LayoutECS     = "ecs-json"  // 8.x+ ECSJsonLayout, one object per line
	LayoutJSON7   = "es-json-7" // 7.x ESJsonLayout ("type": "server", "stacktrace" array)
	LayoutUnknown = "unknown"   // no recognised header (orphan continuation lines)
)

// MaxText caps Record.Text; the rest of a longer record is dropped.
const MaxText = 256 << 10

// Record is one log event: a header line and its continuation lines (plain),
// or one JSON object (possibly spread over several lines).
type Record struct {
	File   string
	Layout string // LayoutPlain, LayoutECS, LayoutJSON7 or LayoutUnknown
	Offset int64  // byte offset of the record's first line
	End    int64  // byte offset just after its last line (incl. "\n")
	Line   int64  // 1-based line number of the first line
	// Time is zero when unknown. The plain layout has no zone: it is read in
	// the joiner's Options.Location (default time.Local).
	Time    time.Time
	Level   string // "INFO", "WARN", ... (trimmed)
	Logger  string // as written: abbreviated (plain, 7.x) or full (ECS)
	Node    string
	Cluster string
	// Message is the first line of the log message.
	Message string
	// TestOutput is set for a record quoted from ES test output ("  1> ...").
	TestOutput bool
	// Text is the message with its continuation/stack lines (JSON: message +
	// error.type/message/stack_trace, or the 7.x stacktrace array), joined by
	// "\n" and capped at MaxText bytes.
	Text string
}
