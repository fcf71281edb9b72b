package config

import (
	"strings"

	"github.com/esdoctor/esdoctor/shared/event"
	"github.com/esdoctor/esdoctor/shared/secret"
)

// reportExact and reportPrefixes select the settings that matter here.
var (
	reportExact = map[string]bool{
		"cluster.name": true, "node.name": true, "node.roles": true, "xpack.security.enabled": true,
		"xpack.security.enrollment.enabled": true,
		"discovery.seed_hosts":              true, "http.host": true, "http.bind_host": true, "http.publish_host": true,
		"http.port": true,
	}
	reportPrefixes = []string{
		"path.", "network.", "transport.", "remote_cluster_server.", "remote_cluster.", "cluster.remote.", "s3.client.",
		SSLTransport + ".ssl.", SSLHTTP + ".ssl.", SSLRemoteClusterServer + ".ssl.", SSLRemoteClusterClient + ".ssl.",
	}
)

// Reportable reports whether Report includes an explicit key.
func Reportable(key string) bool {
	if reportExact[key] {
		return true
	}
	for _, p := range reportPrefixes {
		if strings.HasPrefix(key, p) {
			return true
		}
	}
	return false
}

// skipUnavailableNote explains skip_unavailable's version-dependent default.
const skipUnavailableNote = "true since 8.15, false before"

// Report returns every setting that matters for remote clusters (see
// Reportable) with its explicit value and source, plus Elasticsearch 8.x's
// defaults for the ones that are unset, marked Default with Source
// "default" (and a Note when the default is derived or version-dependent).
// Secret values appear as "<redacted>".
func (v *View) Report() map[string]event.Setting {
	out := map[string]event.Setting{}
	for _, k := range v.keys() {
		if !Reportable(k) {
			continue
		}
		val, src, _ := v.Get(k)
		out[k] = settingOf(val, src)
	}
	r := reporter{v: v, out: out}

	r.def("cluster.name", "elasticsearch", "")
	r.defList("network.host", defaultNetworkHost, "loopback")
	r.derived("network.bind_host", []string{"network.host"})
	r.derived("network.publish_host", []string{"network.host"})

	r.def("transport.port", "9300-9400", "the first free port of the range")
	r.def("transport.publish_port", "-1", "-1: the bound port")
	r.def("transport.ping_schedule", "-1", "-1: off")
	r.derived("transport.bind_host", transportBindChain[1:])
	r.derived("transport.publish_host", transportPublishChain[1:])

	r.def("http.port", "9200-9300", "the first free port of the range")
	r.derived("http.bind_host", httpBindChain[1:])
	r.derived("http.publish_host", httpPublishChain[1:])

	r.def("remote_cluster_server.enabled", "false", "")
	r.def("remote_cluster.port", "9443", "")
	r.def("remote_cluster.publish_port", "-1", "-1: the bound port")
	r.derived("remote_cluster.host", remoteHostChain[1:])
	r.derived("remote_cluster.bind_host", remoteBindChain[1:])
	r.derived("remote_cluster.publish_host", remotePublishChain[1:])

	r.def("xpack.security.enabled", "true", "8.x default; on 7.x basic/trial licences security stays off unless set")
	r.def("xpack.security.enrollment.enabled", "false", "")
	for _, p := range SSLContexts {
		r.ssl(p)
	}
	r.remotes()
	for _, c := range v.S3Clients() {
		p := "s3.client." + c + "."
		r.def(p+"protocol", "https", "")
		r.def(p+"path_style_access", "false", "")
		r.def(p+"disable_chunked_encoding", "false", "")
		r.def(p+"use_throttle_retries", "true", "")
	}
	return out
}

func settingOf(val Value, src string) event.Setting {
	if val.Secret {
		return event.Setting{Value: secret.Redacted, Source: src}
	}
	s := event.Setting{Value: secret.Scrub(val.Scalar), Source: src}
	if val.IsList {
		s.Values = make([]string, len(val.List))
		for i, v := range val.List {
			s.Values[i] = secret.Scrub(v)
		}
	}
	return s
}

type reporter struct {
	v   *View
	out map[string]event.Setting
}

// def fills an unset key with a scalar default.
func (r reporter) def(key, value, note string) {
	if _, ok := r.out[key]; !ok {
		r.out[key] = event.Setting{Value: value, Default: true, Source: SourceDefault, Note: note}
	}
}

// defList fills an unset list key with a one-item default.
func (r reporter) defList(key, value, note string) {
	if _, ok := r.out[key]; !ok {
		r.out[key] = event.Setting{Value: value, Values: []string{value}, Default: true, Source: SourceDefault, Note: note}
	}
}

// derived fills an unset host key from the first set key of its fallback
// chain, else network.host's default; the Note names where it came from.
func (r reporter) derived(key string, chain []string) {
	if _, ok := r.out[key]; ok {
		return
	}
	if val, from, ok := r.v.firstSet(chain...); ok {
		s := settingOf(val, SourceDefault)
		s.Default, s.Note = true, "from "+from
		r.out[key] = s
		return
	}
	r.defList(key, defaultNetworkHost, "network.host default (loopback), via "+strings.Join(chain, " → "))
}

func (r reporter) ssl(prefix string) {
	k := prefix + ".ssl."
	enabled, clientAuth := sslDefaults(prefix)
	note := ""
	if enabled {
		note = "enabled by default for the remote cluster contexts, unlike transport and http"
	}
	r.def(k+"enabled", boolText(enabled), note)
	r.def(k+"verification_mode", "full", "")
	if clientAuth != "" {
		r.def(k+"client_authentication", clientAuth, "")
	}
	c := r.v.SSL(prefix)
	if c.KeystoreTypeInferred {
		r.def(k+"keystore.type", c.KeystoreType, "inferred from the keystore.path extension")
	}
	if c.TruststoreTypeInferred {
		r.def(k+"truststore.type", c.TruststoreType, "inferred from the truststore.path extension")
	}
}

func (r reporter) remotes() {
	remotes := r.v.Remotes()
	if len(remotes) == 0 {
		return
	}
	perCluster := r.v.str("cluster.remote.connections_per_cluster", "3")
	r.def("cluster.remote.initial_connect_timeout", "30s", "")
	r.def("cluster.remote.connections_per_cluster", "3", "")
	pingSchedule := r.v.str("transport.ping_schedule", "-1")
	for _, rem := range remotes {
		p := "cluster.remote." + rem.Alias + "."
		r.def(p+"mode", "sniff", "")
		r.def(p+"skip_unavailable", "true", skipUnavailableNote)
		switch rem.Mode {
		case "proxy":
			r.def(p+"proxy_socket_connections", "18", "")
		default:
			r.def(p+"node_connections", perCluster, "= cluster.remote.connections_per_cluster")
		}
		r.def(p+"transport.ping_schedule", pingSchedule, "= transport.ping_schedule")
	}
}

func boolText(b bool) string {
	if b {
		return "true"
	}
	return "false"
}
