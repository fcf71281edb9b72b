package config

import (
	"regexp"
	"sort"
	"strings"

	"github.com/esdoctor/esdoctor/shared/event"
)

// perAliasSettings are the affix settings cluster.remote.<alias>.<name>.
var perAliasSettings = map[string]bool{
	"mode": true, "seeds": true, "node_connections": true, "proxy": true,
	"proxy_address": true, "proxy_socket_connections": true, "server_name": true,
	"skip_unavailable": true, "transport.ping_schedule": true, "transport.compress": true,
	"transport.compression_scheme": true, "credentials": true,
}

// aliasRE is the namespace pattern of Elasticsearch's affix settings.
var aliasRE = regexp.MustCompile(`^[-\w]+$`)

// remoteAlias splits cluster.remote.<alias>.<name>; ok is false for other
// keys (cluster.remote.initial_connect_timeout, cluster.remote.node.attr).
func remoteAlias(key string) (alias, name string, ok bool) {
	rest, found := strings.CutPrefix(key, "cluster.remote.")
	if !found {
		return "", "", false
	}
	alias, name, found = strings.Cut(rest, ".")
	if !found || !aliasRE.MatchString(alias) || !perAliasSettings[name] {
		return "", "", false
	}
	return alias, name, true
}

// aliases returns every alias that has any per-alias setting, sorted.
func (v *View) aliases() []string {
	set := map[string]bool{}
	for _, k := range v.keys() {
		if a, _, ok := remoteAlias(k); ok {
			set[a] = true
		}
	}
	out := make([]string, 0, len(set))
	for a := range set {
		out = append(out, a)
	}
	sort.Strings(out)
	return out
}

// Remotes lists the cluster.remote.<alias> definitions, sorted by alias. An
// alias exists only when its seeds or proxy_address is non-empty. Source is
// where the address setting comes from ("yml" or "cluster_settings");
// SkipUnavailable is empty unless set (its default depends on the version:
// see Report). HasCredentials is left false: the keystore knows.
func (v *View) Remotes() []event.Remote {
	var out []event.Remote
	for _, a := range v.aliases() {
		p := "cluster.remote." + a + "."
		seedsVal, seedsSrc, _ := v.Get(p + "seeds")
		proxyVal, proxySrc, _ := v.Get(p + "proxy_address")
		seeds := seedsVal.Items()
		proxy := strings.TrimSpace(proxyVal.Scalar)
		if len(seeds) == 0 && proxy == "" {
			continue
		}
		r := event.Remote{
			Alias:           a,
			Mode:            strings.ToLower(strings.TrimSpace(v.str(p+"mode", "sniff"))),
			Seeds:           append([]string(nil), seeds...),
			ProxyAddress:    proxy,
			ServerName:      v.str(p+"server_name", ""),
			SkipUnavailable: v.str(p+"skip_unavailable", ""),
		}
		switch {
		case r.Mode == "proxy" && proxy != "":
			r.Source = proxySrc
		case len(seeds) > 0:
			r.Source = seedsSrc
		default:
			r.Source = proxySrc
		}
		if r.Source == SourceClusterSettings {
			r.Layer = "persistent"
			if v.cs != nil {
				if _, ok := v.cs.Transient[p+"seeds"]; ok {
					r.Layer = "transient"
				}
				if _, ok := v.cs.Transient[p+"proxy_address"]; ok {
					r.Layer = "transient"
				}
			}
		}
		out = append(out, r)
	}
	return out
}
