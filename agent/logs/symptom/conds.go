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
	case CondESAuthor:
		return c.esAuthor(false)
	case CondESAuthorS3:
		return c.esAuthor(true)
	case CondCCSSearch:
		return c.has("CCS remote cluster failure") || c.remoteContext() || reCCSPath.MatchString(c.text)
	case CondAuditRecord:
		return reAuditType.MatchString(c.text) && reAuditDenied.MatchString(c.text)
	case CondAuditRemoteIndices:
		m := reAuditIndices.FindStringSubmatch(c.text)
		return m != nil && strings.Contains(m[1], ":")
	case CondCrossClusterAPIKey:
		switch c.loggerClass() {
		case "CrossClusterAccessAuthenticationService", "CrossClusterAuthenticator", "CrossClusterAccessServerTransportFilter":
			return true
		}
		return c.has("invalid credentials for API key [") || c.has("cross_cluster") || c.has("cross-cluster") || c.has("Cross-cluster") ||
			c.remoteContext()
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

// foreignAuthors mark records that other software wrote, even inside an
// Elasticsearch log or with Elasticsearch's log layout: the security
// plugins (Search Guard, Open Distro), OpenSearch, and the ES command-line
// tools (their stderr is captured inside test logs; they talk to the HTTP
// layer as clients).
var foreignAuthors = []string{
	"com.floragunn", "searchguard", "SearchGuard", "opendistroforelasticsearch", "OpenDistroSecurity", "org.opensearch.",
	"CommandLineHttpClient", "org.elasticsearch.xpack.security.cli.", "org.elasticsearch.xpack.security.enrollment.tool.",
	"org.elasticsearch.xpack.security.tool.", "org.elasticsearch.xpack.core.security.CommandLineHttpClient",
	"elasticsearch-certutil", "elasticsearch-create-enrollment-token", "elasticsearch-reset-password", "elasticsearch-setup-passwords",
}

// esLoggerFamilies are the logger prefixes of an Elasticsearch node's own
// log: its classes (abbreviated or full), the suppressed REST failures, and
// the libraries it logs through in its own layout (the AWS SDK of the S3
// repository, Netty).
var esLoggerFamilies = []string{
	"o.e.", "org.elasticsearch.", "r.suppressed", "rest.suppressed", "c.a.", "com.amazonaws.", "s.a.a.", "software.amazon.",
	"i.n.", "io.netty.",
}

// reFrame finds a Java stack frame; reESFrame an Elasticsearch one.
var (
	reFrame   = regexp.MustCompile(`(?m)^[|\w ]*\s+at ([\w$.@/-]+)\(`)
	reESFrame = regexp.MustCompile(`(?m)^\s*at (?:[\w.-]+@[\w.-]+/)?org\.elasticsearch\.`)
	reCCSPath = regexp.MustCompile(`path: /[^\s/,]*[\w*-]:[^\s/,]+/_(?:async_)?search`)
)

var (
	reAuditType    = regexp.MustCompile(`"type"\s*:\s*"audit"`)
	reAuditDenied  = regexp.MustCompile(`"event\.action"\s*:\s*"access_denied"`)
	reAuditIndices = regexp.MustCompile(`"indices"\s*:\s*\[([^\]]*)\]`)
)

// esAuthor: see CondESAuthor.
func (c *matchCtx) esAuthor(s3 bool) bool {
	if c.hasAny(foreignAuthors) {
		return false
	}
	l := strings.TrimSpace(c.r.Logger)
	if c.r.Layout != record.LayoutUnknown && l != "" {
		if strings.HasPrefix(l, "c.a.o.") || strings.HasPrefix(l, "c.f.") {
			return false // com.amazon.opendistro..., com.floragunn...
		}
		for _, p := range esLoggerFamilies {
			if strings.HasPrefix(l, p) {
				return true
			}
		}
		return false
	}
	// A headless excerpt (a stack trace whose header was cut, a pasted
	// message): frames of another runtime (Node.js, Python) or of another
	// Java application rule it out; Elasticsearch's, the JDK's and Netty's
	// do not. The S3 codes need an Elasticsearch frame: the AWS SDK's alone
	// are any Java application's.
	if strings.Contains(c.text, "Traceback (most recent call last)") || strings.Contains(c.text, "node_modules/") ||
		strings.Contains(c.text, "An error occurred (") { // the AWS CLI / boto3
		return false
	}
	for _, m := range reFrame.FindAllStringSubmatch(c.text, 64) {
		if !esRuntimeFrame(m[1]) {
			return false
		}
	}
	if s3 {
		// SigV4-signing HTTP clients of a hosted Elasticsearch/OpenSearch
		// endpoint get the same AWS error texts from the "es" service:
		// not the S3 repository's.
		if c.hasAny(hostedESMarkers) {
			return false
		}
		if reFrame.MatchString(c.text) {
			return reESFrame.MatchString(c.text)
		}
		// No frames at all (a pasted message, an API body): the S3
		// repository's own wording must be there.
		return c.hasAny(s3RepoMarkers)
	}
	return true
}

// hostedESMarkers name the AWS-hosted Elasticsearch/OpenSearch service
// (its endpoint, its SigV4 credential scope) that SigV4 HTTP clients talk to.
var hostedESMarkers = []string{".es.amazonaws.com", "/es/aws4_request", ".aoss.amazonaws.com", "/aoss/aws4_request"}

// s3RepoMarkers are the texts of an S3 failure inside Elasticsearch: the
// AWS SDK's service tag, the exception type ES serialises, a repository.
var s3RepoMarkers = []string{"Service: Amazon S3", "Service: S3", "amazon_s3_exception", "AmazonS3Exception", "S3Exception",
	"repository", "_snapshot", "s3.amazonaws.com", "<Code>InvalidAccessKeyId</Code>", "<Code>SignatureDoesNotMatch</Code>"}

// esRuntimeFrames are the namespaces of the frames an Elasticsearch node's
// stack traces hold.
var esRuntimeFrames = []string{
	"org.elasticsearch.", "java.", "javax.", "jdk.", "sun.", "com.sun.", "io.netty.", "org.apache.lucene.", "org.apache.logging.",
	"com.amazonaws.", "software.amazon.", "org.apache.http.", "com.fasterxml.",
}

func esRuntimeFrame(class string) bool {
	if i := strings.IndexByte(class, '/'); i >= 0 { // "module@version/class"
		class = class[i+1:]
	}
	for _, p := range esRuntimeFrames {
		if strings.HasPrefix(class, p) {
			return true
		}
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
