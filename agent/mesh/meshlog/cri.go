package meshlog

import (
	"errors"
	"fmt"
	"strings"
	"time"
)

// CRILine is one line of a container runtime's log file
// (/var/log/containers/*.log, /var/log/pods/*/*/N.log):
// "2024-01-01T00:00:00.000000000Z stderr F payload".
type CRILine struct {
	Time    time.Time
	Stream  string // stdout or stderr
	Partial bool   // tag P: the payload continues on the next line
	Payload string
}

// ParseCRI parses one CRI log line. The error says what is wrong; callers
// that read files of unknown layout treat an error as "not a CRI line".
func ParseCRI(line string) (CRILine, error) {
	var c CRILine
	ts, rest, ok := strings.Cut(line, " ")
	if !ok {
		return c, errors.New("CRI line: no space after the timestamp")
	}
	t, err := time.Parse(time.RFC3339Nano, ts)
	if err != nil {
		return c, fmt.Errorf("CRI line: timestamp %q is not RFC 3339", clip(ts, 40))
	}
	stream, rest, ok := strings.Cut(rest, " ")
	if !ok {
		return c, errors.New("CRI line: no stream field")
	}
	if stream != "stdout" && stream != "stderr" {
		return c, fmt.Errorf("CRI line: stream %q is neither stdout nor stderr", clip(stream, 40))
	}
	tag, payload, ok := strings.Cut(rest, " ")
	if !ok {
		// "... stdout F" with an empty payload is valid.
		tag, payload = rest, ""
	}
	// The tag is "P" or "F", possibly with more ":"-separated tags.
	first, _, _ := strings.Cut(tag, ":")
	switch first {
	case "P":
		c.Partial = true
	case "F":
	default:
		return c, fmt.Errorf("CRI line: tag %q is neither P nor F", clip(tag, 40))
	}
	c.Time, c.Stream, c.Payload = t, stream, payload
	return c, nil
}

// looksCRI is a cheap test before ParseCRI: a digit-led timestamp, then
// " stdout " or " stderr ".
func looksCRI(line string) bool {
	if len(line) < 30 || line[0] < '0' || line[0] > '9' {
		return false
	}
	i := strings.IndexByte(line, ' ')
	return i > 18 && i < 40 && (strings.HasPrefix(line[i:], " stdout ") || strings.HasPrefix(line[i:], " stderr "))
}

func clip(s string, n int) string {
	if len(s) > n {
		return s[:n] + "..."
	}
	return s
}
