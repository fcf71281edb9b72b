package symptom

import "github.com/esdoctor/esdoctor/shared/catalog"

// Cond names a condition on the record's context that a rule requires.
type Cond string

// Conditions a rule may require (see conds.go for their exact meaning).
const (
	// CondNotHTTP: the record is not about the HTTP layer (port 9200,
	// Netty4HttpServerTransport, "client http traffic", the
	// xpack.security.http.ssl context) nor an HTTP client (RestClient,
	// Apache HttpClient, reindex from remote, watcher).
	CondNotHTTP Cond = "not-http"
	// CondTransport: the record is about the transport layer or a remote
	// cluster connection (transport logger, TcpChannel, "exception caught on
	// transport layer", a remote-connection context), or is a headless
	// stack trace.
	CondTransport Cond = "transport"
	// CondRemote: a remote-cluster connection context (Proxy/Sniff
	// strategy, RemoteClusterService/Connection logger or message), or a
	// headless stack trace with Elasticsearch frames.
	CondRemote Cond = "remote"
	// CondHandshake: the action is the remote cluster handshake, or the
	// record is in a remote-connection context.
	CondHandshake Cond = "handshake"
	// CondTrustContext: a DiagnosticTrustManager message for a transport
	// or remote-cluster ssl context (not http, realm, monitoring, watcher).
	CondTrustContext Cond = "trust-context"
	// CondExpired: the trust failure's cause says the certificate expired
	// (CertificateExpiredException, "validity check failed", JDK 8's
	// "timestamp check failed"), or its dates
	// show it while the issuer is trusted.
	CondExpired Cond = "expired"
	// CondESAuthor: an Elasticsearch node wrote the record (see
	// conds.go): an ES log layout with an ES logger family, or a headless
	// excerpt whose stack frames (if any) include Elasticsearch's; never a
	// record of a security plugin (Search Guard, Open Distro), of OpenSearch,
	// or of the ES command-line tools. Identity symptoms (TLS, API keys, S3
	// credentials) require it.
	CondESAuthor Cond = "es-author"
	// CondESAuthorS3: CondESAuthor, and a headless excerpt with frames
	// needs an Elasticsearch frame (the AWS SDK's alone are any Java
	// application's).
	CondESAuthorS3 Cond = "es-author-s3"
	// CondCCSSearch: a cross-cluster search failure on the querying side
	// (TransportSearchAction's "CCS remote cluster failure", or a search
	// of an "alias:index" expression).
	CondCCSSearch Cond = "ccs-search"
	// CondAuditRecord: an Elasticsearch audit log event ("type":"audit",
	// "event.action":"access_denied").
	CondAuditRecord Cond = "audit-record"
	// CondAuditRemoteIndices: the audit event's indices name a remote
	// cluster ("alias:index").
	CondAuditRemoteIndices Cond = "audit-remote-indices"
	// CondCrossClusterAPIKey: an API key authentication failure in the
	// cross-cluster context: logged by the cross-cluster access
	// authenticator (CrossClusterAccessAuthenticationService,
	// CrossClusterAuthenticator), or naming the remote cluster / cross-cluster
	// access, or the per-key "invalid credentials for API key [id]" the
	// remote-cluster guide shows. ApiKeyAuthenticator's other failures
	// ("unable to find apikey with id", "Illegal base64 character", "api key
	// is expired") are what HTTP clients (APM Server, Beats, Logstash) cause
	// with their REST keys: without that context they are not the
	// cross-cluster key failure. The aggregator still pairs the key id with a
	// local credential before it calls anything invalid-api-key.
	CondCrossClusterAPIKey Cond = "cross-cluster-api-key"
	// CondNodeLogger: the logger is o.e.n.Node / org.elasticsearch.node.Node
	// (or NodeConstruction); a record without a logger qualifies only with
	// the Node's own "node name [..], node ID [..]" or "version[..], pid[..]".
	CondNodeLogger Cond = "node-logger"
)

