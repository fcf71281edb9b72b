package config

import (
	"fmt"
	"regexp"
	"strings"

	"github.com/esdoctor/esdoctor/shared/secret"
	"gopkg.in/yaml.v3"
)

// rawEntry is one flattened setting before placeholder resolution.
type rawEntry struct {
	isList bool
	scalar string
	list   []string
	line   int // file line of the key
	// tainted is set when placeholder resolution copied a secret into it.
	tainted bool
}

// text is what Elasticsearch's Settings.toString gives for the entry (a
// Java List prints as "[a, b]").
func (e *rawEntry) text() string {
	if e.isList {
		return "[" + strings.Join(e.list, ", ") + "]"
	}
	return e.scalar
}

type flattener struct {
	sub       *substituted
	vals      map[string]*rawEntry
	overrides []Override
	warnings  []string
}

// yaml11Bool matches the plain scalars SnakeYAML resolves as YAML 1.1
// booleans; Jackson turns them into a boolean token and Elasticsearch's
// flattener stores String.valueOf(boolean).
var yaml11Bool = regexp.MustCompile(`^(?:yes|Yes|YES|no|No|NO|true|True|TRUE|false|False|FALSE|on|On|ON|off|Off|OFF)$`)

// mapping flattens one YAML mapping under prefix, like Settings.fromXContent.
func (f *flattener) mapping(n *yaml.Node, prefix string, depth int) error {
	if depth > maxDepth {
		return fmt.Errorf("line %d: settings nested deeper than %d levels", f.sub.line(n.Line), maxDepth)
	}
	seen := make(map[string]*yaml.Node, len(n.Content)/2)
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := n.Content[i], n.Content[i+1]
		name, err := f.keyText(k)
		if err != nil {
			return err
		}
		key := prefix + name
		if prev, dup := seen[name]; dup {
			return f.duplicate(key, prev, n.Content[indexOf(n.Content, prev)+1], k, v)
		}
		seen[name] = k
		line := f.sub.line(k.Line)
		switch v.Kind {
		case yaml.MappingNode:
			if err := f.mapping(v, key+".", depth+1); err != nil {
				return err
			}
		case yaml.SequenceNode:
			items := make([]string, 0, len(v.Content))
			for _, it := range v.Content {
				s, err := f.listItem(key, it)
				if err != nil {
					return err
				}
				items = append(items, s)
			}
			f.put(key, &rawEntry{isList: true, list: items, line: line})
		case yaml.ScalarNode:
			if isNull(v) {
				return fmt.Errorf("line %d: null-valued setting found for key [%s] found at line number [%d], column number [%d]",
					f.sub.line(v.Line), key, f.sub.line(v.Line), v.Column)
			}
			s := v.Value
			if isPlain(v) && yaml11Bool.MatchString(s) {
				s = yamlBool(s)
			}
			f.put(key, &rawEntry{scalar: s, line: line})
		case yaml.AliasNode:
			f.aliasWarning(key, v)
			f.put(key, &rawEntry{scalar: v.Value, line: line})
		default:
			return fmt.Errorf("line %d: setting [%s]: unsupported YAML value", line, key)
		}
	}
	return nil
}

func indexOf(nodes []*yaml.Node, n *yaml.Node) int {
	for i, x := range nodes {
		if x == n {
			return i
		}
	}
	return -1
}

func (f *flattener) keyText(k *yaml.Node) (string, error) {
	switch k.Kind {
	case yaml.ScalarNode:
		return k.Value, nil
	case yaml.AliasNode:
		f.warnings = append(f.warnings, fmt.Sprintf("line %d: YAML alias *%s used as a key is read by Elasticsearch as the text %q",
			f.sub.line(k.Line), k.Value, k.Value))
		return k.Value, nil
	}
	return "", fmt.Errorf("line %d: malformed, a setting name must be plain text, found %s", f.sub.line(k.Line), describeNode(k))
}

// listItem returns one item of a list value: only scalars are allowed
// ("only value lists are allowed in serialized settings").
func (f *flattener) listItem(key string, it *yaml.Node) (string, error) {
	switch {
	case it.Kind == yaml.ScalarNode && !isNull(it):
		return it.Value, nil
	case it.Kind == yaml.AliasNode:
		f.aliasWarning(key, it)
		return it.Value, nil
	}
	return "", fmt.Errorf("line %d: setting [%s]: only value lists are allowed in serialized settings, found %s in the list",
		f.sub.line(it.Line), key, describeNode(it))
}

