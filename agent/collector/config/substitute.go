package config

import (
	"strings"
)

// substituted is the yml text after the environment pass, with a map from
// its lines back to the file's lines.
type substituted struct {
	text []byte
	// origLine[i] is the file line (1-based) of substituted line i+1; a
	// variable whose value holds newlines makes several lines map to one.
	origLine []int
}

// line maps a 1-based line of the substituted text to the file's line.
func (s *substituted) line(n int) int {
	if n < 1 {
		return n
	}
	if n > len(s.origLine) {
		if len(s.origLine) == 0 {
			return n
		}
		return s.origLine[len(s.origLine)-1]
	}
	return s.origLine[n-1]
}

// splitLines splits like Java's BufferedReader.readLine: on "\n", "\r\n" or
// a lone "\r"; a final line terminator does not start another line.
func splitLines(s string) []string {
	var lines []string
	for len(s) > 0 {
		i := strings.IndexAny(s, "\r\n")
		if i < 0 {
			lines = append(lines, s)
			break
		}
		lines = append(lines, s[:i])
		if s[i] == '\r' && i+1 < len(s) && s[i+1] == '\n' {
			i++
		}
		s = s[i+1:]
	}
	return lines
}

// substituteEnv is Elasticsearch 8.x's InternalSettingsPreparer
// loadConfigWithSubstitutions: on each raw line, every "${name}" whose name
// is an environment variable is replaced by its value (the name is the text
// up to the first "}", so "${a:b}" looks up a variable named "a:b"); unknown
// names are kept for the settings pass; a "${" without a "}" on the same line
// stops substitution for the rest of that line.
func substituteEnv(text string, lookupEnv func(string) (string, bool)) *substituted {
	out := &substituted{}
	var b strings.Builder
	b.Grow(len(text))
	for i, line := range splitLines(text) {
		start := b.Len()
		next := 0
		for {
			d := strings.Index(line[next:], "${")
			if d < 0 {
				break
			}
			d += next
			c := strings.IndexByte(line[d+2:], '}')
			if c < 0 {
				break
			}
			c += d + 2
			b.WriteString(line[next:d])
			next = c + 1
			if v, ok := lookup(lookupEnv, line[d+2:c]); ok {
				b.WriteString(v)
			} else {
				b.WriteString(line[d:next])
			}
		}
		b.WriteString(line[next:])
		b.WriteByte('\n')
		// Every line the substituted text gained maps back to file line i+1
		// (a variable's value may hold line breaks).
		for range len(splitLines(b.String()[start:])) {
			out.origLine = append(out.origLine, i+1)
		}
	}
	out.text = []byte(b.String())
	return out
}

func lookup(lookupEnv func(string) (string, bool), name string) (string, bool) {
	if lookupEnv == nil {
		return "", false
	}
	return lookupEnv(name)
}