// Rule is one row of the symptom table. A record matches a rule when every
// Anchor occurs in its text, at least one Any literal occurs (if set), no Not
// literal occurs, every condition holds and Pattern (if set) matches; the
// Pattern's named groups and the Extract groups give the fields.
type Rule struct {
	Code catalog.SymptomCode
	// Pack is "" for the Elasticsearch rules, "mesh" for the service-mesh
	// pack (off unless Options.MeshPack).
	Pack string
	// Anchors are literals that must all occur (case-sensitive). Anchors[0]
	// feeds the prefilter (so it is the one with the rarest bytes). No
	// anchor contains a character JSON escapes, so the raw line of a JSON
	// record can be searched.
	Anchors []string
	// Any are literals of which at least one must occur; without Anchors,
	// each feeds the prefilter.
	Any []string
	// Prefilter, when set, replaces the literals that feed the prefilter:
	// every raw record this rule matches must contain one of them (e.g.
	// the logger name, for rules that require it, or a fragment of an
	// anchor that documentation markup cannot split, see markup.go).
	Prefilter []string
	// Not are look-alike markers: a record containing one is not this symptom.
	Not []string
	// When lists required context conditions.
	When []Cond
	// Pattern is an RE2 regexp that must match; named groups become fields.
	Pattern string
	// OnMessage applies Pattern to the message line instead of the text.
	OnMessage bool
	// Extract names field extractors (extract.go) run after a match.
	Extract []string
	// Fixed are fields set on every match.
	Fixed map[string]string
}

// httpMarkers identify HTTP-layer look-alikes (the node's HTTP server, or an
// HTTP client inside the node).
var httpMarkers = []string{
	"client http traffic", "HttpServerTransport", "HttpChannel", "Netty4Http", "http client did not trust",
	"xpack.security.http.ssl", "received plaintext http traffic", "org.apache.http", "RestClient",
	"reindex", "Reindex", "watcher", "Watcher", "xpack.http.ssl",
}

// nodeLoggers feed the prefilter for the node identity rules, which
// require the Node logger (abbreviated or full).
var nodeLoggers = []string{"e.n.Node", ".node.Node"}

// rawHTTPMarkers are HTTP-layer markers that, anywhere in a record's raw
// bytes, rule out the rules that require CondNotHTTP (see
// Matcher.Possible).
var rawHTTPMarkers = []string{"client http traffic", "HttpServerTransport", "Netty4HttpChannel", "http client did not trust", "received plaintext http traffic"}

