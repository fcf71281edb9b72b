package acceptance_test

import (
	"encoding/json"
	"fmt"
	"strings"
	"time"
)

// rec is one log event, rendered in any of the server log layouts.
type rec struct {
	t      time.Time
	level  string
	logger string // full class name
	msg    string
	// exc are the exception lines: "a.b.FooException: text", "\tat ...",
	// "Caused by: ...".
	exc []string
}

// abbreviate renders %c{1.}: org.elasticsearch.transport.X -> o.e.t.X.
func abbreviate(logger string) string {
	parts := strings.Split(logger, ".")
	for i := 0; i < len(parts)-1; i++ {
		if parts[i] != "" {
			parts[i] = parts[i][:1]
		}
	}
	return strings.Join(parts, ".")
}

func jstr(s string) string {
	b, _ := json.Marshal(s)
	return string(b)
}

// render writes the event in a layout.
func (r rec) render(layout, cluster, node string) string {
	switch layout {
	case "ecs":
		// ES 8 ECSJsonLayout: the field order and spacing ES writes.
		var b strings.Builder
		fmt.Fprintf(&b, `{"@timestamp":%s, "log.level": %s, "message":%s, "ecs.version": "1.2.0","service.name":"ES_ECS","event.dataset":"elasticsearch.server","process.thread.name":%s,"log.logger":%s`,
			jstr(r.t.UTC().Format("2006-01-02T15:04:05.000Z")), jstr(r.level), jstr(r.msg), jstr("elasticsearch["+node+"][transport_worker][T#2]"), jstr(r.logger))
		fmt.Fprintf(&b, `,"elasticsearch.cluster.uuid":"5tVh1QqjQJ-mWkD2hH0R7A","elasticsearch.node.id":%s,"elasticsearch.node.name":%s,"elasticsearch.cluster.name":%s`,
			jstr("id-"+node), jstr(node), jstr(cluster))
		if len(r.exc) > 0 {
			typ, msg, _ := strings.Cut(r.exc[0], ": ")
			fmt.Fprintf(&b, `,"error.type":%s,"error.message":%s,"error.stack_trace":%s`, jstr(typ), jstr(msg), jstr(strings.Join(r.exc, "\n")))
		}
		b.WriteString("}")
		return b.String()
	case "json7":
		// ES 7 ESJsonLayout, type server, stack trace as an array.
		var b strings.Builder
		fmt.Fprintf(&b, `{"type": "server", "timestamp": %s, "level": %s, "component": %s, "cluster.name": %s, "node.name": %s, "message": %s, "cluster.uuid": "5tVh1QqjQJ-mWkD2hH0R7A", "node.id": %s `,
			jstr(r.t.UTC().Format("2006-01-02T15:04:05,000Z")), jstr(r.level), jstr(abbreviate(r.logger)), jstr(cluster), jstr(node), jstr(r.msg), jstr("id-"+node))
		if len(r.exc) > 0 {
			var items []string
			for _, l := range r.exc {
				items = append(items, jstr(l))
			}
			fmt.Fprintf(&b, `, "stacktrace": [%s] `, strings.Join(items, ","))
		}
		b.WriteString("}")
		return b.String()
	default:
		// [%d{ISO8601}][%-5p][%-25c{1.}] [%node_name]%marker %m%n
		var b strings.Builder
		fmt.Fprintf(&b, "[%s][%-5s][%-25s] [%s] %s", r.t.UTC().Format("2006-01-02T15:04:05,000"), r.level, abbreviate(r.logger), node, r.msg)
		for _, l := range r.exc {
			b.WriteByte('\n')
			b.WriteString(l)
		}
		return b.String()
	}
}

// Loggers.
const (
	lNode      = "org.elasticsearch.node.Node"
	lTransport = "org.elasticsearch.transport.TransportService"
	lHTTP      = "org.elasticsearch.http.AbstractHttpServerTransport"
	lSniff     = "org.elasticsearch.transport.SniffConnectionStrategy"
	lProxy     = "org.elasticsearch.transport.ProxyConnectionStrategy"
	lConnMgr   = "org.elasticsearch.transport.ClusterConnectionManager"
	lTrust     = "org.elasticsearch.common.ssl.DiagnosticTrustManager"
	lSecNetty  = "org.elasticsearch.xpack.core.security.transport.netty4.SecurityNetty4Transport"
	lTcp       = "org.elasticsearch.transport.TcpTransport"
	lApiKey    = "org.elasticsearch.xpack.security.authc.ApiKeyAuthenticator"
	lSuppress  = "rest.suppressed"
	lHTTPSrv   = "org.elasticsearch.http.netty4.Netty4HttpServerTransport"
)

var frames = []string{
	"\tat org.elasticsearch.transport.TcpTransport$ChannelsConnectedListener.onFailure(TcpTransport.java:1124) ~[elasticsearch-8.13.4.jar:8.13.4]",
	"\tat org.elasticsearch.action.ActionListener$2.onFailure(ActionListener.java:180) ~[elasticsearch-8.13.4.jar:8.13.4]",
	"\tat java.lang.Thread.run(Thread.java:1583) ~[?:?]",
}

