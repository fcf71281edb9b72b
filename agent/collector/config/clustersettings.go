package config

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"
)

// MaxClusterSettingsSize bounds a saved _cluster/settings response.
const MaxClusterSettingsSize = 8 << 20

// ClusterSettings is a saved `GET _cluster/settings` response: the
// persistent and transient layers by flat dotted key. Values of
// secret-looking keys are dropped (Secret set, Scalar empty); cluster
// settings never legitimately hold secrets.
type ClusterSettings struct {
	Persistent, Transient map[string]Value
}

// ParseClusterSettings reads {"persistent":{...},"transient":{...}} with
// flat or nested keys, lists as JSON arrays, values as strings, booleans or
// numbers (kept as their JSON text). null means not set. Other top-level
// members ("defaults" from include_defaults=true) are ignored.
func ParseClusterSettings(data []byte, name string) (*ClusterSettings, error) {
	if len(data) > MaxClusterSettingsSize {
		return nil, fmt.Errorf("cluster settings %s: %d bytes, over the %d-byte limit", name, len(data), MaxClusterSettingsSize)
	}
	cs := &ClusterSettings{Persistent: map[string]Value{}, Transient: map[string]Value{}}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	p := &jsonFlattener{dec: dec}
	if err := p.expectDelim('{', "the response to be a JSON object"); err != nil {
		return nil, fmt.Errorf("cluster settings %s: %w", name, err)
	}
	seen := map[string]bool{}
	for dec.More() {
		member, err := p.key()
		if err != nil {
			return nil, fmt.Errorf("cluster settings %s: %w", name, err)
		}
		if seen[member] {
			return nil, fmt.Errorf("cluster settings %s: duplicate member %q", name, member)
		}
		seen[member] = true
		var layer map[string]Value
		switch member {
		case "persistent":
			layer = cs.Persistent
		case "transient":
			layer = cs.Transient
		}
		if layer == nil {
			if err := p.skip(); err != nil {
				return nil, fmt.Errorf("cluster settings %s: %q: %w", name, member, err)
			}
			continue
		}
		if err := p.expectDelim('{', fmt.Sprintf("%q to be an object", member)); err != nil {
			return nil, fmt.Errorf("cluster settings %s: %w", name, err)
		}
		p.out = layer
		if err := p.object("", 1); err != nil {
			return nil, fmt.Errorf("cluster settings %s: %s: %w", name, member, err)
		}
	}
	if _, err := dec.Token(); err != nil { // the closing '}'
		return nil, fmt.Errorf("cluster settings %s: %w", name, jsonErr(err))
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return nil, fmt.Errorf("cluster settings %s: trailing data after the JSON object", name)
	}
	for _, layer := range []map[string]Value{cs.Persistent, cs.Transient} {
		for k, v := range layer {
			if !v.IsList && IsListSetting(k) {
				v.IsList, v.List = true, splitCommaList(v.Scalar)
			}
			if IsSecretKey(k) {
				v = Value{IsList: v.IsList, Secret: true}
			}
			layer[k] = v
		}
	}
	return cs, nil
}

type jsonFlattener struct {
	dec *json.Decoder
	out map[string]Value
}

func jsonErr(err error) error {
	if errors.Is(err, io.EOF) {
		return errors.New("unexpected end of JSON input")
	}
	return fmt.Errorf("malformed JSON: %w", err)
}

func (p *jsonFlattener) expectDelim(d json.Delim, what string) error {
	t, err := p.dec.Token()
	if err != nil {
		return jsonErr(err)
	}
	if t != d {
		return fmt.Errorf("expected %s, found %s", what, tokenKind(t))
	}
	return nil
}

func (p *jsonFlattener) key() (string, error) {
	t, err := p.dec.Token()
	if err != nil {
		return "", jsonErr(err)
	}
	s, ok := t.(string)
	if !ok {
		return "", fmt.Errorf("expected a member name, found %s", tokenKind(t))
	}
	return s, nil
}

// object flattens the members of an object whose '{' was read.
func (p *jsonFlattener) object(prefix string, depth int) error {
	if depth > maxDepth {
		return fmt.Errorf("settings nested deeper than %d levels", maxDepth)
	}
	for p.dec.More() {
		name, err := p.key()
		if err != nil {
			return err
		}
		key := prefix + name
		t, err := p.dec.Token()
		if err != nil {
			return jsonErr(err)
		}
		switch t := t.(type) {
		case json.Delim:
			if t == '{' {
				if err := p.object(key+".", depth+1); err != nil {
					return err
				}
				continue
			}
			// '[': a list of scalars
			var items []string
			for p.dec.More() {
				it, err := p.dec.Token()
				if err != nil {
					return jsonErr(err)
				}
				s, ok := scalarText(it)
				if !ok || it == nil {
					return fmt.Errorf("setting [%s]: only value lists are allowed in serialized settings, found %s in the list", key, tokenKind(it))
				}
				items = append(items, s)
			}
			if _, err := p.dec.Token(); err != nil {
				return jsonErr(err)
			}
			if err := p.put(key, Value{IsList: true, List: items, Scalar: strings.Join(items, ",")}); err != nil {
				return err
			}
		case nil: // null: not set
		default:
			s, _ := scalarText(t)
			if err := p.put(key, Value{Scalar: s}); err != nil {
				return err
			}
		}
	}
	_, err := p.dec.Token() // '}'
	if err != nil {
		return jsonErr(err)
	}
	return nil
}

func (p *jsonFlattener) put(key string, v Value) error {
	if _, dup := p.out[key]; dup {
		return fmt.Errorf("duplicate settings key [%s]", key)
	}
	p.out[key] = v
	return nil
}

// skip reads and discards one JSON value.
func (p *jsonFlattener) skip() error {
	depth := 0
	for {
		t, err := p.dec.Token()
		if err != nil {
			return jsonErr(err)
		}
		if d, ok := t.(json.Delim); ok {
			switch d {
			case '{', '[':
				depth++
			default:
				depth--
			}
		}
		if depth == 0 {
			return nil
		}
		if depth > 10*maxDepth {
			return fmt.Errorf("JSON nested deeper than %d levels", 10*maxDepth)
		}
	}
}

func scalarText(t json.Token) (string, bool) {
	switch t := t.(type) {
	case string:
		return t, true
	case json.Number:
		return t.String(), true
	case bool:
		if t {
			return "true", true
		}
		return "false", true
	}
	return "", false
}

func tokenKind(t json.Token) string {
	switch t := t.(type) {
	case json.Delim:
		switch t {
		case '{':
			return "an object"
		case '[':
			return "a list"
		}
		return fmt.Sprintf("%q", t.String())
	case string:
		return "a string"
	case json.Number:
		return "a number"
	case bool:
		return "a boolean"
	case nil:
		return "null"
	}
	return "something else"
}