// rules is the table, most specific first: a record gets the first rule it
// matches.
var rules = []Rule{
	// A replaced SSL file that ES could not load: FileWatcher's "cannot
	// notify file changes listener" with the reloader in the stack (ES keeps
	// the old key material until the file is fixed).
	{Code: catalog.SymSSLReloadFailed, Any: []string{"SSLConfigurationReloader", "reloadSslContext", "reloadSSLContext"},
		Extract: []string{"exception", "sslfile"}},

	// TLS trust failures (DiagnosticTrustManager), most specific cause first.
	{Code: catalog.SymTLSCertificateExpired, Anchors: []string{"failed to establish trust with"},
		When: []Cond{CondTrustContext, CondExpired}, Extract: []string{"trust", "exception"}, Fixed: map[string]string{"reason": "expired"}},
	{Code: catalog.SymTLSHostnameMismatch, Anchors: []string{"failed to establish trust with"},
		Any:  []string{"No subject alternative names matching", "No subject alternative DNS name matching", "No name matching", "No subject alternative names present"},
		When: []Cond{CondTrustContext}, Extract: []string{"trust", "exception"}, Fixed: map[string]string{"reason": "hostname-mismatch"}},
	{Code: catalog.SymTLSTrustFailure, Anchors: []string{"failed to establish trust with"},
		When: []Cond{CondTrustContext}, Extract: []string{"trust", "exception"}},
	// The same JDK causes without the diagnostic message (diagnose.trust off).
	{Code: catalog.SymTLSCertificateExpired, Any: []string{"CertificateExpiredException", "validity check failed", "timestamp check failed", "fatal alert: certificate_expired"},
		Not: append([]string{"failed to establish trust with"}, httpMarkers...), When: []Cond{CondNotHTTP, CondTransport},
		Extract: []string{"channel", "remote", "exception"}, Fixed: map[string]string{"reason": "expired"}},
	{Code: catalog.SymTLSHostnameMismatch,
		Any: []string{"No subject alternative names matching", "No subject alternative DNS name matching", "No name matching", "No subject alternative names present"},
		Not: append([]string{"failed to establish trust with"}, httpMarkers...), When: []Cond{CondNotHTTP, CondTransport},
		Extract: []string{"channel", "remote", "exception"}, Fixed: map[string]string{"reason": "hostname-mismatch"}},

	// Before 7.6 (or with diagnose.trust off) an untrusted issuer is only
	// the JDK's PKIX text (JDK 8 wraps it in "General SSLEngine problem").
	{Code: catalog.SymTLSTrustFailure, Any: []string{"unable to find valid certification path to requested target", "PKIX path building failed"},
		Not: append([]string{"failed to establish trust with"}, httpMarkers...), When: []Cond{CondNotHTTP, CondTransport},
		Extract: []string{"channel", "remote", "exception"}, Fixed: map[string]string{"reason": "untrusted-issuer"}},

	// Remote cluster security (RCS 2.0 API keys, handshake), seen as the
	// cause of a Proxy/Sniff WARN on the querying side.
	{Code: catalog.SymAPIKeyWrongType, Anchors: []string{"expected API key type of [cross_cluster]"},
		Pattern: `expected API key type of \[(?P<expected_type>[^\]]*)\], but API key \[(?P<api_key_id>[^\]]*)\] has type \[(?P<api_key_type>[^\]]*)\]`,
		Extract: []string{"remote", "exception"}},
	{Code: catalog.SymMissingCrossClusterCredentialsHeader, Anchors: []string{"_cross_cluster_access_credentials] but none found"},
		Extract: []string{"remote", "exception"}},
	{Code: catalog.SymChannelProfileMismatch, Anchors: []string{"requires channel profile to be ["},
		Pattern: `requires channel profile to be \[(?P<expected_profile>[^\]]*)\], but got \[(?P<profile>[^\]]*)\]`,
		Extract: []string{"remote", "exception"}},
	{Code: catalog.SymHandshakeMissingAuthentication, Anchors: []string{"missing authentication credentials for action ["},
		Prefilter: []string{" credentials for action ["},
		When:      []Cond{CondHandshake},
		Pattern:   `missing authentication credentials for action \[(?P<action>[^\]]*)\]`,
		Extract:   []string{"remote", "exception"}},
	{Code: catalog.SymAnonymousUnauthorized, Anchors: []string{"is unauthorized for user [", "remote_cluster/handshake] is unauthorized"},
		Prefilter: []string{"remote_cluster/handshake] is "},
		Pattern:   `action \[(?P<action>[^\]]*remote_cluster/handshake)\] is unauthorized for user \[(?P<user>[^\]]*)\](?: with (?:effective|assigned) roles \[(?P<roles>[^\]]*)\])?`,
		Extract:   []string{"remote", "exception"}},
	{Code: catalog.SymAPIKeyUnableToAuthenticate, Anchors: []string{"unable to authenticate user ["},
		Prefilter: []string{"unable to authenticate"},
		When:      []Cond{CondHandshake},
		Pattern:   `unable to authenticate user \[(?P<user>[^\]]*)\] for action \[(?P<action>[^\]]*)\]`,
		Extract:   []string{"remote", "exception", "apikey-user"}},
	{Code: catalog.SymAPIKeyInvalidCredentials, Anchors: []string{"Authentication using apikey failed"},
		When:    []Cond{CondCrossClusterAPIKey},
		Pattern: `Authentication using apikey failed - (?P<cause>[^\n]*)`,
		Extract: []string{"apikey-reason"}},
	// The same text without the cross-cluster context: any HTTP client's
	// REST key (APM Server, Beats) or a cross-cluster key; not the
	// cross-cluster code.
	{Code: catalog.SymAPIKeyAuthenticationFailed, Anchors: []string{"Authentication using apikey failed"},
		Pattern: `Authentication using apikey failed - (?P<cause>[^\n]*)`,
		Extract: []string{"apikey-reason"}},
	{Code: catalog.SymNoRemoteIndicesPrivileges, Anchors: []string{"is unauthorized for ", "because no remote indices privileges apply"},
		Prefilter: []string{"no remote indices privileges apply"},
		Extract:   []string{"authz", "remote"}},
	{Code: catalog.SymRemoteIndicesUnauthorized, Anchors: []string{"towards remote cluster", "is unauthorized for "},
		Extract: []string{"authz", "remote"}},

	// The ES audit log (<cluster>_audit.json, when xpack.security.audit is
	// enabled): privilege failures "are not in the server log by default".
	// An access_denied of a remote-cluster or remote-index action: on the
	// fulfilling (remote) side it carries cross_cluster_access (the
	// cross-cluster API key does not cover it); on the querying side the
	// indices are "alias:index" expressions (no remote_indices privilege).
	{Code: catalog.SymRemoteIndicesUnauthorized, Anchors: []string{"access_denied", "cross_cluster_access"},
		When: []Cond{CondAuditRecord}, Extract: []string{"audit"}, Fixed: map[string]string{"source": "audit"}},
	{Code: catalog.SymNoRemoteIndicesPrivileges, Anchors: []string{"access_denied", "indices"},
		When: []Cond{CondAuditRecord, CondAuditRemoteIndices}, Extract: []string{"audit"}, Fixed: map[string]string{"source": "audit"}},

	// S3 repository credentials.
	{Code: catalog.SymS3InvalidAccessKey, Any: []string{"The AWS Access Key Id you provided does not exist", "InvalidAccessKeyId"},
		Prefilter: []string{"The AWS Access Key Id you provided does not exist", "InvalidAccessKeyId"},
		Extract:   []string{"s3", "remote", "exception"}, Fixed: map[string]string{"aws_error_code": "InvalidAccessKeyId"}},
	{Code: catalog.SymS3SignatureMismatch, Any: []string{"SignatureDoesNotMatch", "The request signature we calculated does not match"},
		Extract: []string{"s3", "remote", "exception"}, Fixed: map[string]string{"aws_error_code": "SignatureDoesNotMatch"}},

	// Transport-layer TLS.
	{Code: catalog.SymClientDidNotTrustServerCert, Anchors: []string{"server's certificate", "client did not trust"},
		Not: httpMarkers, When: []Cond{CondNotHTTP}, Extract: []string{"channel"}},
	{Code: catalog.SymEmptyClientCertificateChain, Any: []string{"Exception: Empty client certificate chain", "Exception: null cert chain"},
		Prefilter: []string{"Empty client certificate chain", "null cert chain"},
		Not:       httpMarkers, When: []Cond{CondNotHTTP, CondTransport}, Extract: []string{"channel", "exception"}},
	{Code: catalog.SymBadCertificateAlert, Anchors: []string{"fatal alert: bad_certificate"},
		Not: httpMarkers, When: []Cond{CondNotHTTP, CondTransport}, Extract: []string{"channel", "remote", "exception"}},

	// Remote cluster connections.
	// NoSeedNodeLeftException (sniff: every seed tried; 8.8+ proxy:
	// "Unable to open any proxy connections to cluster [..] at address
	// [..]" with each failure suppressed) comes before the connect
	// exceptions it carries.
	{Code: catalog.SymNoSeedNodeLeft, Any: []string{"no seed node left", "Unable to open any connections to remote cluster", "Unable to open any proxy connections"},
		Not: []string{"ExecutionCancelledException", "connect handler is closed"}, Extract: []string{"remote", "exception"}},
	{Code: catalog.SymConnectException,
		Any:  []string{"connect_exception", "connect_timeout", "ConnectException", "NoRouteToHostException", "ConnectTimeoutException"},
		Not:  append([]string{"ExecutionCancelledException", "connect handler is closed"}, httpMarkers...),
		When: []Cond{CondRemote}, Extract: []string{"remote", "exception"}},
	{Code: catalog.SymProxyConnectionsFailed, Anchors: []string{"failed to open any proxy connections"},
		Not: []string{"ExecutionCancelledException", "connect handler is closed"}, Extract: []string{"remote", "exception"}},
	{Code: catalog.SymClosedByRemote, Anchors: []string{"closed by remote"},
		Pattern: `transport connection to \[(?P<node_description>.*)\] closed by remote`, OnMessage: true,
		Extract: []string{"closed"}},
	// The querying side of a cross-cluster search whose remote went away
	// mid-request: TransportSearchAction's "CCS remote cluster failure"
	// WARN (8.10+) or a search failure (r.suppressed) whose cause is a
	// NodeDisconnectedException of a remote index search.
	{Code: catalog.SymClosedByRemote, Any: []string{"node_disconnected_exception", "NodeDisconnectedException"},
		When: []Cond{CondCCSSearch}, Extract: []string{"disconnected", "remote"}, Fixed: map[string]string{"reason": "search-disconnected"}},
	{Code: catalog.SymTransportException, Anchors: []string{"exception caught on transport layer"},
		Not: httpMarkers, When: []Cond{CondNotHTTP}, Extract: []string{"channel", "exception"}},

	// A remote's connection settings changed through the cluster settings
	// API: ES closes and reopens that alias's connections once.
	{Code: catalog.SymRemoteConnectionSettingsUpdated, Anchors: []string{"updating [cluster.remote."}, OnMessage: true,
		Pattern: `^updating \[cluster\.remote\.(?P<alias>[^\]]+?)\.transport\.(?P<setting>compress|compression_scheme|ping_schedule)\] from \[(?P<from>[^\]]*)\] to \[(?P<to>[^\]]*)\]`},

	// Node identity.
	{Code: catalog.SymNodeStarted, Any: []string{"starting ...", "started", "node name [", "version["},
		Prefilter: append([]string{"], node ID [", "], pid["}, nodeLoggers...),
		When:      []Cond{CondNodeLogger}, OnMessage: true,
		Pattern: `^(?:starting \.\.\.|started(?: \{.*)?|node name \[.*|version\[.*)$`, Extract: []string{"node"}},
	{Code: catalog.SymNodeStopping, Anchors: []string{"stopping ..."}, Prefilter: nodeLoggers,
		When: []Cond{CondNodeLogger}, OnMessage: true, Pattern: `^stopping \.\.\.$`},
	{Code: catalog.SymPublishAddress, Anchors: []string{"publish_address {"}, OnMessage: true,
		Pattern: `^(?:profile \[(?P<profile>[^\]]+)\]: )?publish_address \{(?P<publish_address>[^}]*)\}, bound_addresses (?P<bound_addresses>\{.*\})\s*$`,
		Extract: []string{"publish"}},
	// The service-mesh pack (Istio / ASM logs) is not in this table: it
	// reads other products' layouts and attributes each line to its
	// component first (agent/mesh/meshlog).
}