func (f *flattener) aliasWarning(key string, v *yaml.Node) {
	if IsSecretKey(key) {
		f.warnings = append(f.warnings, fmt.Sprintf("line %d: setting [%s]: a YAML alias is read by Elasticsearch as the anchor's name, not expanded",
			f.sub.line(v.Line), key))
		return
	}
	f.warnings = append(f.warnings, fmt.Sprintf("line %d: setting [%s]: YAML alias *%s is read by Elasticsearch as the text %q, not expanded",
		f.sub.line(v.Line), key, v.Value, v.Value))
}

// put stores a flattened value; a key reached again through another form
// replaces the earlier value (Settings.Builder.put), recorded as an Override.
func (f *flattener) put(key string, e *rawEntry) {
	if old, ok := f.vals[key]; ok {
		f.overrides = append(f.overrides, Override{Key: key, Line: e.line, PreviousLine: old.line})
	}
	f.vals[key] = e
}

// duplicate builds the error for a key repeated in one YAML mapping, in
// Elasticsearch's words, naming both lines; values of secret keys are
// redacted.
func (f *flattener) duplicate(key string, prevKey, prevVal, curKey, cur *yaml.Node) error {
	at := cur // Elasticsearch reports the value's position
	if cur.Kind == yaml.MappingNode {
		at = curKey
	}
	return fmt.Errorf("line %d: duplicate settings key [%s] found at line number [%d], column number [%d], previous value [%s], current value [%s] (first set at line number [%d])",
		f.sub.line(at.Line), key, f.sub.line(at.Line), at.Column, showValue(key, prevVal), showValue(key, cur), f.sub.line(prevKey.Line))
}

// yamlBool is the text Elasticsearch stores for a YAML 1.1 boolean.
func yamlBool(s string) string {
	switch strings.ToLower(s) {
	case "yes", "true", "on":
		return "true"
	}
	return "false"
}

// showValue prints a value for an error message, never a secret.
func showValue(key string, n *yaml.Node) string {
	if IsSecretKey(key) {
		return secret.Redacted
	}
	switch n.Kind {
	case yaml.ScalarNode:
		if isNull(n) {
			return "null"
		}
		return n.Value
	case yaml.AliasNode:
		return n.Value
	case yaml.SequenceNode:
		items := make([]string, 0, len(n.Content))
		for _, it := range n.Content {
			if it.Kind != yaml.ScalarNode && it.Kind != yaml.AliasNode {
				items = append(items, "…")
				continue
			}
			items = append(items, it.Value)
		}
		return "[" + strings.Join(items, ", ") + "]"
	}
	return "{…}"
}

// isNull reports a YAML null ("", "~", "null", "Null", "NULL" plain, or an
// explicit !!null).
func isNull(n *yaml.Node) bool { return n.Kind == yaml.ScalarNode && n.ShortTag() == "!!null" }

// isPlain reports an untagged, unquoted scalar.
func isPlain(n *yaml.Node) bool {
	return n.Style&(yaml.TaggedStyle|yaml.SingleQuotedStyle|yaml.DoubleQuotedStyle|yaml.LiteralStyle|yaml.FoldedStyle) == 0
}

// result converts the resolved entries into a YML: list settings given as
// one string are split on commas, secrets are moved out of the values.
func (f *flattener) result() *YML {
	y := &YML{Values: make(map[string]Value, len(f.vals)), Overrides: f.overrides, Warnings: f.warnings}
	for key, e := range f.vals {
		v := Value{Line: e.line, IsList: e.isList, Scalar: e.scalar, List: e.list}
		if e.isList {
			v.Scalar = strings.Join(e.list, ",")
		} else if IsListSetting(key) {
			v.IsList, v.List = true, splitCommaList(e.scalar)
		}
		if IsSecretKey(key) || e.tainted {
			if y.secrets == nil {
				y.secrets = map[string]secret.Bytes{}
			}
			y.secrets[key] = secret.FromString(v.Scalar)
			v = Value{Line: e.line, IsList: v.IsList, Secret: true}
		}
		y.Values[key] = v
	}
	return y
}
