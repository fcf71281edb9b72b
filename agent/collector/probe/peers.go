package probe

import (
	"context"
	"net"
	"strconv"
	"strings"

	"github.com/esdoctor/esdoctor/agent/collector/config"
	"github.com/esdoctor/esdoctor/shared/event"
)

// Peers probes the cluster's other nodes with a TCP connect to their
// transport, HTTP and (when this node runs one) remote cluster server
// ports (field report 004: a node that cannot reach a peer's port). Peers
// come from discovery.seed_hosts and from Input.Peers.
type Peers struct{ opts Options }

// Name implements Prober.
func (*Peers) Name() string { return "peers" }

type peerTarget struct {
	addr, purpose, source string
}

// Probe implements Prober.
func (pr *Peers) Probe(ctx context.Context, in *Input, l *Limiter) []event.Probe {
	if in == nil || in.Snapshot == nil {
		return nil
	}
	s := in.Snapshot
	self := map[string]bool{}
	for _, a := range s.Addresses {
		self[a.Host] = true
	}
	if s.Host != "" {
		self[s.Host] = true
	}
	transport := firstPort(s, "transport.port", 9300)
	httpPort := firstPort(s, "http.port", 9200)
	rcPort := 0
	if setting(s, "remote_cluster_server.enabled", "false") == "true" {
		rcPort = firstPort(s, "remote_cluster.port", 9443)
	}
	var targets []peerTarget
	seen := map[string]bool{}
	add := func(host string, port int, purpose, source string) {
		if host == "" || port <= 0 || self[host] || len(targets) >= pr.opts.MaxTargets {
			return
		}
		addr := net.JoinHostPort(host, strconv.Itoa(port))
		if seen[purpose+addr] {
			return
		}
		seen[purpose+addr] = true
		targets = append(targets, peerTarget{addr, purpose, source})
	}
	if v, ok := s.Settings["discovery.seed_hosts"]; ok {
		hosts := v.Values
		if len(hosts) == 0 && v.Value != "" {
			hosts = strings.Split(v.Value, ",")
		}
		for _, h := range hosts {
			host, port := splitSeed(strings.TrimSpace(h), transport)
			add(host, port, PurposePeerTransport, "discovery.seed_hosts")
			add(host, httpPort, PurposePeerHTTP, "discovery.seed_hosts")
			if rcPort > 0 {
				add(host, rcPort, PurposePeerRemoteCluster, "discovery.seed_hosts")
			}
		}
	}
	for _, a := range in.Peers {
		switch a.Profile {
		case "transport":
			add(a.Host, a.Port, PurposePeerTransport, "model")
		case "http":
			add(a.Host, a.Port, PurposePeerHTTP, "model")
		case "remote_cluster":
			add(a.Host, a.Port, PurposePeerRemoteCluster, "model")
		}
	}
	return runAll(ctx, l, targets, func(t peerTarget) event.Probe {
		p := event.Probe{Kind: "tcp", Target: t.addr, Purpose: t.purpose, Source: t.source}
		c, took, kind, err := dial(ctx, t.addr, pr.opts.ConnectTimeout)
		p.LatencyMS = float64(took.Microseconds()) / 1000
		if err != nil {
			p.Error, p.ErrorKind = errText(err), kind
			if m := describeKind(kind); m != "" {
				p.Facts = map[string]string{"meaning": m}
			}
			return p
		}
		_ = c.Close()
		p.OK = true
		return p
	})
}

// splitSeed splits a discovery.seed_hosts entry (host, host:port,
// [v6]:port) with the default port.
func splitSeed(s string, def int) (string, int) {
	if h, p, err := net.SplitHostPort(s); err == nil {
		if n, err := strconv.Atoi(p); err == nil {
			return h, n
		}
		return h, def
	}
	return strings.TrimSuffix(strings.TrimPrefix(s, "["), "]"), def
}

func firstPort(s *event.Snapshot, key string, def int) int {
	if v, ok := s.Settings[key]; ok {
		if p := config.FirstPort(v.Value); p > 0 {
			return p
		}
	}
	return def
}
