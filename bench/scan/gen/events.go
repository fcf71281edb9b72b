package main

// event is one log event to render: header fields, message, stack lines.
type event struct {
	level, logger, node string
	message             string
	stack               []string
	// raw, when set, is written as is in every layout (a foreign line,
	// e.g. an Istio log line for the mesh pack).
	raw string
}

var benchFrames = []string{
	"\tat org.elasticsearch.transport.TcpTransport$ChannelsConnectedListener.onFailure(TcpTransport.java:1144) ~[elasticsearch-8.11.4.jar:?]",
	"\tat org.elasticsearch.action.ActionListener$Delegating.onFailure(ActionListener.java:66) ~[elasticsearch-8.11.4.jar:?]",
	"\tat org.elasticsearch.action.support.SubscribableListener$FailureResult.complete(SubscribableListener.java:390) ~[elasticsearch-8.11.4.jar:?]",
	"\tat java.lang.Thread.run(Thread.java:1583) ~[?:?]",
}

func withStack(lines ...string) []string { return append(lines, benchFrames...) }

const (
	rteHandshake = "org.elasticsearch.transport.RemoteTransportException: [remote-node][192.168.0.42:9443][cluster:internal/remote_cluster/handshake]"
	trustMsg     = "failed to establish trust with server at [192.168.0.42]; the server provided a certificate with subject name [CN=remote_cluster], fingerprint [529de35e15666ffaa26afa50876a2a48119db03a], no keyUsage and no extendedKeyUsage; the certificate is valid between [2023-01-29T12:08:37Z] and [2032-08-29T12:08:37Z] (current time is [2023-08-16T23:40:55.464275Z], certificate dates are valid); the session uses cipher suite [TLS_AES_256_GCM_SHA384] and protocol [TLSv1.3]; the certificate has subject alternative names [DNS:localhost,IP:127.0.0.1,IP:192.168.0.42]; the certificate is issued by [CN=Elastic Auto RemoteCluster CA] but the server did not provide a copy of the issuing certificate in the certificate chain; this ssl context ([xpack.security.remote_cluster_client.ssl (with trust configuration: PEM-trust{/rcs2/ssl/transport-ca.crt})]) is not configured to trust that issuer, it only trusts the issuer [CN=Elastic Auto Transport CA] with fingerprint [bbe49e3f986506008a70ab651b188c70df104812]"
	trustedChain = "failed to establish trust with server at [10.0.0.5]; the server provided a certificate with subject name [CN=remote-node], fingerprint [1111111111111111111111111111111111111111], no keyUsage and no extendedKeyUsage; the certificate has subject alternative names [DNS:remote-node]; the certificate is issued by [CN=Remote CA]; the certificate is signed by (subject [CN=Remote CA] fingerprint [2222222222222222222222222222222222222222] {trusted issuer}) which is self-issued; the [CN=Remote CA] certificate is trusted in this ssl context ([xpack.security.remote_cluster_client.ssl (with trust configuration: PEM-trust{/etc/es/remote-ca.crt})])"
	pkix         = "sun.security.validator.ValidatorException: PKIX path building failed: sun.security.provider.certpath.SunCertPathBuilderException: unable to find valid certification path to requested target"
)

