package layout

import (
	"strconv"
	"unicode/utf16"
	"unicode/utf8"
)

// field is one flattened JSON member: nested objects give dotted keys, an
// array of strings gives its elements joined by "\n".
type field struct {
	key string
	val string
}

// jsonScanner is a lenient reader of one JSON object: it takes what it can
// from truncated or line-broken objects instead of failing.
type jsonScanner struct {
	b      []byte
	i      int
	fields []field
	depth  int
}

const maxJSONDepth = 32

// scanJSONObject returns the flattened members of the object in b. It never
// fails: on malformed input it returns the members read so far.
func scanJSONObject(b []byte) []field {
	s := &jsonScanner{b: b}
	s.ws()
	if s.i < len(s.b) && s.b[s.i] == '{' {
		s.object("")
	}
	return s.fields
}

func (s *jsonScanner) ws() {
	for s.i < len(s.b) {
		switch s.b[s.i] {
		case ' ', '\t', '\n', '\r':
			s.i++
		default:
			return
		}
	}
}

// object reads {...} at s.i, adding members under prefix.
func (s *jsonScanner) object(prefix string) {
	s.depth++
	defer func() { s.depth-- }()
	s.i++ // '{'
	for {
		s.ws()
		if s.i >= len(s.b) {
			return
		}
		switch s.b[s.i] {
		case '}':
			s.i++
			return
		case ',':
			s.i++
			continue
		case '"':
		default:
			return // malformed: stop here
		}
		key, ok := s.str()
		if !ok {
			return
		}
		s.ws()
		if s.i >= len(s.b) || s.b[s.i] != ':' {
			return
		}
		s.i++
		s.ws()
		if prefix != "" {
			key = prefix + "." + key
		}
		if !s.value(key) {
			return
		}
	}
}

// value reads one value for key; false when the input ended or broke.
func (s *jsonScanner) value(key string) bool {
	if s.i >= len(s.b) {
		return false
	}
	switch c := s.b[s.i]; {
	case c == '"':
		v, ok := s.str()
		s.fields = append(s.fields, field{key, v})
		return ok
	case c == '{':
		if s.depth >= maxJSONDepth {
			return false
		}
		s.object(key)
		return s.i <= len(s.b)
	case c == '[':
		return s.array(key)
	default:
		start := s.i
		for s.i < len(s.b) {
			c := s.b[s.i]
			if c == ',' || c == '}' || c == ']' || c == ' ' || c == '\n' || c == '\t' || c == '\r' {
				break
			}
			s.i++
		}
		if s.i == start {
			return false
		}
		s.fields = append(s.fields, field{key, string(s.b[start:s.i])})
		return true
	}
}

// array reads [...]; string elements are joined by "\n" under key.
func (s *jsonScanner) array(key string) bool {
	s.i++ // '['
	var parts []string
	defer func() {
		if len(parts) > 0 {
			n := 0
			for _, p := range parts {
				n += len(p) + 1
			}
			buf := make([]byte, 0, n)
			for i, p := range parts {
				if i > 0 {
					buf = append(buf, '\n')
				}
				buf = append(buf, p...)
			}
			s.fields = append(s.fields, field{key, string(buf)})
		}
	}()
	for {
		s.ws()
		if s.i >= len(s.b) {
			return false
		}
		switch c := s.b[s.i]; c {
		case ']':
			s.i++
			return true
		case ',':
			s.i++
		case '"':
			v, ok := s.str()
			parts = append(parts, v)
			if !ok {
				return false
			}
		case '{':
			if s.depth >= maxJSONDepth {
				return false
			}
			s.object(key)
		case '[':
			if s.depth >= maxJSONDepth {
				return false
			}
			s.depth++
			ok := s.array(key)
			s.depth--
			if !ok {
				return false
			}
		default:
			start := s.i
			for s.i < len(s.b) && s.b[s.i] != ',' && s.b[s.i] != ']' {
				s.i++
			}
			parts = append(parts, string(s.b[start:s.i]))
		}
	}
}

// str reads a JSON string at s.i (which is '"') and decodes its escapes.
// ok is false when the input ended inside it; the text so far is returned.
func (s *jsonScanner) str() (string, bool) {
	s.i++
	start := s.i
	// Fast path: no escapes.
	for s.i < len(s.b) {
		c := s.b[s.i]
		if c == '"' {
			v := string(s.b[start:s.i])
			s.i++
			return v, true
		}
		if c == '\\' {
			break
		}
		s.i++
	}
	if s.i >= len(s.b) {
		return string(s.b[start:]), false
	}
	out := make([]byte, 0, s.i-start+32)
	out = append(out, s.b[start:s.i]...)
	for s.i < len(s.b) {
		c := s.b[s.i]
		switch {
		case c == '"':
			s.i++
			return string(out), true
		case c != '\\':
			out = append(out, c)
			s.i++
			continue
		}
		// escape
		if s.i+1 >= len(s.b) {
			s.i = len(s.b)
			return string(out), false
		}
		e := s.b[s.i+1]
		s.i += 2
		switch e {
		case 'n':
			out = append(out, '\n')
		case 't':
			out = append(out, '\t')
		case 'r':
			out = append(out, '\r')
		case 'b':
			out = append(out, '\b')
		case 'f':
			out = append(out, '\f')
		case 'u':
			r, ok := s.hex4()
			if !ok {
				out = append(out, '\\', 'u')
				continue
			}
			if utf16.IsSurrogate(r) {
				save := s.i
				if s.i+1 < len(s.b) && s.b[s.i] == '\\' && s.b[s.i+1] == 'u' {
					s.i += 2
					if r2, ok := s.hex4(); ok {
						if d := utf16.DecodeRune(r, r2); d != utf8.RuneError {
							out = utf8.AppendRune(out, d)
							continue
						}
					}
				}
				s.i = save
				r = utf8.RuneError
			}
			out = utf8.AppendRune(out, r)
		default: // '"', '\\', '/', and anything else: the character itself
			out = append(out, e)
		}
	}
	return string(out), false
}

func (s *jsonScanner) hex4() (rune, bool) {
	if s.i+4 > len(s.b) {
		return 0, false
	}
	v, err := strconv.ParseUint(string(s.b[s.i:s.i+4]), 16, 32)
	if err != nil {
		return 0, false
	}
	s.i += 4
	return rune(v), true
}