// startLines are the identity lines of a node start (8.x).
func startLines(t time.Time, version, cluster, node, host string, transportPort, httpPort int) []rec {
	return []rec{
		{t: t, level: "INFO", logger: lNode, msg: fmt.Sprintf("version[%s], pid[%d], build[tar/48a287ab9497e852de30327444b0809e55d46466/2024-05-02T14:12:49.119834419Z], OS[Linux/6.1.0-18-amd64/amd64], JVM[Oracle Corporation/OpenJDK 64-Bit Server VM/22/22+36-2370]", version, 4000+len(node))},
		{t: t.Add(40 * time.Millisecond), level: "INFO", logger: lNode, msg: fmt.Sprintf("node name [%s], node ID [id-%s], cluster name [%s], roles [data_frozen, ingest, data_cold, data, remote_cluster_client, master, data_warm, data_content, transform, data_hot, ml]", node, node, cluster)},
		{t: t.Add(9 * time.Second), level: "INFO", logger: lNode, msg: "initialized"},
		{t: t.Add(9*time.Second + 10*time.Millisecond), level: "INFO", logger: lNode, msg: "starting ..."},
		{t: t.Add(10 * time.Second), level: "INFO", logger: lTransport, msg: fmt.Sprintf("publish_address {%s:%d}, bound_addresses {%s:%d}", host, transportPort, host, transportPort)},
		{t: t.Add(12 * time.Second), level: "INFO", logger: lHTTP, msg: fmt.Sprintf("publish_address {%s:%d}, bound_addresses {%s:%d}", host, httpPort, host, httpPort)},
		{t: t.Add(13 * time.Second), level: "INFO", logger: lNode, msg: fmt.Sprintf("started {%s}{id-%s}{eph-%s}{%s}{%s}{%s:%d}{cdfhilmrstw}{8.13.4}{7000099-8503000}", node, node, node, node, host, host, transportPort)},
	}
}

// stopLines are a node's shutdown lines.
func stopLines(t time.Time) []rec {
	return []rec{
		{t: t, level: "INFO", logger: lNode, msg: "stopping ..."},
		{t: t.Add(800 * time.Millisecond), level: "INFO", logger: lNode, msg: "stopped"},
		{t: t.Add(810 * time.Millisecond), level: "INFO", logger: lNode, msg: "closing ..."},
		{t: t.Add(900 * time.Millisecond), level: "INFO", logger: lNode, msg: "closed"},
	}
}

// connectFailed: the local side of an unreachable remote (guide 001).
func connectFailed(t time.Time, mode, alias, addr string) rec {
	r := rec{t: t, level: "WARN", logger: lSniff, msg: fmt.Sprintf("fetching nodes from external cluster [%s] failed", alias)}
	if mode == "proxy" {
		r.logger, r.msg = lProxy, fmt.Sprintf("failed to open any proxy connections to cluster [%s]", alias)
	}
	r.exc = append([]string{fmt.Sprintf("org.elasticsearch.transport.ConnectTransportException: [][%s] connect_exception", addr)}, frames...)
	r.exc = append(r.exc, fmt.Sprintf("Caused by: io.netty.channel.AbstractChannel$AnnotatedConnectException: Connection refused: /%s", addr),
		"Caused by: java.net.ConnectException: Connection refused",
		"\tat sun.nio.ch.Net.pollConnect(Native Method) ~[?:?]",
		"\tat io.netty.channel.socket.nio.NioSocketChannel.doFinishConnect(NioSocketChannel.java:337) ~[?:?]",
		"\t... 1 more")
	return r
}

// handshakeFailed: the local side of a failure the remote node returned
// for the remote cluster handshake.
func handshakeFailed(t time.Time, mode, alias, remoteNode, remoteAddr, cause string) rec {
	r := rec{t: t, level: "WARN", logger: lSniff, msg: fmt.Sprintf("fetching nodes from external cluster [%s] failed", alias)}
	if mode == "proxy" {
		r.logger, r.msg = lProxy, fmt.Sprintf("failed to open any proxy connections to cluster [%s]", alias)
	}
	r.exc = []string{
		fmt.Sprintf("org.elasticsearch.transport.RemoteTransportException: [%s][%s][cluster:internal/remote_cluster/handshake]", remoteNode, remoteAddr),
		"Caused by: " + cause,
		"\tat org.elasticsearch.xpack.security.authc.AuthenticationService$Authenticator.handleNullToken(AuthenticationService.java:512) ~[?:?]",
		"\tat org.elasticsearch.xpack.security.authc.AuthenticatorChain.handleNullToken(AuthenticatorChain.java:248) ~[?:?]",
	}
	return r
}

