package layout

import "bytes"

// lineKind is what a physical line is, judged on its own.
type lineKind uint8

const (
	kindCont       lineKind = iota // anything else: continuation of the current record
	kindPlain                      // [yyyy-MM-ddTHH:mm:ss,SSS][LEVEL][logger] ...
	kindJSON                       // starts a JSON object at column 0
	kindForeign                    // header of a non-ES log line (client app, CLI, Istio, ...)
	kindForeignCon                 // a line of test output ("  1> ...") or similar: never ES
)

func isDigit(c byte) bool { return c >= '0' && c <= '9' }

// allDigits reports whether b[i:j] are all ASCII digits (and in range).
func allDigits(b []byte, i, j int) bool {
	if j > len(b) {
		return false
	}
	for ; i < j; i++ {
		if !isDigit(b[i]) {
			return false
		}
	}
	return true
}

// isDate reports whether b starts with yyyy-MM-dd followed by 'T' or ' '
// and HH:mm:ss.
func isDateTime(b []byte) bool {
	return len(b) >= 19 && allDigits(b, 0, 4) && b[4] == '-' && allDigits(b, 5, 7) && b[7] == '-' &&
		allDigits(b, 8, 10) && (b[10] == 'T' || b[10] == ' ') && allDigits(b, 11, 13) && b[13] == ':' &&
		allDigits(b, 14, 16) && b[16] == ':' && allDigits(b, 17, 19)
}

// plainHeaderEnd returns the index just after the "[timestamp]" of an ES
// plain header line, or -1 when line is not one. An ES header is
// "[" date time [fraction] [zone] "][" level "]".
func plainHeaderEnd(line []byte) int {
	if len(line) < 24 || line[0] != '[' || !isDateTime(line[1:]) {
		return -1
	}
	// fraction and optional zone, then "]["
	i := 20
	lim := i + 16
	if lim > len(line)-1 {
		lim = len(line) - 1
	}
	for i < lim && line[i] != ']' {
		c := line[i]
		if !(isDigit(c) || c == ',' || c == '.' || c == '+' || c == '-' || c == ':' || c == 'Z') {
			return -1
		}
		i++
	}
	if i >= len(line)-1 || line[i] != ']' || line[i+1] != '[' {
		return -1
	}
	// The level: up to 5 letters, padded with spaces.
	j := i + 2
	k := j
	for k < len(line) && k < j+8 && line[k] != ']' {
		c := line[k]
		if !(c >= 'A' && c <= 'Z' || c == ' ') {
			return -1
		}
		k++
	}
	if k >= len(line) || line[k] != ']' || k == j {
		return -1
	}
	return i + 1
}

// levelHeader reports a plain header that lost its timestamp, as in
// documentation examples: "[INFO ][o.e.t.ClusterConnectionManager] [n] ...".
// It takes a padded level bracket followed by a logger bracket: an ES
// continuation line never starts so.
func levelHeader(line []byte) bool {
	if len(line) < 10 || line[0] != '[' {
		return false
	}
	end := bytes.IndexByte(line[:min(len(line), 9)], ']')
	if end < 5 || end+1 >= len(line) || line[end+1] != '[' {
		return false
	}
	switch string(bytes.TrimRight(line[1:end], " ")) {
	case "TRACE", "DEBUG", "INFO", "WARN", "ERROR", "FATAL":
	default:
		return false
	}
	k := bytes.IndexByte(line[end+2:], ']')
	if k <= 0 {
		return false
	}
	logger := bytes.TrimRight(line[end+2:end+2+k], " ") // %-25c pads it
	return len(logger) > 0 && bytes.IndexByte(logger, ' ') < 0
}

// isTimestampStart reports whether a line opens with a timestamp that is not
// an ES header: "2019-07-31 05:37:08,678 [WARN] ...", "07:23:49.711 [main]",
// "[2019-07-31 05:37:08] app ...", Istio "2021-03-10T10:10:10.123Z\terror".
func isTimestampStart(line []byte) bool {
	if isDateTime(line) {
		return true
	}
	if len(line) >= 9 && allDigits(line, 0, 2) && line[2] == ':' && allDigits(line, 3, 5) && line[5] == ':' &&
		allDigits(line, 6, 8) && (line[8] == '.' || line[8] == ',' || line[8] == ' ') {
		return true
	}
	if len(line) > 20 && line[0] == '[' && isDateTime(line[1:]) {
		return true // bracketed timestamp that failed the ES header test
	}
	return false
}

