package meshlog

import (
	"encoding/json"
	"regexp"
	"strconv"
	"strings"
	"time"
)

// Format is the layout a line was written in.
type Format string

const (
	FormatIstio      Format = "istio"       // 2024-01-01T00:00:00.000000Z\tinfo\tscope\tmsg
	FormatIstioJSON  Format = "istio-json"  // {"level":..,"time":..,"scope":..,"msg":..}
	FormatEnvoy      Format = "envoy"       // [2024-01-01 00:00:00.000][12][debug][rbac] [file:1] msg
	FormatAccess     Format = "access"      // Istio's default Envoy access log (text)
	FormatAccessJSON Format = "access-json" // Envoy access log as JSON
	FormatKlog       Format = "klog"        // E0101 00:00:00.000000 1 file.go:1] msg
	FormatGoLog      Format = "golog"       // 2024/01/01 00:00:00 msg
	FormatOtherJSON  Format = "json"        // another product's JSON line
	FormatText       Format = "text"        // anything else (curl output, pasted text)
)

// Line is one log line, unwrapped from its container-runtime and kubectl
// prefixes and read in its layout.
type Line struct {
	Time   time.Time
	Format Format
	// Pod and Container come from a `kubectl logs --prefix` prefix.
	Pod, Container string
	Level, Scope   string
	Msg            string
	// Access log fields (FormatAccess, FormatAccessJSON).
	Access *Access
}

// Access is the part of an Envoy access log entry the pack reads.
type Access struct {
	Method, Path, Protocol string
	Code                   int
	Flags                  string // response flags: "UF,URX", "NR", "-"
	Details                string // response code details: rbac_access_denied_matched_policy[...]
	TransportFailure       string // upstream transport failure reason
	Authority              string
	UpstreamHost           string
	UpstreamCluster        string
	DownstreamLocal        string
	DownstreamRemote       string
}

// istioLevels are the levels Istio's log package writes (lowercase).
var istioLevels = map[string]bool{"debug": true, "info": true, "warn": true, "warning": true, "error": true, "fatal": true, "none": true}

var (
	reKubectlPrefix = regexp.MustCompile(`^\[pod/([^/\]]+)/([^\]]+)\] `)
	reEnvoy         = regexp.MustCompile(`^\[(\d{4}-\d\d-\d\d[ T][0-9:.]+Z?)\]\[\d+\]\[(\w+)\]\[([\w.]+)\] (?:\[[^\]]*\] )?(.*)$`)
	reKlog          = regexp.MustCompile(`^([IWEF])(\d{4} \d\d:\d\d:\d\d\.\d+)\s+\d+ [^\]]+\] (.*)$`)
	reGoLog         = regexp.MustCompile(`^\d{4}/\d\d/\d\d \d\d:\d\d:\d\d(?:\.\d+)? (.*)$`)
	// Istio's default text access log: [start] "METHOD PATH PROTO" CODE FLAGS DETAILS CONN_TERM "UPSTREAM_TRANSPORT_FAILURE"
	// BYTES_IN BYTES_OUT DURATION UPSTREAM_TIME "XFF" "UA" "REQ_ID" "AUTHORITY" "UPSTREAM_HOST" CLUSTER UP_LOCAL DOWN_LOCAL DOWN_REMOTE SNI ROUTE
	// (before 1.9 without the response code details and termination details).
	reAccess = regexp.MustCompile(`^\[(\d{4}-\d\d-\d\dT[0-9:.]+Z)\] "(\S+) (\S+) (\S+)" (\d+) (\S+)(?: (\S+) (\S+) "([^"]*)")? (\d+|-) (\d+|-) (\d+|-) (\S+) "([^"]*)" "([^"]*)" "([^"]*)" "([^"]*)" "([^"]*)" (\S+) (\S+) (\S+) (\S+)`)
)

// ParseLine reads one payload line (after the CRI prefix). It never fails:
// what it cannot place is FormatText with the line as the message.
func ParseLine(s string) Line {
	var l Line
	s = strings.TrimRight(s, "\r\n")
	if m := reKubectlPrefix.FindStringSubmatch(s); m != nil {
		l.Pod, l.Container = m[1], m[2]
		s = s[len(m[0]):]
	}
	st := strings.TrimSpace(s)
	switch {
	case strings.HasPrefix(st, "{"):
		parseJSONLine(st, &l)
	case parseIstioText(s, &l):
	case parseAccessText(st, &l):
	case parseEnvoy(st, &l):
	case parseKlog(st, &l):
	case parseGoLog(st, &l):
	default:
		l.Format, l.Msg = FormatText, st
	}
	return l
}

// parseIstioText reads "2024-01-01T00:00:00.000000Z\tlevel\t[scope\t]msg".
// Istio always writes a UTC timestamp with a Z and a lowercase level; the
// scope is absent for the default scope. kubectl/console copies sometimes
// turn the tabs into runs of spaces.
func parseIstioText(s string, l *Line) bool {
	if len(s) < 22 || s[0] < '0' || s[0] > '9' || s[4] != '-' || s[10] != 'T' {
		return false
	}
	fields := splitIstio(s)
	if len(fields) < 3 {
		return false
	}
	ts := fields[0]
	if !strings.HasSuffix(ts, "Z") {
		return false
	}
	t, err := time.Parse(time.RFC3339Nano, ts)
	if err != nil || !istioLevels[fields[1]] {
		return false
	}
	l.Format, l.Time, l.Level = FormatIstio, t, fields[1]
	if len(fields) >= 4 && isScope(fields[2]) {
		l.Scope, l.Msg = fields[2], fields[3]
	} else {
		l.Msg = strings.Join(fields[2:], " ")
	}
	return true
}

