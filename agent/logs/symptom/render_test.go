package symptom

import (
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/esdoctor/esdoctor/agent/logs/layout"
	"github.com/esdoctor/esdoctor/agent/logs/record"
)

// fullLogger expands the abbreviated loggers the plain layout prints into
// the class names ECS JSON prints.
var fullLogger = map[string]string{
	"o.e.t.ProxyConnectionStrategy":         "org.elasticsearch.transport.ProxyConnectionStrategy",
	"o.e.t.SniffConnectionStrategy":         "org.elasticsearch.transport.SniffConnectionStrategy",
	"o.e.t.RemoteClusterService":            "org.elasticsearch.transport.RemoteClusterService",
	"o.e.t.RemoteClusterConnection":         "org.elasticsearch.transport.RemoteClusterConnection",
	"o.e.t.ClusterConnectionManager":        "org.elasticsearch.transport.ClusterConnectionManager",
	"o.e.t.TcpTransport":                    "org.elasticsearch.transport.TcpTransport",
	"o.e.t.TransportService":                "org.elasticsearch.transport.TransportService",
	"o.e.c.s.DiagnosticTrustManager":        "org.elasticsearch.common.ssl.DiagnosticTrustManager",
	"o.e.x.c.s.t.n.SecurityNetty4Transport": "org.elasticsearch.xpack.core.security.transport.netty4.SecurityNetty4Transport",
	"o.e.x.s.a.ApiKeyAuthenticator":         "org.elasticsearch.xpack.security.authc.ApiKeyAuthenticator",
	"o.e.x.s.a.AuthenticationService":       "org.elasticsearch.xpack.security.authc.AuthenticationService",
	"o.e.n.Node":                            "org.elasticsearch.node.Node",
	"o.e.h.AbstractHttpServerTransport":     "org.elasticsearch.http.AbstractHttpServerTransport",
	"o.e.h.n.Netty4HttpServerTransport":     "org.elasticsearch.http.netty4.Netty4HttpServerTransport",
	"o.e.c.NodeConnectionsService":          "org.elasticsearch.cluster.NodeConnectionsService",
	"r.suppressed":                          "rest.suppressed",
	"o.e.x.w.a.w.ExecutableWebhookAction":   "org.elasticsearch.xpack.watcher.actions.webhook.ExecutableWebhookAction",
	"o.e.r.s.S3BlobStore":                   "org.elasticsearch.repositories.s3.S3BlobStore",
	"o.e.d.PeerFinder":                      "org.elasticsearch.discovery.PeerFinder",
	"o.e.x.s.t.ServerTransportFilter":       "org.elasticsearch.xpack.security.transport.ServerTransportFilter",
}

// logEvent is one ES log event to render in each layout.
type logEvent struct {
	level, logger, node string
	message             string   // the message line
	stack               []string // the lines ES writes after it (exception, "\tat ...", "Caused by: ...")
}

const renderTime = "2023-06-28T16:36:47,264"

func jsonStr(s string) string {
	b, _ := json.Marshal(s) // escapes <, >, & as \u003c...: the reader must decode them
	return string(b)
}

// plain renders the pattern layout.
func (e logEvent) plain() string {
	lines := []string{fmt.Sprintf("[%s][%-5s][%-25s] [%s] %s", renderTime, e.level, e.logger, e.node, e.message)}
	return strings.Join(append(lines, e.stack...), "\n") + "\n"
}

// ecs renders the 8.x ECS JSON layout: the throwable goes to error.*.
func (e logEvent) ecs() string {
	logger := fullLogger[e.logger]
	if logger == "" {
		logger = e.logger
	}
	var b strings.Builder
	fmt.Fprintf(&b, `{"@timestamp":"2023-06-28T16:36:47.264Z", "log.level": %s, "message":%s, "ecs.version": "1.2.0","service.name":"ES_ECS","event.dataset":"elasticsearch.server","process.thread.name":"elasticsearch[%s][transport_worker][T#3]","log.logger":%s,"elasticsearch.cluster.uuid":"Ovd7ACGzQ3Ot0OCHQf5R8w","elasticsearch.node.id":"aBcD1234efGH5678ijKL90","elasticsearch.node.name":%s,"elasticsearch.cluster.name":"local"`,
		jsonStr(e.level), jsonStr(e.message), e.node, jsonStr(logger), jsonStr(e.node))
	if len(e.stack) > 0 {
		typ, msg, _ := strings.Cut(strings.TrimPrefix(e.stack[0], "Caused by: "), ": ")
		fmt.Fprintf(&b, `,"error.type":%s,"error.message":%s,"error.stack_trace":%s`, jsonStr(typ), jsonStr(msg), jsonStr(strings.Join(e.stack, "\n")))
	}
	b.WriteString("}\n")
	return b.String()
}

// json7 renders the 7.x JSON layout with its stacktrace array.
func (e logEvent) json7() string {
	var b strings.Builder
	fmt.Fprintf(&b, `{"type": "server", "timestamp": "2023-06-28T16:36:47,264Z", "level": %s, "component": %s, "cluster.name": "local", "node.name": %s, "message": %s`,
		jsonStr(e.level), jsonStr(e.logger), jsonStr(e.node), jsonStr(e.message))
	if len(e.stack) > 0 {
		parts := make([]string, len(e.stack))
		for i, l := range e.stack {
			parts[i] = jsonStr(l)
		}
		fmt.Fprintf(&b, `, "stacktrace": [%s]`, strings.Join(parts, ", "))
	}
	b.WriteString(" }\n")
	return b.String()
}

// joinAll runs text through a Joiner and returns every record, foreign ones
// included (parsed with ParseForeign), in order.
func joinAll(text string) ([]record.Record, []bool) {
	j := layout.NewJoiner("test.log", layout.Options{Location: time.UTC})
	var recs []record.Record
	var foreign []bool
	take := func(raws []layout.Raw) {
		for i := range raws {
			if raws[i].Kind == layout.KindForeign {
				recs = append(recs, j.ParseForeign(&raws[i]))
				foreign = append(foreign, true)
			} else {
				recs = append(recs, j.Parse(&raws[i]))
				foreign = append(foreign, false)
			}
		}
	}
	var off, no int64
	for _, l := range strings.SplitAfter(text, "\n") {
		if l == "" {
			continue
		}
		no++
		line := strings.TrimSuffix(l, "\n")
		take(j.PushRaw([]byte(line), off, off+int64(len(l)), no))
		off += int64(len(l))
	}
	take(j.FlushRaw())
	return recs, foreign
}