// testOutputPrefix returns the length of a gradle test-output prefix
// ("  1> ") when the rest of the line is an ES server log header, or 0.
func testOutputPrefix(line []byte) int {
	i := 0
	for i < len(line) && i < 8 && line[i] == ' ' {
		i++
	}
	j := i
	for j < len(line) && j-i < 4 && isDigit(line[j]) {
		j++
	}
	if j == i || j+1 >= len(line) || line[j] != '>' || line[j+1] != ' ' {
		return 0
	}
	return j + 2
}

// isTestOutput reports gradle test output: optional spaces, digits, "> ".
func isTestOutput(line []byte) bool {
	i := 0
	for i < len(line) && line[i] == ' ' {
		i++
	}
	j := i
	for j < len(line) && isDigit(line[j]) {
		j++
	}
	return j > i && j+1 < len(line) && line[j] == '>' && line[j+1] == ' '
}

// isJSONStart reports an object opening at column 0.
func isJSONStart(line []byte) bool {
	if len(line) == 0 || line[0] != '{' {
		return false
	}
	if len(line) == 1 {
		return true
	}
	i := 1
	for i < len(line) && (line[i] == ' ' || line[i] == '\t') {
		i++
	}
	return i == len(line) || line[i] == '"'
}

// classify judges one line (already stripped of a container prefix).
func classify(line []byte) lineKind {
	if len(line) == 0 {
		return kindCont
	}
	switch c := line[0]; {
	case c == '[':
		if plainHeaderEnd(line) > 0 || levelHeader(line) {
			return kindPlain
		}
		if isTimestampStart(line) {
			return kindForeign
		}
		return kindCont
	case c == '{':
		if isJSONStart(line) {
			return kindJSON
		}
		return kindCont
	case c == '\t':
		return kindCont
	case c == ' ':
		if isTestOutput(line) {
			return kindForeignCon
		}
		return kindCont
	case isDigit(c):
		if isTimestampStart(line) {
			return kindForeign
		}
		if isTestOutput(line) {
			return kindForeignCon
		}
	}
	return kindCont
}

// indentedHeader returns the length of the blanks before a plain header on
// an indented line (a pasted excerpt), or 0. A continuation line never
// starts with "[" and a timestamp, so such a line is a header.
func indentedHeader(line []byte) int {
	i := 0
	for i < len(line) && i < 16 && (line[i] == ' ' || line[i] == '\t') {
		i++
	}
	if i == 0 || i >= len(line) || line[i] != '[' || plainHeaderEnd(line[i:]) < 0 {
		return 0
	}
	return i
}

// utf8BOM starts some files written on Windows.
var utf8BOM = []byte{0xef, 0xbb, 0xbf}

// containerPrefix returns the length of a docker-compose ("name  | ") or CRI
// ("2024-...Z stdout F ") prefix at the start of line, or 0.
func containerPrefix(line []byte) int {
	if len(line) < 4 {
		return 0
	}
	c := line[0]
	if c == '[' || c == '{' || c == ' ' || c == '\t' {
		return 0
	}
	// First token: non-space bytes.
	sp := bytes.IndexByte(line, ' ')
	if sp <= 0 || sp > 128 {
		return 0
	}
	if bytes.IndexByte(line[:sp], '\t') >= 0 {
		return 0
	}
	i := sp
	for i < len(line) && line[i] == ' ' {
		i++
	}
	// docker compose: "name<spaces>| ", coloured on a terminal as
	// "ESC[36mname<spaces>|ESC[0m " (or, pasted without the ESC bytes,
	// "36mname  |0m ").
	if i < len(line) && line[i] == '|' {
		j := i + 1
		if colour := sgrAt(line, j); colour > 0 && (line[0] == 0x1b || sgrAt(line, 0) > 0) {
			j += colour
		}
		if j < len(line) && line[j] == ' ' {
			return j + 1
		}
		if j == len(line) {
			return j
		}
	}
	// CRI: "<RFC3339> stdout|stderr F|P "
	if i == sp+1 && isDateTime(line) {
		rest := line[i:]
		for _, s := range [...]string{"stdout F ", "stderr F ", "stdout P ", "stderr P "} {
			if bytes.HasPrefix(rest, []byte(s)) {
				return i + len(s)
			}
		}
	}
	return 0
}

// sgrAt returns the length of a terminal colour code (SGR, "ESC[0m",
// "ESC[1;36m") at line[i:], or of its residue without the ESC byte ("0m",
// "36m"), or 0.
func sgrAt(line []byte, i int) int {
	j := i
	if j < len(line) && line[j] == 0x1b {
		j++
		if j >= len(line) || line[j] != '[' {
			return 0
		}
		j++
	}
	k := j
	for k < len(line) && k-j < 8 && (isDigit(line[k]) || line[k] == ';') {
		k++
	}
	if k == j || k >= len(line) || line[k] != 'm' {
		return 0
	}
	return k + 1 - i
}
