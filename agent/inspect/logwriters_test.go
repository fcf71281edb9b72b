package inspect_test

import (
	"encoding/json"
	"fmt"
	"strings"
	"time"
)

// Log writers for the fixtures: ES's plain layout
// ([%d{ISO8601}][%-5p][%-25c{1.}] [%node_name]%marker %m%n) and the 8.x ECS
// JSON layout, with the start lines Node and TransportService print.

// plainLine renders one plain-layout record; more are continuation lines.
func plainLine(t time.Time, level, logger, node, msg string, more ...string) string {
	var b strings.Builder
	fmt.Fprintf(&b, "[%s][%-5s][%-25s] [%s] %s\n", t.UTC().Format("2006-01-02T15:04:05,000"), level, logger, node, msg)
	for _, m := range more {
		b.WriteString(m)
		b.WriteByte('\n')
	}
	return b.String()
}

// ecsLine renders one ECS JSON record.
func ecsLine(t time.Time, level, logger, node, cluster, msg string) string {
	m := map[string]any{
		"@timestamp": t.UTC().Format("2006-01-02T15:04:05.000Z"), "log.level": level, "message": msg,
		"ecs.version": "1.2.0", "service.name": "ES_ECS", "event.dataset": "elasticsearch.server",
		"process.thread.name": "main", "log.logger": logger,
		"elasticsearch.node.name": node, "elasticsearch.cluster.name": cluster,
	}
	b, _ := json.Marshal(m)
	return string(b) + "\n"
}

// startInfo describes one node start for the log writers.
type startInfo struct {
	at                    time.Time
	node, cluster         string
	version               string
	pid                   int
	nodeID                string
	transport, http, rcs  string // publish addresses; rcs empty when the server is off
	distribution, jvmHome string
}

// record is one line of a start sequence.
type record struct {
	at      time.Time
	level   string
	logger  string // short (plain) form
	long    string // full (ECS) form
	message string
}

func (s startInfo) records() []record {
	dist := s.distribution
	if dist == "" {
		dist = "tar"
	}
	ms := func(n int) time.Time { return s.at.Add(time.Duration(n) * time.Millisecond) }
	node := func(n int, msg string) record {
		return record{ms(n), "INFO", "o.e.n.Node", "org.elasticsearch.node.Node", msg}
	}
	rs := []record{
		node(0, fmt.Sprintf("version[%s], pid[%d], build[%s/4a5b4f9c8a5e3f0d9f2c1b7e6a3d2c1b0a9f8e7d/2026-09-17T14:03:25.846Z], OS[Linux/6.8.0-45-generic/amd64], JVM[Oracle Corporation/OpenJDK 64-Bit Server VM/23/23+37-2369]",
			s.version, s.pid, dist)),
		node(2, "JVM home [/usr/share/elasticsearch/jdk], using bundled JDK [true]"),
		node(2100, fmt.Sprintf("node name [%s], node ID [%s], cluster name [%s], roles [data_frozen, ml, data_hot, transform, data_content, data_warm, master, remote_cluster_client, data, data_cold, ingest]",
			s.node, s.nodeID, s.cluster)),
		node(9800, "initialized"),
		node(9801, "starting ..."),
		{ms(9900), "INFO", "o.e.t.TransportService", "org.elasticsearch.transport.TransportService",
			fmt.Sprintf("publish_address {%s}, bound_addresses {%s}", s.transport, s.transport)},
	}
	if s.rcs != "" {
		rs = append(rs, record{ms(9905), "INFO", "o.e.t.TransportService", "org.elasticsearch.transport.TransportService",
			fmt.Sprintf("profile [_remote_cluster]: publish_address {%s}, bound_addresses {%s}", s.rcs, s.rcs)})
	}
	rs = append(rs,
		record{ms(12000), "INFO", "o.e.h.AbstractHttpServerTransport", "org.elasticsearch.http.AbstractHttpServerTransport",
			fmt.Sprintf("publish_address {%s}, bound_addresses {%s}", s.http, s.http)},
		node(12001, fmt.Sprintf("started {%s}{%s}{k9nX2yWbQwq3b8bT9c0sZw}{%s}{%s}{%s}{cdfhilmrstw}{%s}", s.node, s.nodeID, s.node,
			hostOnly(s.transport), s.transport, s.version)),
	)
	return rs
}

func hostOnly(addr string) string {
	if i := strings.LastIndexByte(addr, ':'); i > 0 {
		return addr[:i]
	}
	return addr
}

// plain renders the start in the plain layout.
func (s startInfo) plain() string {
	var b strings.Builder
	for _, r := range s.records() {
		b.WriteString(plainLine(r.at, r.level, r.logger, s.node, r.message))
	}
	return b.String()
}

// ecs renders the start in the ECS JSON layout.
func (s startInfo) ecs() string {
	var b strings.Builder
	for _, r := range s.records() {
		b.WriteString(ecsLine(r.at, r.level, r.long, s.node, s.cluster, r.message))
	}
	return b.String()
}
