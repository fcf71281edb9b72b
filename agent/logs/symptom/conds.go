package symptom

import (
	"regexp"
	"strings"
	"time"

	"github.com/esdoctor/esdoctor/agent/logs/record"
)

// remoteLoggers are the classes that log remote-cluster connection failures
// (matched on the last segment, so abbreviated and full names both work).
var remoteLoggers = []string{
	"ProxyConnectionStrategy", "SniffConnectionStrategy", "RemoteClusterConnection", "RemoteClusterService",
	"RemoteConnectionStrategy", "RemoteConnectionManager", "RemoteClusterAware",
}

// remotePhrases mark a remote-cluster connection context in the text.
var remotePhrases = []string{
	"external cluster", "proxy connections", "remote cluster", "remote_cluster", "seed node", "seed list",
}

var (
	reHTTPPort    = regexp.MustCompile(`(?:localAddress=|L:)[^\s,}\]]*:9200\b`)
	reTrustCtx    = regexp.MustCompile(`ssl context \(\[([^\]]*)\]\)`)
	reValidDates  = regexp.MustCompile(`valid between \[([^\]]*)\] and \[([^\]]*)\] \(current time is \[([^\]]*)\]`)
	transportCtxs = []string{
		"xpack.security.transport.ssl", "xpack.security.remote_cluster_client.ssl",
		"xpack.security.remote_cluster_server.ssl", "transport.profiles.", "(shared)",
	}
)

// matchCtx holds one record and the lazily computed facts rules ask about.
type matchCtx struct {
	r        *record.Record
	text     string
	headless bool
	memo     map[Cond]bool
}

func newMatchCtx(r *record.Record) *matchCtx {
	return &matchCtx{r: r, text: r.Text, headless: r.Layout == record.LayoutUnknown}
}

func (c *matchCtx) has(s string) bool { return strings.Contains(c.text, s) }

func (c *matchCtx) hasAny(list []string) bool {
	for _, s := range list {
		if strings.Contains(c.text, s) {
			return true
		}
	}
	return false
}

// loggerClass is the last dotted segment of the logger.
func (c *matchCtx) loggerClass() string {
	l := strings.TrimSpace(c.r.Logger)
	if i := strings.LastIndexByte(l, '.'); i >= 0 {
		return l[i+1:]
	}
	return l
}

func (c *matchCtx) holds(cond Cond) bool {
	if v, ok := c.memo[cond]; ok {
		return v
	}
	v := c.eval(cond)
	if c.memo == nil {
		c.memo = map[Cond]bool{}
	}
	c.memo[cond] = v
	return v
}

func (c *matchCtx) eval(cond Cond) bool {
	switch cond {
	case CondNotHTTP:
		return !c.isHTTP()
	case CondRemote:
		return c.remoteContext() || (c.headless && c.has("org.elasticsearch"))
	case CondTransport:
		if c.remoteContext() || c.headless {
			return true
		}
		cls := c.loggerClass()
		return strings.Contains(cls, "Transport") || c.has("exception caught on transport layer") || c.has("TcpChannel{")
	case CondHandshake:
		return c.has("remote_cluster/handshake") || c.remoteContext()
	case CondTrustContext:
		return c.trustContextOK()
	case CondExpired:
		return c.expired()
	case CondNodeLogger:
		l := strings.TrimSpace(c.r.Logger)
		if l == "" {
			// A record that lost its logger (a JSON object cut short): only
			// the Node's own identity lines tell themselves apart.
			m := c.r.Message
			return strings.HasPrefix(m, "node name [") && strings.Contains(m, "], node ID [") ||
				strings.HasPrefix(m, "version[") && strings.Contains(m, "], pid[")
		}
		return l == "o.e.n.Node" || l == "org.elasticsearch.node.Node" || l == "o.e.n.NodeConstruction" ||
			l == "org.elasticsearch.node.NodeConstruction"
	}
	return false
}

func (c *matchCtx) remoteContext() bool {
	cls := c.loggerClass()
	for _, l := range remoteLoggers {
		if cls == l {
			return true
		}
	}
	return c.hasAny(remotePhrases)
}

// isHTTP recognises the HTTP layer and HTTP clients.
func (c *matchCtx) isHTTP() bool {
	l := strings.TrimSpace(c.r.Logger)
	if strings.HasPrefix(l, "o.e.h.") || strings.HasPrefix(l, "org.elasticsearch.http.") || strings.Contains(l, "Http") {
		return true
	}
	if c.hasAny(httpMarkers) {
		return true
	}
	return c.has(":9200") && reHTTPPort.MatchString(c.text)
}

// trustContextOK: the DiagnosticTrustManager message names a transport or
// remote-cluster ssl context, or none at all.
func (c *matchCtx) trustContextOK() bool {
	if c.isHTTP() {
		return false
	}
	m := reTrustCtx.FindStringSubmatch(c.text)
	if m == nil {
		return true
	}
	for _, p := range transportCtxs {
		if strings.HasPrefix(m[1], p) {
			return true
		}
	}
	return false
}

// expired: the JDK cause names an expired certificate, or the diagnostic's
// dates show one while the issuer is trusted.
func (c *matchCtx) expired() bool {
	if c.has("CertificateExpiredException") || c.has("validity check failed") || c.has("timestamp check failed") {
		return true
	}
	m := reValidDates.FindStringSubmatch(c.text)
	if m == nil || c.has("certificate dates are valid") {
		return false
	}
	notAfter, err1 := time.Parse(time.RFC3339Nano, m[2])
	now, err2 := time.Parse(time.RFC3339Nano, m[3])
	return err1 == nil && err2 == nil && now.After(notAfter) && issuerTrusted(c.text) == "true"
}
