package config

import (
	"sort"
	"strings"
)

// Sources of a setting's value, as in event.Setting.Source.
const (
	SourceYML             = "yml"
	SourceClusterSettings = "cluster_settings"
	SourceDefault         = "default"
)

// View merges elasticsearch.yml < persistent < transient cluster settings
// (Elasticsearch's precedence for dynamic settings) and knows the 8.x
// defaults.
type View struct {
	yml *YML
	cs  *ClusterSettings
}

// NewView builds a view; either input may be nil.
func NewView(y *YML, cs *ClusterSettings) *View { return &View{yml: y, cs: cs} }

// Get returns a key's explicit value and its source ("yml" or
// "cluster_settings"); ok is false when nothing sets it.
func (v *View) Get(key string) (Value, string, bool) {
	if v.cs != nil {
		if val, ok := v.cs.Transient[key]; ok {
			return val, SourceClusterSettings, true
		}
		if val, ok := v.cs.Persistent[key]; ok {
			return val, SourceClusterSettings, true
		}
	}
	if v.yml != nil {
		if val, ok := v.yml.Values[key]; ok {
			return val, SourceYML, true
		}
	}
	return Value{}, "", false
}

// str returns a key's scalar text, or def when unset.
func (v *View) str(key, def string) string {
	if val, _, ok := v.Get(key); ok && !val.Secret {
		return val.Scalar
	}
	return def
}

// has reports whether a key is explicitly set.
func (v *View) has(key string) bool {
	_, _, ok := v.Get(key)
	return ok
}

// bool reads a boolean setting the way Elasticsearch does (only "true" and
// "false"); an unset or unparseable value gives def.
func (v *View) bool(key string, def bool) bool {
	switch strings.TrimSpace(v.str(key, "")) {
	case "true":
		return true
	case "false":
		return false
	}
	return def
}

// keys returns every explicitly set key, sorted.
func (v *View) keys() []string {
	set := map[string]bool{}
	if v.yml != nil {
		for k := range v.yml.Values {
			set[k] = true
		}
	}
	if v.cs != nil {
		for k := range v.cs.Persistent {
			set[k] = true
		}
		for k := range v.cs.Transient {
			set[k] = true
		}
	}
	out := make([]string, 0, len(set))
	for k := range set {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// ClusterName is cluster.name, default "elasticsearch".
func (v *View) ClusterName() string { return v.str("cluster.name", "elasticsearch") }

// NodeName is node.name, default the host name.
func (v *View) NodeName(hostname string) string { return v.str("node.name", hostname) }

// SecurityEnabled is xpack.security.enabled (8.x default true).
func (v *View) SecurityEnabled() bool { return v.bool("xpack.security.enabled", true) }

// RemoteClusterServerEnabled is remote_cluster_server.enabled (default
// false).
func (v *View) RemoteClusterServerEnabled() bool {
	return v.bool("remote_cluster_server.enabled", false)
}

// firstSet returns the value of the first key of a fallback chain that is
// set, and that key; ok is false when none is.
func (v *View) firstSet(chain ...string) (Value, string, bool) {
	for _, k := range chain {
		if val, _, ok := v.Get(k); ok && len(val.Items()) > 0 {
			return val, k, true
		}
	}
	return Value{}, "", false
}