// splitIstio splits on tabs (at most 4 fields), or, when there is no tab,
// on runs of spaces for the first three fields.
func splitIstio(s string) []string {
	if strings.Contains(s, "\t") {
		return strings.SplitN(s, "\t", 4)
	}
	var out []string
	rest := s
	for len(out) < 3 {
		rest = strings.TrimLeft(rest, " ")
		i := strings.IndexByte(rest, ' ')
		if i < 0 {
			break
		}
		out = append(out, rest[:i])
		rest = rest[i:]
	}
	if len(out) < 3 {
		return nil
	}
	// Only a spaced copy with a short scope-like third field keeps it
	// as the scope; otherwise fields[2:] is the message.
	msg := strings.TrimLeft(rest, " ")
	if isScope(out[2]) && msg != "" {
		return []string{out[0], out[1], out[2], msg}
	}
	return []string{out[0], out[1], out[2] + rest}
}

// isScope: Istio scope names are short lowercase words ("serverca", "ads",
// "klog", "envoy rbac" is "envoy" + logger).
func isScope(s string) bool {
	if s == "" || len(s) > 40 {
		return false
	}
	if strings.HasPrefix(s, "envoy ") {
		s = s[len("envoy "):]
	}
	for _, c := range s {
		if !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '_' || c == '-' || c == '.' || c == ' ' || c >= 'A' && c <= 'Z') {
			return false
		}
	}
	return !strings.Contains(s, ":") && !strings.HasSuffix(s, " ")
}

func parseJSONLine(s string, l *Line) {
	var m map[string]any
	if err := json.Unmarshal([]byte(s), &m); err != nil {
		l.Format, l.Msg = FormatText, s
		return
	}
	str := func(k string) string {
		switch v := m[k].(type) {
		case string:
			return v
		case float64:
			return strconv.FormatFloat(v, 'f', -1, 64)
		}
		return ""
	}
	// Envoy JSON access log.
	if _, ok := m["response_code"]; ok {
		if _, ok2 := m["response_flags"]; ok2 {
			l.Format = FormatAccessJSON
			a := &Access{Method: str("method"), Path: str("path"), Protocol: str("protocol"), Flags: str("response_flags"),
				Details: str("response_code_details"), TransportFailure: str("upstream_transport_failure_reason"),
				Authority: str("authority"), UpstreamHost: str("upstream_host"), UpstreamCluster: str("upstream_cluster"),
				DownstreamLocal: str("downstream_local_address"), DownstreamRemote: str("downstream_remote_address")}
			a.Code, _ = strconv.Atoi(str("response_code"))
			l.Access = a
			l.Time, _ = time.Parse(time.RFC3339Nano, str("start_time"))
			return
		}
	}
	// Istio's JSON: {"level","time","scope","msg"}; nothing else.
	level, msg := str("level"), str("msg")
	_, hasTS := m["ts"]
	_, hasLogger := m["logger"]
	if istioLevels[level] && msg != "" && !hasTS && !hasLogger {
		l.Format, l.Level, l.Scope, l.Msg = FormatIstioJSON, level, str("scope"), msg
		l.Time, _ = time.Parse(time.RFC3339Nano, str("time"))
		return
	}
	l.Format, l.Level = FormatOtherJSON, level
	l.Msg = msg
	for _, k := range []string{"message", "err", "error"} {
		if v := str(k); v != "" {
			l.Msg = strings.TrimSpace(l.Msg + " " + v)
		}
	}
	if l.Msg == "" {
		l.Msg = s
	}
}

func parseAccessText(s string, l *Line) bool {
	if !strings.HasPrefix(s, "[") {
		return false
	}
	m := reAccess.FindStringSubmatch(s)
	if m == nil {
		return false
	}
	a := &Access{Method: m[2], Path: m[3], Protocol: m[4], Flags: m[6], Details: m[7], TransportFailure: m[9],
		Authority: m[17], UpstreamHost: m[18], UpstreamCluster: m[19], DownstreamLocal: m[21], DownstreamRemote: m[22]}
	a.Code, _ = strconv.Atoi(m[5])
	l.Format, l.Access, l.Msg = FormatAccess, a, s
	l.Time, _ = time.Parse(time.RFC3339Nano, m[1])
	return true
}

func parseEnvoy(s string, l *Line) bool {
	m := reEnvoy.FindStringSubmatch(s)
	if m == nil {
		return false
	}
	l.Format, l.Level, l.Scope, l.Msg = FormatEnvoy, m[2], "envoy "+m[3], m[4]
	l.Time, _ = time.Parse("2006-01-02 15:04:05.000", strings.TrimSuffix(m[1], "Z"))
	return true
}

func parseKlog(s string, l *Line) bool {
	m := reKlog.FindStringSubmatch(s)
	if m == nil {
		return false
	}
	l.Format, l.Msg = FormatKlog, m[3]
	l.Level = map[string]string{"I": "info", "W": "warn", "E": "error", "F": "fatal"}[m[1]]
	return true
}

func parseGoLog(s string, l *Line) bool {
	m := reGoLog.FindStringSubmatch(s)
	if m == nil {
		return false
	}
	l.Format, l.Msg = FormatGoLog, m[1]
	return true
}

// istioFormat reports whether the line is in one of Istio's own layouts.
func (l *Line) istioFormat() bool {
	return l.Format == FormatIstio || l.Format == FormatIstioJSON
}
