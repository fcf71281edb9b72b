package scenario

import (
	"fmt"
	"strings"
	"time"
)

// The records below are the log lines of Elastic's remote-cluster
// troubleshooting guide (seed 001) and ES's own message formats
// (shared/reference/log-messages.md), parameterised by node, address and time.

// ConnectFailed is the local side of an unreachable remote: the proxy or
// sniff WARN with a connect_exception.
func ConnectFailed(t time.Time, node, mode, alias, addr string) string {
	msg := fmt.Sprintf("fetching nodes from external cluster [%s] failed", alias)
	logger := "o.e.t.SniffConnectionStrategy"
	if mode == "proxy" {
		msg = fmt.Sprintf("failed to open any proxy connections to cluster [%s]", alias)
		logger = "o.e.t.ProxyConnectionStrategy"
	}
	return Plain(t, "WARN", logger, node, msg, append([]string{
		fmt.Sprintf("org.elasticsearch.transport.ConnectTransportException: [][%s] connect_exception", addr)},
		append(Frames, fmt.Sprintf("Caused by: io.netty.channel.AbstractChannel$AnnotatedConnectException: Connection refused: /%s", addr),
			"\tat sun.nio.ch.Net.pollConnect(Native Method) ~[?:?]")...)...)
}

// remoteWrapped is a failure returned by the remote node for the handshake.
func remoteWrapped(t time.Time, node, mode, alias, remoteNode, remoteAddr, cause string) string {
	msg := fmt.Sprintf("fetching nodes from external cluster [%s] failed", alias)
	logger := "o.e.t.SniffConnectionStrategy"
	if mode == "proxy" {
		msg = fmt.Sprintf("failed to open any proxy connections to cluster [%s]", alias)
		logger = "o.e.t.ProxyConnectionStrategy"
	}
	return Plain(t, "WARN", logger, node, msg,
		fmt.Sprintf("org.elasticsearch.transport.RemoteTransportException: [%s][%s][cluster:internal/remote_cluster/handshake]", remoteNode, remoteAddr),
		"Caused by: "+cause,
		"\tat org.elasticsearch.xpack.security.authc.AuthenticationService$Authenticator.handleNullToken(AuthenticationService.java:512) ~[?:?]")
}

// MissingAuthentication: the handshake reached the transport port (symptom 3).
func MissingAuthentication(t time.Time, node, mode, alias, remoteNode, remoteAddr string) string {
	return remoteWrapped(t, node, mode, alias, remoteNode, remoteAddr,
		"org.elasticsearch.ElasticsearchSecurityException: missing authentication credentials for action [cluster:internal/remote_cluster/handshake]")
}

// ChannelProfileMismatch: anonymous superuser on the transport port (symptom 4b).
func ChannelProfileMismatch(t time.Time, node, mode, alias, remoteNode, remoteAddr string) string {
	return remoteWrapped(t, node, mode, alias, remoteNode, remoteAddr,
		"java.lang.IllegalArgumentException: remote cluster handshake action requires channel profile to be [_remote_cluster], but got [default]")
}

// AnonymousUnauthorized: anonymous user without privileges (symptom 4a).
func AnonymousUnauthorized(t time.Time, node, mode, alias, remoteNode, remoteAddr string) string {
	return remoteWrapped(t, node, mode, alias, remoteNode, remoteAddr,
		"org.elasticsearch.ElasticsearchSecurityException: action [cluster:internal/remote_cluster/handshake] is unauthorized for user [anonymous_foo] with effective roles [reporting_user], this action is granted by the cluster privileges [cross_cluster_search,cross_cluster_replication,manage,all]")
}

// MissingCredentialsHeader: no cross-cluster API key on the local node.
func MissingCredentialsHeader(t time.Time, node, mode, alias, remoteNode, remoteAddr string) string {
	return remoteWrapped(t, node, mode, alias, remoteNode, remoteAddr,
		"java.lang.IllegalArgumentException: Cross cluster requests through the dedicated remote cluster server port require transport header [_cross_cluster_access_credentials] but none found. Please ensure you have configured remote cluster credentials on the cluster originating the request.")
}

// WrongKeyType: a REST key used as cross-cluster credentials.
func WrongKeyType(t time.Time, node, mode, alias, remoteNode, remoteAddr, id string) string {
	return remoteWrapped(t, node, mode, alias, remoteNode, remoteAddr,
		fmt.Sprintf("org.elasticsearch.ElasticsearchSecurityException: authentication expected API key type of [cross_cluster], but API key [%s] has type [rest]", id))
}

// UnableToAuthenticate: the local side of an invalid key.
func UnableToAuthenticate(t time.Time, node, mode, alias, remoteNode, remoteAddr, id string) string {
	return remoteWrapped(t, node, mode, alias, remoteNode, remoteAddr,
		fmt.Sprintf("org.elasticsearch.ElasticsearchSecurityException: unable to authenticate user [%s] for action [cluster:internal/remote_cluster/handshake]", id))
}

// InvalidCredentials: the remote side of an invalid key.
func InvalidCredentials(t time.Time, remoteNode, id string) string {
	return Plain(t, "WARN", "o.e.x.s.a.ApiKeyAuthenticator", remoteNode, fmt.Sprintf("Authentication using apikey failed - invalid credentials for API key [%s]", id))
}

// TrustFailure is DiagnosticTrustManager's line on the local node (8.x form).
type TrustFailure struct {
	ServerIP, Subject, Fingerprint, Issuer string
	SANs                                   []string
	// Context is e.g. "xpack.security.remote_cluster_client.ssl (with trust configuration: PEM-trust{/x/remote-cluster-ca.crt})".
	Context string
	// Trust is the tail: "is not configured to trust that issuer, it only trusts the issuer [..] with fingerprint [..]".
	Trust string
	// Cause is the JDK exception line.
	Cause string
}