const (
	causeMissingAuth  = "org.elasticsearch.ElasticsearchSecurityException: missing authentication credentials for action [cluster:internal/remote_cluster/handshake]"
	causeProfile      = "java.lang.IllegalArgumentException: remote cluster handshake action requires channel profile to be [_remote_cluster], but got [default]"
	causeAnonymous    = "org.elasticsearch.ElasticsearchSecurityException: action [cluster:internal/remote_cluster/handshake] is unauthorized for user [anonymous_foo] with effective roles [reporting_user], this action is granted by the cluster privileges [cross_cluster_search,cross_cluster_replication,manage,all]"
	causeNoHeader     = "java.lang.IllegalArgumentException: Cross cluster requests through the dedicated remote cluster server port require transport header [_cross_cluster_access_credentials] but none found. Please ensure you have configured remote cluster credentials on the cluster originating the request."
	pkixPathBuilding  = "sun.security.validator.ValidatorException: PKIX path building failed: sun.security.provider.certpath.SunCertPathBuilderException: unable to find valid certification path to requested target"
	restKeyCauseFmt   = "org.elasticsearch.ElasticsearchSecurityException: authentication expected API key type of [cross_cluster], but API key [%s] has type [rest]"
	unableToAuthCause = "org.elasticsearch.ElasticsearchSecurityException: unable to authenticate user [%s] for action [cluster:internal/remote_cluster/handshake]"
)

// trust is DiagnosticTrustManager's warning (8.x form) on the local node.
type trust struct {
	server      string // "[192.168.0.42]" content: an IP, a host, or <unknown host>
	subject     string
	fingerprint string
	notBefore   time.Time
	notAfter    time.Time
	now         time.Time
	dates       string // "certificate dates are valid"
	sans        []string
	issuer      string
	context     string // "xpack.security.remote_cluster_client.ssl (with trust configuration: PEM-trust{/etc/..})"
	trustTail   string // "is not configured to trust that issuer, it only trusts the issuer [..] with fingerprint [..]"
	cause       []string
}

func (x trust) rec(t time.Time) rec {
	dates := x.dates
	if dates == "" {
		dates = "certificate dates are valid"
	}
	msg := fmt.Sprintf("failed to establish trust with server at [%s]; the server provided a certificate with subject name [%s], fingerprint [%s], no keyUsage and no extendedKeyUsage; "+
		"the certificate is valid between [%s] and [%s] (current time is [%s], %s); the session uses cipher suite [TLS_AES_256_GCM_SHA384] and protocol [TLSv1.3]; "+
		"the certificate has subject alternative names [%s]; the certificate is issued by [%s] but the server did not provide a copy of the issuing certificate in the certificate chain; "+
		"this ssl context ([%s]) %s",
		x.server, x.subject, x.fingerprint, x.notBefore.UTC().Format("2006-01-02T15:04:05Z"), x.notAfter.UTC().Format("2006-01-02T15:04:05Z"),
		t.UTC().Format("2006-01-02T15:04:05.000000Z"), dates, strings.Join(x.sans, ","), x.issuer, x.context, x.trustTail)
	cause := x.cause
	if cause == nil {
		cause = []string{pkixPathBuilding}
	}
	return rec{t: t, level: "WARN", logger: lTrust, msg: msg, exc: cause}
}

// clientDidNotTrust is the remote side of a trust failure.
func clientDidNotTrust(t time.Time, local, remote, profile string) rec {
	return rec{t: t, level: "WARN", logger: lSecNetty, msg: fmt.Sprintf("client did not trust this server's certificate, closing connection Netty4TcpChannel{localAddress=/%s, remoteAddress=/%s, profile=%s}", local, remote, profile)}
}

// transportException is TcpTransport's fallback with an SSL cause.
func transportException(t time.Time, local, remote, profile, cause string) rec {
	return rec{t: t, level: "WARN", logger: lTcp, msg: fmt.Sprintf("exception caught on transport layer [Netty4TcpChannel{localAddress=/%s, remoteAddress=/%s, profile=%s}], closing connection", local, remote, profile),
		exc: []string{"io.netty.handler.codec.DecoderException: javax.net.ssl.SSLHandshakeException: " + cause,
			"\tat io.netty.handler.codec.ByteToMessageDecoder.callDecode(ByteToMessageDecoder.java:499) ~[?:?]",
			"Caused by: javax.net.ssl.SSLHandshakeException: " + cause,
			"\tat sun.security.ssl.Alert.createSSLException(Alert.java:130) ~[?:?]"}}
}

// closedByRemote is ClusterConnectionManager's INFO line (8.x node description).
func closedByRemote(t time.Time, remoteNode, remoteHost, addr string) rec {
	ip, _, _ := strings.Cut(addr, ":")
	return rec{t: t, level: "INFO", logger: lConnMgr, msg: fmt.Sprintf("transport connection to [{%s}{id-%s}{eph-%s}{%s}{%s}{%s}{cdfhilmrstw}{8.13.4}{7000099-8503000}] closed by remote", remoteNode, remoteNode, remoteNode, remoteHost, ip, addr)}
}

// invalidCredentials is the remote side of an invalid key.
func invalidCredentials(t time.Time, id string) rec {
	return rec{t: t, level: "WARN", logger: lApiKey, msg: fmt.Sprintf("Authentication using apikey failed - invalid credentials for API key [%s]", id)}
}

// restFailure is a REST request failure logged by rest.suppressed.
func restFailure(t time.Time, path string, exc ...string) rec {
	return rec{t: t, level: "WARN", logger: lSuppress, msg: "path: " + path + ", params: {}", exc: exc}
}