// injected is one canonical event per symptom code.
var injected = map[string]event{
	"connect-exception": {level: "WARN", logger: "o.e.t.ProxyConnectionStrategy", message: "failed to open any proxy connections to cluster [my]",
		stack: withStack("org.elasticsearch.transport.ConnectTransportException: [][192.168.0.42:9443] connect_exception",
			"Caused by: io.netty.channel.AbstractChannel$AnnotatedConnectException: Connection refused: /192.168.0.42:9443")},
	"no-seed-node-left": {level: "WARN", logger: "o.e.t.SniffConnectionStrategy", message: "fetching nodes from external cluster [my] failed",
		stack: withStack("org.elasticsearch.transport.NoSeedNodeLeftException: no seed node left for cluster: [my]")},
	"proxy-connections-failed": {level: "WARN", logger: "o.e.t.ProxyConnectionStrategy", message: "failed to open any proxy connections to cluster [my]",
		stack: withStack("org.elasticsearch.transport.ConnectTransportException: [][192.168.0.42:9443] general node connection failure",
			"Caused by: java.lang.IllegalStateException: handshake failed")},
	"closed-by-remote":  {level: "INFO", logger: "o.e.t.ClusterConnectionManager", message: "transport connection to [{my-remote#192.168.0.42:9443}{abc}{def}] closed by remote"},
	"tls-trust-failure": {level: "WARN", logger: "o.e.c.s.DiagnosticTrustManager", message: trustMsg, stack: []string{pkix}},
	"client-did-not-trust-server-cert": {level: "WARN", logger: "o.e.x.c.s.t.n.SecurityNetty4Transport",
		message: "client did not trust this server's certificate, closing connection Netty4TcpChannel{localAddress=/192.168.0.42:9443, remoteAddress=/192.168.0.84:57305, profile=_remote_cluster}"},
	"bad-certificate-alert": {level: "WARN", logger: "o.e.t.TcpTransport",
		message: "exception caught on transport layer [Netty4TcpChannel{localAddress=/192.168.0.84:60738, remoteAddress=/192.168.0.42:9309, profile=_remote_cluster}], closing connection",
		stack:   withStack("io.netty.handler.codec.DecoderException: javax.net.ssl.SSLHandshakeException: Received fatal alert: bad_certificate")},
	"empty-client-certificate-chain": {level: "WARN", logger: "o.e.t.TcpTransport",
		message: "exception caught on transport layer [Netty4TcpChannel{localAddress=/192.168.0.42:9309, remoteAddress=/192.168.0.84:60783, profile=default}], closing connection",
		stack:   withStack("io.netty.handler.codec.DecoderException: javax.net.ssl.SSLHandshakeException: Empty client certificate chain")},
	"transport-exception": {level: "WARN", logger: "o.e.t.TcpTransport",
		message: "exception caught on transport layer [Netty4TcpChannel{localAddress=/10.0.0.1:9300, remoteAddress=/10.0.0.2:51000, profile=default}], closing connection",
		stack:   withStack("java.io.StreamCorruptedException: invalid internal transport message format, got (48,54,54,50)")},
	"handshake-missing-authentication": {level: "WARN", logger: "o.e.t.ProxyConnectionStrategy", message: "failed to open any proxy connections to cluster [my]",
		stack: withStack(rteHandshake, "Caused by: org.elasticsearch.ElasticsearchSecurityException: missing authentication credentials for action [cluster:internal/remote_cluster/handshake]")},
	"channel-profile-mismatch": {level: "WARN", logger: "o.e.t.ProxyConnectionStrategy", message: "failed to open any proxy connections to cluster [my]",
		stack: withStack(rteHandshake, "Caused by: java.lang.IllegalArgumentException: remote cluster handshake action requires channel profile to be [_remote_cluster], but got [default]")},
	"anonymous-unauthorized": {level: "WARN", logger: "o.e.t.ProxyConnectionStrategy", message: "failed to open any proxy connections to cluster [my]",
		stack: withStack(rteHandshake, "Caused by: org.elasticsearch.ElasticsearchSecurityException: action [cluster:internal/remote_cluster/handshake] is unauthorized for user [anonymous_foo] with effective roles [reporting_user], this action is granted by the cluster privileges [cross_cluster_search,cross_cluster_replication,manage,all]")},
	"missing-cross-cluster-credentials-header": {level: "WARN", logger: "o.e.t.ProxyConnectionStrategy", message: "failed to open any proxy connections to cluster [my]",
		stack: withStack(rteHandshake, "Caused by: java.lang.IllegalArgumentException: Cross cluster requests through the dedicated remote cluster server port require transport header [_cross_cluster_access_credentials] but none found. Please ensure you have configured remote cluster credentials on the cluster originating the request.")},
	"api-key-wrong-type": {level: "WARN", logger: "o.e.t.ProxyConnectionStrategy", message: "failed to open any proxy connections to cluster [my]",
		stack: withStack(rteHandshake, "Caused by: org.elasticsearch.ElasticsearchSecurityException: authentication expected API key type of [cross_cluster], but API key [agZXJocBmA2beJfq2yKu] has type [rest]")},
	"api-key-unable-to-authenticate": {level: "WARN", logger: "o.e.t.ProxyConnectionStrategy", message: "failed to open any proxy connections to cluster [my]",
		stack: withStack(rteHandshake, "Caused by: org.elasticsearch.ElasticsearchSecurityException: unable to authenticate user [agZXJocBmA2beJfq2yKu] for action [cluster:internal/remote_cluster/handshake]")},
	"api-key-invalid-credentials": {level: "WARN", logger: "o.e.x.s.a.ApiKeyAuthenticator", message: "Authentication using apikey failed - invalid credentials for API key [agZXJocBmA2beJfq2yKu]"},
	"remote-indices-unauthorized": {level: "WARN", logger: "r.suppressed", message: "path: /my:cd/_search, params: {index=my:cd}",
		stack: withStack("org.elasticsearch.ElasticsearchSecurityException: action [indices:data/read/search] towards remote cluster is unauthorized for user [foo] with assigned roles [foo-role] authenticated by API key id [agZXJocBmA2beJfq2yKu] of user [elastic-admin] on indices [cd], this action is granted by the index privileges [read,all]")},
	"no-remote-indices-privileges": {level: "WARN", logger: "r.suppressed", message: "path: /my:cd/_search, params: {index=my:cd}",
		stack: withStack("org.elasticsearch.ElasticsearchSecurityException: action [indices:data/read/search] towards remote cluster [my] is unauthorized for user [foo] with effective roles [] (assigned roles [foo-role] were not found) because no remote indices privileges apply for the target cluster")},
	"s3-invalid-access-key": {level: "WARN", logger: "r.suppressed", message: "path: /_snapshot/repository/snapshot, params: {repository=repository, snapshot=snapshot}",
		stack: withStack("org.elasticsearch.transport.RemoteTransportException: [node-2][10.105.1.81:9300][cluster:admin/snapshot/create]",
			"Caused by: org.elasticsearch.common.io.stream.NotSerializableExceptionWrapper: amazon_s3_exception: The AWS Access Key Id you provided does not exist in our records. (Service: Amazon S3; Status Code: 403; Error Code: InvalidAccessKeyId; Request ID: EBB2BAA86AB71F48; S3 Extended Request ID: Dahd7zoXs9yMjzhATOK2SQ=)")},
	"s3-signature-mismatch": {level: "WARN", logger: "r.suppressed", message: "path: /_snapshot/s3repo/_verify, params: {repository=s3repo}",
		stack: withStack("com.amazonaws.services.s3.model.AmazonS3Exception: The request signature we calculated does not match the signature you provided. Check your key and signing method. (Service: Amazon S3; Status Code: 403; Error Code: SignatureDoesNotMatch; Request ID: X1; S3 Extended Request ID: Y1; Proxy: null)")},
	"tls-hostname-mismatch": {level: "WARN", logger: "o.e.c.s.DiagnosticTrustManager", message: trustedChain,
		stack: []string{"java.security.cert.CertificateException: No subject alternative names matching IP address 10.0.0.5 found"}},
	"tls-certificate-expired": {level: "WARN", logger: "o.e.c.s.DiagnosticTrustManager", message: trustedChain,
		stack: []string{"sun.security.validator.ValidatorException: PKIX path validation failed: java.security.cert.CertPathValidatorException: validity check failed",
			"Caused by: java.security.cert.CertificateExpiredException: NotAfter: Sun Jan 01 00:00:00 UTC 2023"}},
	"node-started":                   {level: "INFO", logger: "o.e.n.Node", message: "starting ..."},
	"node-stopping":                  {level: "INFO", logger: "o.e.n.Node", message: "stopping ..."},
	"publish-address":                {level: "INFO", logger: "o.e.t.TransportService", message: "publish_address {10.0.0.1:9300}, bound_addresses {[::]:9300}"},
	"mesh-bad-certificate":           {raw: "2024-01-03T10:00:00.123456Z\terror\tklog\thttp: TLS handshake error from 10.1.2.3:45678: remote error: tls: bad certificate"},
	"mesh-cannot-list-resource":      {raw: `2024-01-03T10:00:00.123456Z	error	failed to list CRDs: customresourcedefinitions.apiextensions.k8s.io is forbidden: User "system:serviceaccount:istio-system:istiod-service-account" cannot list resource "customresourcedefinitions" in API group "apiextensions.k8s.io" at the cluster scope`},
	"mesh-jwt-authentication-failed": {raw: "2024-01-03T10:00:00.123456Z\terror\tserverca\tAuthentication failed: Authenticator ClientCertAuthenticator at index 0 got error: no verified chain is found; Authenticator KubeJWTAuthenticator at index 1 got error: failed to validate the JWT from cluster \"\": the token is expired"},
}
