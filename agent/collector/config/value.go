package config

import (
	"sort"
	"strings"

	"github.com/esdoctor/esdoctor/shared/secret"
)

// Value is one setting's raw value as ES would see it after substitution and
// flattening.
type Value struct {
	// Scalar is the scalar text as written ("true", "9443"); for a list, the
	// items joined with "," (or the original text of a comma-separated
	// string). Empty when Secret.
	Scalar string
	// List holds the items when IsList. Nil when Secret.
	List   []string
	IsList bool
	// Line is the 1-based line in the file (0 when not from a file).
	Line int
	// Secret is true when the key holds a password-like value (legacy
	// *.password, *.key_passphrase, S3 keys, credentials): Scalar and List
	// are empty and the value is only in YML.SecretValue.
	Secret bool
}

// Items returns the value as a list: List for a list, else the scalar as a
// one-item list (nil for an empty or secret value).
func (v Value) Items() []string {
	if v.IsList {
		return v.List
	}
	if v.Scalar == "" {
		return nil
	}
	return []string{v.Scalar}
}

// Override records a flat key set twice through different YAML forms
// ("a.b: 1" and "a: {b: 2}"). Elasticsearch 8.x keeps the later value
// without a warning.
type Override struct {
	Key          string
	Line         int // the line whose value wins
	PreviousLine int // the line whose value is ignored
}

// YML is one parsed elasticsearch.yml.
type YML struct {
	// Path is the file's path (or the name given to Parse).
	Path string
	// Values holds every setting by its flat dotted key.
	Values map[string]Value
	// Overrides lists keys set twice through different forms, in file order.
	Overrides []Override
	// Warnings are things Elasticsearch accepts silently but that likely do
	// not mean what the author intended (an unexpanded YAML alias).
	Warnings []string

	secrets map[string]secret.Bytes
}

// SecretValue returns the value of a secret-looking key set in the yml
// (legacy passwords, for opening files locally). List values are joined
// with ",".
func (y *YML) SecretValue(key string) (secret.Bytes, bool) {
	if y == nil {
		return secret.Bytes{}, false
	}
	s, ok := y.secrets[key]
	return s, ok
}

// Keys returns the flat keys in sorted order.
func (y *YML) Keys() []string {
	if y == nil {
		return nil
	}
	return sortedKeys(y.Values)
}

func sortedKeys(m map[string]Value) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// IsSecretKey reports whether a setting key holds a password-like value that
// must never be printed: *.password, *.secure_password, *.key_password,
// *.key_passphrase and their secure_ forms, *.access_key, *.secret_key,
// *.session_token, and any key containing "credentials"; and, by structure
// and near misses (secret.IsSecretName), anything below such a key and
// names within a small edit distance of one ("keystore.pasword").
func IsSecretKey(key string) bool {
	if secret.IsSecretName(key) {
		return true
	}
	k := strings.ToLower(key)
	if strings.Contains(k, "credentials") {
		return true
	}
	last := k
	if i := strings.LastIndexByte(k, '.'); i >= 0 {
		last = k[i+1:]
	}
	switch last {
	case "access_key", "secret_key", "session_token":
		return true
	}
	return strings.Contains(last, "password") || strings.Contains(last, "passphrase")
}

// IsListSetting reports whether Elasticsearch reads a key as a list setting,
// so that a plain string value is split on commas.
func IsListSetting(key string) bool {
	switch key {
	case "path.data", "path.repo", "node.roles", "discovery.seed_hosts", "discovery.seed_providers",
		"cluster.initial_master_nodes":
		return true
	}
	for _, p := range []string{"network.", "transport.", "http.", "remote_cluster."} {
		switch strings.TrimPrefix(key, p) {
		case "host", "bind_host", "publish_host":
			if strings.HasPrefix(key, p) {
				return true
			}
		}
	}
	if strings.HasPrefix(key, "transport.profiles.") &&
		(strings.HasSuffix(key, ".bind_host") || strings.HasSuffix(key, ".publish_host")) {
		return true
	}
	if strings.HasPrefix(key, "cluster.remote.") && strings.HasSuffix(key, ".seeds") {
		return true
	}
	for _, s := range []string{".ssl.certificate_authorities", ".ssl.supported_protocols", ".ssl.cipher_suites"} {
		if strings.HasSuffix(key, s) {
			return true
		}
	}
	return false
}

// splitCommaList splits a list setting given as one string the way
// Elasticsearch's Settings.getAsList does: split on ",", drop trailing empty
// items (Java's String.split), trim each item.
func splitCommaList(s string) []string {
	if s == "" {
		return nil
	}
	parts := strings.Split(s, ",")
	for len(parts) > 0 && parts[len(parts)-1] == "" {
		parts = parts[:len(parts)-1]
	}
	for i, p := range parts {
		parts[i] = strings.TrimSpace(p)
	}
	return parts
}