// identityCodes are the symptoms about a node's identity (certificates,
// API keys, S3 credentials): look-alikes written by other software are
// common, so they require an Elasticsearch author (CondESAuthor).
var identityCodes = map[catalog.SymptomCode]bool{
	catalog.SymTLSCertificateExpired: true, catalog.SymTLSHostnameMismatch: true, catalog.SymTLSTrustFailure: true,
	catalog.SymClientDidNotTrustServerCert: true, catalog.SymEmptyClientCertificateChain: true, catalog.SymBadCertificateAlert: true,
	catalog.SymAPIKeyWrongType: true, catalog.SymAPIKeyUnableToAuthenticate: true, catalog.SymAPIKeyInvalidCredentials: true, catalog.SymAPIKeyAuthenticationFailed: true,
	catalog.SymS3InvalidAccessKey: true, catalog.SymS3SignatureMismatch: true, catalog.SymSSLReloadFailed: true,
	catalog.SymTransportException: true,
}

func init() {
	for i := range rules {
		if identityCodes[rules[i].Code] && rules[i].Pack == "" {
			cond := CondESAuthor
			if rules[i].Code == catalog.SymS3InvalidAccessKey || rules[i].Code == catalog.SymS3SignatureMismatch {
				cond = CondESAuthorS3
			}
			rules[i].When = append(append([]Cond(nil), rules[i].When...), cond)
		}
	}
}

// Rules returns the symptom table, most specific first.
func Rules() []Rule {
	out := make([]Rule, len(rules))
	copy(out, rules)
	return out
}