// Line renders the record.
func (f TrustFailure) Line(t time.Time, node string) string {
	msg := fmt.Sprintf("failed to establish trust with server at [%s]; the server provided a certificate with subject name [%s], fingerprint [%s], no keyUsage and no extendedKeyUsage; "+
		"the certificate is valid between [2023-01-29T12:08:37Z] and [2032-08-29T12:08:37Z] (current time is [%s], certificate dates are valid); "+
		"the session uses cipher suite [TLS_AES_256_GCM_SHA384] and protocol [TLSv1.3]; the certificate has subject alternative names [%s]; "+
		"the certificate is issued by [%s] but the server did not provide a copy of the issuing certificate in the certificate chain; this ssl context ([%s]) %s",
		f.ServerIP, f.Subject, f.Fingerprint, t.UTC().Format(time.RFC3339Nano), strings.Join(f.SANs, ","), f.Issuer, f.Context, f.Trust)
	cause := f.Cause
	if cause == "" {
		cause = "sun.security.validator.ValidatorException: PKIX path building failed: sun.security.provider.certpath.SunCertPathBuilderException: unable to find valid certification path to requested target"
	}
	return Plain(t, "WARN", "o.e.c.s.DiagnosticTrustManager", node, msg, cause)
}

// ClientDidNotTrust is the remote side of a trust failure.
func ClientDidNotTrust(t time.Time, node, local, remote, profile string) string {
	return Plain(t, "WARN", "o.e.x.c.s.t.n.SecurityNetty4Transport", node,
		fmt.Sprintf("client did not trust this server's certificate, closing connection Netty4TcpChannel{localAddress=/%s, remoteAddress=/%s, profile=%s}", local, remote, profile))
}

// BadCertificate is the local side of symptom 2 (shared CA, no client cert).
func BadCertificate(t time.Time, node, local, remote, profile string) string {
	return Plain(t, "WARN", "o.e.t.TcpTransport", node,
		fmt.Sprintf("exception caught on transport layer [Netty4TcpChannel{localAddress=/%s, remoteAddress=/%s, profile=%s}], closing connection", local, remote, profile),
		"io.netty.handler.codec.DecoderException: javax.net.ssl.SSLHandshakeException: Received fatal alert: bad_certificate")
}

// EmptyChain is the remote side of symptom 2.
func EmptyChain(t time.Time, node, local, remote, profile string) string {
	return Plain(t, "WARN", "o.e.t.TcpTransport", node,
		fmt.Sprintf("exception caught on transport layer [Netty4TcpChannel{localAddress=/%s, remoteAddress=/%s, profile=%s}], closing connection", local, remote, profile),
		"io.netty.handler.codec.DecoderException: javax.net.ssl.SSLHandshakeException: Empty client certificate chain")
}

// ClosedByRemote is ClusterConnectionManager's INFO line.
func ClosedByRemote(t time.Time, node, remoteName, addr string) string {
	return Plain(t, "INFO", "o.e.t.ClusterConnectionManager", node,
		fmt.Sprintf("transport connection to [{%s}{k5Qyq7uTQ2uL8p0vJ2Q3Dw}{Xh2lY3d4RkG3n9v2b0c1Zw}{%s}{%s}{%s}{cdfhilmrstw}{8.13.4}] closed by remote", remoteName, strings.Split(addr, ":")[0], strings.Split(addr, ":")[0], addr))
}

// Stopping is a node's shutdown line.
func Stopping(t time.Time, node string) string {
	return Plain(t, "INFO", "o.e.n.Node", node, "stopping ...")
}

// S3InvalidKey is the snapshot failure of seed 004 (AWS SDK v1 text).
func S3InvalidKey(t time.Time, node, failingNode, failingAddr string) string {
	return Plain(t, "WARN", "r.suppressed", node, "path: /_snapshot/repository/snapshot, params: {repository=repository, wait_for_completion=true, snapshot=snapshot}",
		fmt.Sprintf("org.elasticsearch.transport.RemoteTransportException: [%s][%s][cluster:admin/snapshot/create]", failingNode, failingAddr),
		"Caused by: org.elasticsearch.common.io.stream.NotSerializableExceptionWrapper: amazon_s3_exception: The AWS Access Key Id you provided does not exist in our records. (Service: Amazon S3; Status Code: 403; Error Code: InvalidAccessKeyId; Request ID: EBB2BAA86AB71F48; S3 Extended Request ID: Dahd7zoXs9yMjzhATOK2SQdZ73yd+Z252hOyLS4/b7gOwGa+GtT1RSpDDKiE85XPaKpslbOtnAA=)",
		"\tat com.amazonaws.http.AmazonHttpClient$RequestExecutor.handleErrorResponse(AmazonHttpClient.java:1639) ~[?:?]")
}

// NoRemoteIndices is the querying side's security_exception as a REST
// failure logged by r.suppressed.
func NoRemoteIndices(t time.Time, node, alias, user string) string {
	return Plain(t, "WARN", "r.suppressed", node, "path: /"+alias+":logs-*/_search, params: {index="+alias+":logs-*}",
		fmt.Sprintf("org.elasticsearch.ElasticsearchSecurityException: action [indices:data/read/search] towards remote cluster [%s] is unauthorized for user [%s] with effective roles [] (assigned roles [%s-role] were not found) because no remote indices privileges apply for the target cluster", alias, user, user))
}
