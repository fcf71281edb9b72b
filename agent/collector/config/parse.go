package config

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"regexp"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/esdoctor/esdoctor/shared/safefile"
	"gopkg.in/yaml.v3"
)

// Limits that keep a hostile or broken file from eating memory. A real
// elasticsearch.yml is a few kilobytes.
const (
	// MaxFileSize bounds elasticsearch.yml.
	MaxFileSize = 512 << 10
	// maxSubstitutedSize bounds the text after environment substitution.
	maxSubstitutedSize = 2 * MaxFileSize
	// maxDepth bounds YAML map nesting.
	maxDepth = 64
)

// Load reads and parses an elasticsearch.yml. A missing file gives an error
// that wraps fs.ErrNotExist (Elasticsearch itself starts with no settings
// then; the caller decides).
func Load(path string, lookupEnv func(string) (string, bool)) (*YML, error) {
	data, err := safefile.ReadFile(path, MaxFileSize)
	if err != nil {
		return nil, fmt.Errorf("config %s: %w", path, err)
	}
	return Parse(data, path, lookupEnv)
}

// Parse reads elasticsearch.yml content the way Elasticsearch 8.x does (see
// the package doc). name is used in errors and as YML.Path. lookupEnv
// answers environment lookups for ${NAME} (os.LookupEnv for the real
// process environment; nil for none).
func Parse(data []byte, name string, lookupEnv func(string) (string, bool)) (*YML, error) {
	if len(data) > MaxFileSize {
		return nil, fmt.Errorf("config %s: file is %d bytes, over the %d-byte limit", name, len(data), MaxFileSize)
	}
	data = bytes.TrimPrefix(data, []byte("\xef\xbb\xbf"))
	if err := checkText(data); err != nil {
		return nil, fmt.Errorf("config %s: %w", name, err)
	}
	sub := substituteEnv(string(data), lookupEnv)
	if len(sub.text) > maxSubstitutedSize {
		return nil, fmt.Errorf("config %s: text is %d bytes after ${...} substitution, over the %d-byte limit",
			name, len(sub.text), maxSubstitutedSize)
	}
	root, err := decodeYAML(sub)
	if err != nil {
		return nil, fmt.Errorf("config %s: %w", name, err)
	}
	f := &flattener{sub: sub, vals: map[string]*rawEntry{}}
	if root != nil {
		if err := f.mapping(root, "", 1); err != nil {
			return nil, fmt.Errorf("config %s: %w", name, err)
		}
	}
	if err := resolvePlaceholders(f.vals, name); err != nil {
		return nil, fmt.Errorf("config %s: %w", name, err)
	}
	y := f.result()
	y.Path = name
	return y, nil
}

// checkText rejects input that is not text: invalid UTF-8 (Elasticsearch
// reads the file with a strict UTF-8 decoder) and ASCII control characters
// other than tab and line breaks (YAML forbids them).
func checkText(data []byte) error {
	line := 1
	for i := 0; i < len(data); {
		c := data[i]
		if c < utf8.RuneSelf {
			switch {
			case c == '\n':
				line++
			case c == '\r':
				if i+1 >= len(data) || data[i+1] != '\n' {
					line++
				}
			case c == '\t':
			case c < 0x20 || c == 0x7f:
				return fmt.Errorf("line %d: control character 0x%02x: not a text file", line, c)
			}
			i++
			continue
		}
		r, n := utf8.DecodeRune(data[i:])
		if r == utf8.RuneError && n <= 1 {
			return fmt.Errorf("line %d: invalid UTF-8 byte 0x%02x: not a UTF-8 text file", line, c)
		}
		i += n
	}
	return nil
}

// decodeYAML parses the single YAML document; nil means no settings (an
// empty file or comments only).
func decodeYAML(sub *substituted) (*yaml.Node, error) {
	dec := yaml.NewDecoder(bytes.NewReader(sub.text))
	var doc yaml.Node
	if err := dec.Decode(&doc); err != nil {
		if errors.Is(err, io.EOF) {
			return nil, nil
		}
		return nil, yamlError(err, sub)
	}
	var extra yaml.Node
	switch err := dec.Decode(&extra); {
	case errors.Is(err, io.EOF):
	case err != nil:
		return nil, yamlError(err, sub)
	default:
		at := extra.Line
		if len(extra.Content) > 0 {
			at = extra.Content[0].Line
		}
		return nil, fmt.Errorf("line %d: malformed, expected end of settings but encountered additional content (a second YAML document)",
			sub.line(at))
	}
	if doc.Kind != yaml.DocumentNode || len(doc.Content) == 0 {
		return nil, nil
	}
	root := doc.Content[0]
	if root.Kind != yaml.MappingNode {
		return nil, fmt.Errorf("line %d: malformed, expected settings to start with an object (a YAML mapping), found %s",
			sub.line(root.Line), describeNode(root))
	}
	return root, nil
}

var yamlLineRE = regexp.MustCompile(`^yaml: line (\d+): (.*)$`)

// yamlError rewrites a yaml.v3 error with the file's line number (the
// parser saw the substituted text) and a hint for the usual causes.
func yamlError(err error, sub *substituted) error {
	msg := err.Error()
	m := yamlLineRE.FindStringSubmatch(msg)
	if m == nil {
		return fmt.Errorf("invalid YAML: %s", strings.TrimPrefix(msg, "yaml: "))
	}
	n, _ := strconv.Atoi(m[1])
	hint := ""
	if strings.Contains(m[2], "cannot start any token") && tabIndented(sub.text, n) {
		hint = " (a tab is used for indentation; YAML allows only spaces)"
	}
	return fmt.Errorf("line %d: invalid YAML: %s%s", sub.line(n), m[2], hint)
}

// tabIndented reports whether a tab appears in the leading whitespace of
// line n of text or of the line before it (yaml.v3 sometimes reports the
// following line).
func tabIndented(text []byte, n int) bool {
	lines := splitLines(string(text))
	for _, i := range []int{n - 1, n - 2, n} {
		if i < 0 || i >= len(lines) {
			continue
		}
		l := lines[i]
		indent := l[:len(l)-len(strings.TrimLeft(l, " \t"))]
		if strings.Contains(indent, "\t") {
			return true
		}
	}
	return false
}

func describeNode(n *yaml.Node) string {
	switch n.Kind {
	case yaml.SequenceNode:
		return "a list"
	case yaml.MappingNode:
		return "an object"
	case yaml.AliasNode:
		return "an alias"
	case yaml.ScalarNode:
		if n.ShortTag() == "!!null" {
			return "null"
		}
		return "a scalar"
	}
	return "something else"
}
