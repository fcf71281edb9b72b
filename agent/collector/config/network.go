package config

import (
	"net"
	"regexp"
	"sort"
	"strconv"
	"strings"

	"github.com/esdoctor/esdoctor/shared/event"
)

// Fallback chains of the host settings (first set wins), 8.x.
var (
	transportBindChain    = []string{"transport.bind_host", "transport.host", "network.bind_host", "network.host"}
	transportPublishChain = []string{"transport.publish_host", "transport.host", "network.publish_host", "network.host"}
	httpBindChain         = []string{"http.bind_host", "http.host", "network.bind_host", "network.host"}
	httpPublishChain      = []string{"http.publish_host", "http.host", "network.publish_host", "network.host"}
	// remote_cluster.host falls back to transport.bind_host (→
	// transport.host); when that is empty too the profile uses the global
	// network bind/publish host.
	remoteHostChain    = []string{"remote_cluster.host", "transport.bind_host", "transport.host", "network.bind_host", "network.host"}
	remoteBindChain    = append([]string{"remote_cluster.bind_host"}, remoteHostChain...)
	remotePublishChain = []string{"remote_cluster.publish_host", "remote_cluster.host", "transport.bind_host", "transport.host", "network.publish_host", "network.host"}
)

// defaultNetworkHost is network.host's default (loopback).
const defaultNetworkHost = "_local_"

// Listeners returns the addresses this node publishes according to its
// settings: transport, remote_cluster (only when the server is enabled) and
// http, one per publish host, with the publish port when set, else the
// first port of the port range. Hosts are as written (special values such
// as _local_ or 0.0.0.0 are left to the caller). Source is "settings".
func (v *View) Listeners() []event.Address {
	var out []event.Address
	add := func(profile string, chain []string, publishPort, port, defPort string) {
		hosts := []string{defaultNetworkHost}
		if val, _, ok := v.firstSet(chain...); ok {
			hosts = val.Items()
		}
		p := -1
		if s := v.str(publishPort, ""); s != "" {
			if n, err := strconv.Atoi(strings.TrimSpace(s)); err == nil && n >= 0 {
				p = n
			}
		}
		if p < 0 {
			p = FirstPort(v.str(port, defPort))
		}
		for _, h := range hosts {
			out = append(out, event.Address{Profile: profile, Host: h, Port: p, Source: "settings"})
		}
	}
	add("transport", transportPublishChain, "transport.publish_port", "transport.port", "9300-9400")
	if v.RemoteClusterServerEnabled() {
		add("remote_cluster", remotePublishChain, "remote_cluster.publish_port", "remote_cluster.port", "9443")
	}
	add("http", httpPublishChain, "http.publish_port", "http.port", "9200-9300")
	return out
}

// FirstPort returns the first port of a port setting ("9300-9400",
// "9300,9301", "9443"); 0 when it does not parse.
func FirstPort(s string) int {
	s, _, _ = strings.Cut(s, ",")
	s, _, _ = strings.Cut(s, "-")
	n, err := strconv.Atoi(strings.TrimSpace(s))
	if err != nil || n < 0 || n > 65535 {
		return 0
	}
	return n
}

var loopbackSpecialRE = regexp.MustCompile(`^_(local|lo\d*)(:ipv[46])?_$`)

// IsLoopback reports whether a host setting value names only loopback
// addresses: _local_, _lo_ (and their :ipv4/:ipv6 forms), localhost,
// 127.0.0.0/8, ::1 (bracketed or not).
func IsLoopback(host string) bool {
	h := strings.ToLower(strings.TrimSpace(host))
	if loopbackSpecialRE.MatchString(h) {
		return true
	}
	switch h {
	case "localhost", "localhost.localdomain", "ip6-localhost", "ip6-loopback":
		return true
	}
	h = strings.TrimSuffix(strings.TrimPrefix(h, "["), "]")
	if i := strings.IndexByte(h, '%'); i >= 0 { // zone
		h = h[:i]
	}
	ip := net.ParseIP(h)
	return ip != nil && ip.IsLoopback()
}

// S3Clients returns the names of the S3 clients that have any
// s3.client.<name>.* setting in the yml, sorted.
func (v *View) S3Clients() []string {
	if v.yml == nil {
		return nil
	}
	set := map[string]bool{}
	for k := range v.yml.Values {
		rest, ok := strings.CutPrefix(k, "s3.client.")
		if !ok {
			continue
		}
		if name, _, ok := strings.Cut(rest, "."); ok && name != "" {
			set[name] = true
		}
	}
	out := make([]string, 0, len(set))
	for n := range set {
		out = append(out, n)
	}
	sort.Strings(out)
	return out
}
