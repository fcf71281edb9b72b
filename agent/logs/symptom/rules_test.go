package symptom

import (
	"strings"
	"testing"

	"github.com/esdoctor/esdoctor/shared/catalog"
)

// ruleCase is one log event from seed 001 (Elastic's remote-cluster
// troubleshooting guide) or reference/log-messages.md, with the symptom and
// fields it must give in every layout.
type ruleCase struct {
	name string
	ev   logEvent
	// headless: the event is an excerpt without header (ev.stack only),
	// rendered as is.
	headless bool
	want     catalog.SymptomCode // "" = no symptom
	fields   map[string]string   // a subset of the expected fields
}

const (
	trustGuide1 = "failed to establish trust with server at [192.168.0.42]; the server provided a certificate with subject name [CN=remote_cluster], fingerprint [529de35e15666ffaa26afa50876a2a48119db03a], no keyUsage and no extendedKeyUsage; the certificate is valid between [2023-01-29T12:08:37Z] and [2032-08-29T12:08:37Z] (current time is [2023-08-16T23:40:55.464275Z], certificate dates are valid); the session uses cipher suite [TLS_AES_256_GCM_SHA384] and protocol [TLSv1.3]; the certificate has subject alternative names [DNS:localhost,DNS:localhost6.localdomain6,IP:127.0.0.1,IP:0:0:0:0:0:0:0:1,DNS:localhost4,DNS:localhost6,DNS:localhost.localdomain,DNS:localhost4.localdomain4,IP:192.168.0.42]; the certificate is issued by [CN=Elastic Auto RemoteCluster CA] but the server did not provide a copy of the issuing certificate in the certificate chain; this ssl context ([(shared) (with trust configuration: JDK-trusted-certs)]) is not configured to trust that issuer but trusts [97] other issuers"
	trustGuide2 = "failed to establish trust with server at [1192.168.0.42]; the server provided a certificate with subject name [CN=transport], fingerprint [c43e628be2a8aaaa4092b82d78f2bc206c492322], no keyUsage and no extendedKeyUsage; the certificate is valid between [2023-01-29T12:05:53Z] and [2032-08-29T12:05:53Z] (current time is [2023-06-28T02:48:46.574738Z], certificate dates are valid); the session uses cipher suite [TLS_AES_256_GCM_SHA384] and protocol [TLSv1.3]; the certificate has subject alternative names [DNS:localhost,DNS:localhost6.localdomain6,IP:127.0.0.1,IP:0:0:0:0:0:0:0:1,DNS:localhost4,DNS:localhost6,DNS:localhost.localdomain,DNS:localhost4.localdomain4,IP:192.168.0.42]; the certificate is issued by [CN=Elastic Auto Transport CA] but the server did not provide a copy of the issuing certificate in the certificate chain; this ssl context ([xpack.security.remote_cluster_client.ssl (with trust configuration: PEM-trust{/rcs2/ssl/remote-cluster-ca.crt})]) is not configured to trust that issuer, it only trusts the issuer [CN=Elastic Auto RemoteCluster CA] with fingerprint [ba2350661f66e46c746c1629f0c4b645a2587ff4]"
	trustGuide3 = "failed to establish trust with server at [<unknown host>]; the server provided a certificate with subject name [CN=remote_cluster], fingerprint [529de35e15666ffaa26afa50876a2a48119db03a], no keyUsage and no extendedKeyUsage; the certificate is valid between [2023-01-29T12:08:37Z] and [2032-08-29T12:08:37Z] (current time is [2023-06-28T02:51:06.451581Z], certificate dates are valid); the session uses cipher suite [TLS_AES_256_GCM_SHA384] and protocol [TLSv1.3]; the certificate has subject alternative names [DNS:localhost,DNS:localhost6.localdomain6,IP:127.0.0.1,IP:0:0:0:0:0:0:0:1,DNS:localhost4,DNS:localhost6,DNS:localhost.localdomain,DNS:localhost4.localdomain4,IP:192.168.0.42]; the certificate is issued by [CN=Elastic Auto RemoteCluster CA] but the server did not provide a copy of the issuing certificate in the certificate chain; this ssl context ([xpack.security.transport.ssl (with trust configuration: PEM-trust{/rcs2/ssl/transport-ca.crt})]) is not configured to trust that issuer, it only trusts the issuer [CN=Elastic Auto Transport CA] with fingerprint [bbe49e3f986506008a70ab651b188c70df104812]"
	// A chain the local node trusts, from a server whose SANs do not name it.
	trustTrustedChain = "failed to establish trust with server at [10.0.0.5]; the server provided a certificate with subject name [CN=remote-node], fingerprint [1111111111111111111111111111111111111111], no keyUsage and extendedKeyUsage [serverAuth, clientAuth]; the certificate is valid between [2023-01-01T00:00:00Z] and [2034-01-01T00:00:00Z] (current time is [2024-03-01T10:00:00.123Z], certificate dates are valid); the session uses cipher suite [TLS_AES_256_GCM_SHA384] and protocol [TLSv1.3]; the certificate has subject alternative names [DNS:remote-node]; the certificate is issued by [CN=Remote CA]; the certificate is signed by (subject [CN=Remote CA] fingerprint [2222222222222222222222222222222222222222] {trusted issuer}) which is self-issued; the [CN=Remote CA] certificate is trusted in this ssl context ([xpack.security.remote_cluster_client.ssl (with trust configuration: PEM-trust{/etc/es/remote-ca.crt})])"
	pkixBuilding      = "sun.security.validator.ValidatorException: PKIX path building failed: sun.security.provider.certpath.SunCertPathBuilderException: unable to find valid certification path to requested target"
	handshakeRTE      = "org.elasticsearch.transport.RemoteTransportException: [remote-node][192.168.0.42:9309][cluster:internal/remote_cluster/handshake]"
	handshakeRTE2     = "org.elasticsearch.transport.RemoteTransportException: [remote-node][192.168.0.42:9443][cluster:internal/remote_cluster/handshake]"
)

var frames = []string{
	"\tat org.elasticsearch.transport.TcpTransport$ChannelsConnectedListener.onFailure(TcpTransport.java:1144) ~[elasticsearch-8.10.0.jar:?]",
	"\tat org.elasticsearch.action.ActionListener$Delegating.onFailure(ActionListener.java:66) ~[elasticsearch-8.10.0.jar:?]",
}

func withFrames(lines ...string) []string { return append(lines, frames...) }

var ruleCases = []ruleCase{
	// seed 001: Remote cluster not reachable.
	{name: "guide proxy connect_exception", ev: logEvent{"WARN", "o.e.t.ProxyConnectionStrategy", "local-node",
		"failed to open any proxy connections to cluster [my]",
		withFrames("org.elasticsearch.transport.ConnectTransportException: [][192.168.0.42:9443] connect_exception")},
		want: catalog.SymConnectException, fields: map[string]string{"alias": "my", "address": "192.168.0.42:9443", "exception": "org.elasticsearch.transport.ConnectTransportException"}},
	{name: "guide sniff connect_exception", ev: logEvent{"WARN", "o.e.t.SniffConnectionStrategy", "local-node",
		"fetching nodes from external cluster [my] failed",
		withFrames("org.elasticsearch.transport.ConnectTransportException: [][192.168.0.42:9443] connect_exception",
			"Caused by: io.netty.channel.AbstractChannel$AnnotatedConnectException: Connection refused: /192.168.0.42:9443",
			"Caused by: java.net.ConnectException: Connection refused")},
		want: catalog.SymConnectException, fields: map[string]string{"alias": "my", "address": "192.168.0.42:9443", "cause": "Connection refused"}},
	// seed 001: connection unreliable.
	{name: "guide closed by remote", ev: logEvent{"INFO", "o.e.t.ClusterConnectionManager", "local-node",
		"transport connection to [{my-remote#192.168.0.42:9443}{...}] closed by remote", nil},
		want: catalog.SymClosedByRemote, fields: map[string]string{"node_description": "{my-remote#192.168.0.42:9443}{...}", "alias": "my-remote", "address": "192.168.0.42:9443"}},
	// seed 001: TLS trust not established.
	{name: "guide trust failure shared context", ev: logEvent{"WARN", "o.e.c.s.DiagnosticTrustManager", "local-node", trustGuide1, []string{pkixBuilding}},
		want: catalog.SymTLSTrustFailure, fields: map[string]string{
			"peer": "server", "server_address": "192.168.0.42", "subject": "CN=remote_cluster",
			"fingerprint": "529de35e15666ffaa26afa50876a2a48119db03a", "issuer": "CN=Elastic Auto RemoteCluster CA",
			"sans":        "DNS:localhost,DNS:localhost6.localdomain6,IP:127.0.0.1,IP:0:0:0:0:0:0:0:1,DNS:localhost4,DNS:localhost6,DNS:localhost.localdomain,DNS:localhost4.localdomain4,IP:192.168.0.42",
			"ssl_context": "(shared)", "trust_config": "JDK-trusted-certs", "trusted_count": "97", "issuer_trusted": "false",
			"reason": "issuer-not-trusted", "not_before": "2023-01-29T12:08:37Z", "not_after": "2032-08-29T12:08:37Z"}},
	{name: "guide client did not trust remote_cluster profile", ev: logEvent{"WARN", "o.e.x.c.s.t.n.SecurityNetty4Transport", "remote-node",
		"client did not trust this server's certificate, closing connection Netty4TcpChannel{localAddress=/192.168.0.42:9443, remoteAddress=/192.168.0.84:57305, profile=_remote_cluster}", nil},
		want: catalog.SymClientDidNotTrustServerCert, fields: map[string]string{"local_address": "192.168.0.42:9443", "remote_address": "192.168.0.84:57305", "profile": "_remote_cluster"}},
	// seed 001: connecting to the transport port with API keys, symptom 1.
	{name: "guide trust failure remote_cluster_client context", ev: logEvent{"WARN", "o.e.c.s.DiagnosticTrustManager", "local-node", trustGuide2, []string{pkixBuilding}},
		want: catalog.SymTLSTrustFailure, fields: map[string]string{
			"server_address": "1192.168.0.42", "subject": "CN=transport", "issuer": "CN=Elastic Auto Transport CA",
			"ssl_context": "xpack.security.remote_cluster_client.ssl", "trust_config": "PEM-trust{/rcs2/ssl/remote-cluster-ca.crt}",
			"trusted_issuers": "CN=Elastic Auto RemoteCluster CA", "trusted_issuer_fingerprint": "ba2350661f66e46c746c1629f0c4b645a2587ff4",
			"trusted_count": "1", "issuer_trusted": "false", "reason": "issuer-not-trusted"}},
	{name: "guide client did not trust default profile", ev: logEvent{"WARN", "o.e.x.c.s.t.n.SecurityNetty4Transport", "remote-node",
		"client did not trust this server's certificate, closing connection Netty4TcpChannel{localAddress=/192.168.0.42:9309, remoteAddress=/192.168.0.84:60810, profile=default}", nil},
		want: catalog.SymClientDidNotTrustServerCert, fields: map[string]string{"local_address": "192.168.0.42:9309", "profile": "default"}},
	// Symptom 2: bad_certificate / Empty client certificate chain.
	{name: "guide bad_certificate", ev: logEvent{"WARN", "o.e.t.TcpTransport", "local-node",
		"exception caught on transport layer [Netty4TcpChannel{localAddress=/192.168.0.84:60738, remoteAddress=/192.168.0.42:9309, profile=_remote_cluster}], closing connection",
		withFrames("io.netty.handler.codec.DecoderException: javax.net.ssl.SSLHandshakeException: Received fatal alert: bad_certificate")},
		want: catalog.SymBadCertificateAlert, fields: map[string]string{"local_address": "192.168.0.84:60738", "remote_address": "192.168.0.42:9309", "profile": "_remote_cluster", "exception": "io.netty.handler.codec.DecoderException"}},
	{name: "guide empty client certificate chain", ev: logEvent{"WARN", "o.e.t.TcpTransport", "remote-node",
		"exception caught on transport layer [Netty4TcpChannel{localAddress=/192.168.0.42:9309, remoteAddress=/192.168.0.84:60783, profile=default}], closing connection",
		withFrames("io.netty.handler.codec.DecoderException: javax.net.ssl.SSLHandshakeException: Empty client certificate chain")},
		want: catalog.SymEmptyClientCertificateChain, fields: map[string]string{"local_address": "192.168.0.42:9309", "profile": "default"}},
	// Symptom 3: missing authentication.
	{name: "guide missing authentication credentials", ev: logEvent{"WARN", "o.e.t.ProxyConnectionStrategy", "local-node",
		"failed to open any proxy connections to cluster [my]",
		withFrames(handshakeRTE, "Caused by: org.elasticsearch.ElasticsearchSecurityException: missing authentication credentials for action [cluster:internal/remote_cluster/handshake]")},
		want: catalog.SymHandshakeMissingAuthentication, fields: map[string]string{"alias": "my", "remote_node": "remote-node", "address": "192.168.0.42:9309", "action": "cluster:internal/remote_cluster/handshake"}},
	// Symptom 4: anonymous access (the guide shows the two lines alone).
	{name: "guide anonymous unauthorized (excerpt)", headless: true, ev: logEvent{stack: []string{handshakeRTE,
		"Caused by: org.elasticsearch.ElasticsearchSecurityException: action [cluster:internal/remote_cluster/handshake] is unauthorized for user [anonymous_foo] with effective roles [reporting_user], this action is granted by the cluster privileges [cross_cluster_search,cross_cluster_replication,manage,all]"}},
		want: catalog.SymAnonymousUnauthorized, fields: map[string]string{"user": "anonymous_foo", "roles": "reporting_user", "remote_node": "remote-node", "address": "192.168.0.42:9309", "action": "cluster:internal/remote_cluster/handshake"}},
	{name: "anonymous unauthorized in the proxy WARN", ev: logEvent{"WARN", "o.e.t.ProxyConnectionStrategy", "local-node",
		"failed to open any proxy connections to cluster [my]",
		withFrames(handshakeRTE, "Caused by: org.elasticsearch.ElasticsearchSecurityException: action [cluster:internal/remote_cluster/handshake] is unauthorized for user [anonymous_foo] with effective roles [reporting_user], this action is granted by the cluster privileges [cross_cluster_search,cross_cluster_replication,manage,all]")},
		want: catalog.SymAnonymousUnauthorized, fields: map[string]string{"alias": "my", "user": "anonymous_foo"}},
	{name: "guide channel profile mismatch", ev: logEvent{"WARN", "o.e.t.ProxyConnectionStrategy", "local-node",
		"failed to open any proxy connections to cluster [my]",
		withFrames(handshakeRTE, "Caused by: java.lang.IllegalArgumentException: remote cluster handshake action requires channel profile to be [_remote_cluster], but got [default]")},
		want: catalog.SymChannelProfileMismatch, fields: map[string]string{"alias": "my", "profile": "default", "expected_profile": "_remote_cluster", "address": "192.168.0.42:9309"}},
	// Connecting without a cross-cluster API key.
	{name: "guide trust failure transport context", ev: logEvent{"WARN", "o.e.c.s.DiagnosticTrustManager", "local-node", trustGuide3, []string{pkixBuilding}},
		want: catalog.SymTLSTrustFailure, fields: map[string]string{"server_address": "<unknown host>", "ssl_context": "xpack.security.transport.ssl",
			"trust_config": "PEM-trust{/rcs2/ssl/transport-ca.crt}", "trusted_issuers": "CN=Elastic Auto Transport CA",
			"trusted_issuer_fingerprint": "bbe49e3f986506008a70ab651b188c70df104812"}},
	{name: "guide missing cross-cluster credentials header (excerpt)", headless: true, ev: logEvent{stack: []string{
		"Caused by: java.lang.IllegalArgumentException: Cross cluster requests through the dedicated remote cluster server port require transport header [_cross_cluster_access_credentials] but none found. Please ensure you have configured remote cluster credentials on the cluster originating the request."}},
		want: catalog.SymMissingCrossClusterCredentialsHeader, fields: map[string]string{"exception": "java.lang.IllegalArgumentException"}},
	{name: "missing cross-cluster credentials header in the proxy WARN", ev: logEvent{"WARN", "o.e.t.ProxyConnectionStrategy", "local-node",
		"failed to open any proxy connections to cluster [my]",
		withFrames(handshakeRTE2, "Caused by: org.elasticsearch.ElasticsearchSecurityException: failed to extract credentials from headers",
			"Caused by: java.lang.IllegalArgumentException: Cross cluster requests through the dedicated remote cluster server port require transport header [_cross_cluster_access_credentials] but none found. Please ensure you have configured remote cluster credentials on the cluster originating the request.")},
		want: catalog.SymMissingCrossClusterCredentialsHeader, fields: map[string]string{"alias": "my", "address": "192.168.0.42:9443"}},
	// Wrong API key type.
	{name: "guide api key wrong type", ev: logEvent{"WARN", "o.e.t.ProxyConnectionStrategy", "local-node",
		"failed to open any proxy connections to cluster [my]",
		withFrames(handshakeRTE2, "Caused by: org.elasticsearch.ElasticsearchSecurityException: authentication expected API key type of [cross_cluster], but API key [agZXJocBmA2beJfq2yKu] has type [rest]")},
		want: catalog.SymAPIKeyWrongType, fields: map[string]string{"alias": "my", "api_key_id": "agZXJocBmA2beJfq2yKu", "api_key_type": "rest", "expected_type": "cross_cluster", "remote_node": "remote-node"}},
	// Invalid API key.
	{name: "guide unable to authenticate", ev: logEvent{"WARN", "o.e.t.ProxyConnectionStrategy", "local-node",
		"failed to open any proxy connections to cluster [my]",
		withFrames(handshakeRTE2, "Caused by: org.elasticsearch.ElasticsearchSecurityException: unable to authenticate user [agZXJocBmA2beJfq2yKu] for action [cluster:internal/remote_cluster/handshake]")},
		want: catalog.SymAPIKeyUnableToAuthenticate, fields: map[string]string{"alias": "my", "user": "agZXJocBmA2beJfq2yKu", "api_key_id": "agZXJocBmA2beJfq2yKu", "action": "cluster:internal/remote_cluster/handshake", "address": "192.168.0.42:9443"}},
	{name: "guide apikey authenticator", ev: logEvent{"WARN", "o.e.x.s.a.ApiKeyAuthenticator", "remote-node",
		"Authentication using apikey failed - invalid credentials for API key [agZXJocBmA2beJfq2yKu]", nil},
		want: catalog.SymAPIKeyInvalidCredentials, fields: map[string]string{"api_key_id": "agZXJocBmA2beJfq2yKu", "reason": "invalid-credentials"}},
	// Invalidated / deleted keys: the cross-cluster authenticator says so
	// (9.x logs it from CrossClusterAccessAuthenticationService); from
	// ApiKeyAuthenticator the same reasons are what HTTP clients (APM
	// Server, Beats) cause with REST keys, so they are the generic
	// api-key-authentication-failed there (paired by id, or nothing).
	{name: "apikey invalidated", ev: logEvent{"WARN", "o.e.x.s.a.CrossClusterAccessAuthenticationService", "remote-node",
		"Authentication using apikey failed - api key [agZXJocBmA2beJfq2yKu] has been invalidated", nil},
		want: catalog.SymAPIKeyInvalidCredentials, fields: map[string]string{"api_key_id": "agZXJocBmA2beJfq2yKu", "reason": "invalidated"}},
	{name: "apikey deleted", ev: logEvent{"WARN", "o.e.x.s.a.CrossClusterAccessAuthenticationService", "remote-node",
		"Authentication using apikey failed - unable to find apikey with id agZXJocBmA2beJfq2yKu", nil},
		want: catalog.SymAPIKeyInvalidCredentials, fields: map[string]string{"api_key_id": "agZXJocBmA2beJfq2yKu", "reason": "not-found"}},
	{name: "REST apikey deleted (APM Server)", ev: logEvent{"WARN", "o.e.x.s.a.ApiKeyAuthenticator", "es-node",
		"Authentication using apikey failed - unable to find apikey with id _xv4qYMBEPciG7IXzKb4", nil},
		want: catalog.SymAPIKeyAuthenticationFailed, fields: map[string]string{"api_key_id": "_xv4qYMBEPciG7IXzKb4", "reason": "not-found"}},
	{name: "REST apikey malformed (Beats)", ev: logEvent{"WARN", "o.e.x.s.a.ApiKeyAuthenticator", "es-node",
		"Authentication using apikey failed - Illegal base64 character 3a", nil},
		want: catalog.SymAPIKeyAuthenticationFailed, fields: map[string]string{}},
	{name: "REST apikey expired", ev: logEvent{"WARN", "o.e.x.s.a.ApiKeyAuthenticator", "es-node",
		"Authentication using apikey failed - api key is expired", nil},
		want: catalog.SymAPIKeyAuthenticationFailed, fields: map[string]string{"reason": "expired"}},
	// Insufficient privileges (the security_exception texts, as a REST failure logs them).
	{name: "guide remote indices unauthorized", ev: logEvent{"WARN", "r.suppressed", "local-node",
		"path: /my:cd/_search, params: {index=my:cd}",
		withFrames("org.elasticsearch.ElasticsearchSecurityException: action [indices:data/read/search] towards remote cluster is unauthorized for user [foo] with assigned roles [foo-role] authenticated by API key id [agZXJocBmA2beJfq2yKu] of user [elastic-admin] on indices [cd], this action is granted by the index privileges [read,all]")},
		want: catalog.SymRemoteIndicesUnauthorized, fields: map[string]string{"action": "indices:data/read/search", "user": "foo", "roles": "foo-role", "api_key_id": "agZXJocBmA2beJfq2yKu", "indices": "cd"}},
	{name: "guide no remote indices privileges", ev: logEvent{"WARN", "r.suppressed", "local-node",
		"path: /my:cd/_search, params: {index=my:cd}",
		withFrames("org.elasticsearch.ElasticsearchSecurityException: action [indices:data/read/search] towards remote cluster [my] is unauthorized for user [foo] with effective roles [] (assigned roles [foo-role] were not found) because no remote indices privileges apply for the target cluster")},
		want: catalog.SymNoRemoteIndicesPrivileges, fields: map[string]string{"action": "indices:data/read/search", "alias": "my", "user": "foo"}},

	// reference/log-messages.md section 1.
	{name: "sniff WARN without brackets", ev: logEvent{"WARN", "o.e.t.SniffConnectionStrategy", "local-node",
		"fetching nodes from external cluster my failed",
		withFrames("org.elasticsearch.transport.ConnectTransportException: [remote-1][10.0.0.7:9300] connect_timeout[30s]")},
		want: catalog.SymConnectException, fields: map[string]string{"alias": "my", "address": "10.0.0.7:9300", "remote_node": "remote-1"}},
	{name: "older RemoteClusterConnection logger", ev: logEvent{"WARN", "o.e.t.RemoteClusterConnection", "node-1",
		"fetching nodes from external cluster [cluster_two] failed",
		withFrames("org.elasticsearch.transport.ConnectTransportException: [][192.168.1.1:9300] connect_timeout[10s]")},
		want: catalog.SymConnectException, fields: map[string]string{"alias": "cluster_two", "address": "192.168.1.1:9300"}},
	{name: "no seed node left", ev: logEvent{"WARN", "o.e.t.SniffConnectionStrategy", "local-node",
		"fetching nodes from external cluster [my] failed",
		withFrames("org.elasticsearch.transport.NoSeedNodeLeftException: no seed node left for cluster: [my]")},
		want: catalog.SymNoSeedNodeLeft, fields: map[string]string{"alias": "my"}},
	{name: "proxy no seed node left with address (8.8+)", ev: logEvent{"WARN", "o.e.t.RemoteClusterService", "local-node",
		"failed to connect to remote clusters",
		withFrames("org.elasticsearch.transport.NoSeedNodeLeftException: Unable to open any proxy connections to cluster [my] at address [192.168.0.42:9443]",
			"\tSuppressed: org.elasticsearch.transport.ConnectTransportException: [][192.168.0.42:9443] connect_exception")},
		want: catalog.SymNoSeedNodeLeft, fields: map[string]string{"alias": "my", "address": "192.168.0.42:9443"}},
	{name: "proxy no seed node left, ProxyConnectionStrategy WARN (8.8+)", ev: logEvent{"WARN", "o.e.t.ProxyConnectionStrategy", "local-node",
		"failed to open any proxy connections to cluster [my]",
		withFrames("org.elasticsearch.transport.NoSeedNodeLeftException: Unable to open any proxy connections to cluster [my] at address [192.168.0.42:9443]",
			"\tat org.elasticsearch.transport.ProxyConnectionStrategy.getNoSeedNodeLeftException(ProxyConnectionStrategy.java:284) ~[elasticsearch-8.13.4.jar:8.13.4]",
			"\tSuppressed: org.elasticsearch.transport.ConnectTransportException: [][192.168.0.42:9443] connect_exception",
			"\tCaused by: java.net.ConnectException: Connection refused: /192.168.0.42:9443")},
		want: catalog.SymNoSeedNodeLeft, fields: map[string]string{"alias": "my", "address": "192.168.0.42:9443"}},

	{name: "remote compress changed through the settings API", ev: logEvent{"INFO", "o.e.c.s.ClusterSettings", "local-node",
		"updating [cluster.remote.my.transport.compress] from [false] to [true]", nil},
		want: catalog.SymRemoteConnectionSettingsUpdated, fields: map[string]string{"alias": "my", "setting": "compress", "from": "false", "to": "true"}},
	{name: "remote ping_schedule changed", ev: logEvent{"INFO", "o.e.c.s.ClusterSettings", "local-node",
		"updating [cluster.remote.cluster_two.transport.ping_schedule] from [-1] to [30s]", nil},
		want: catalog.SymRemoteConnectionSettingsUpdated, fields: map[string]string{"alias": "cluster_two", "setting": "ping_schedule", "to": "30s"}},
	// The audit log (<cluster>_audit.json): access_denied of a remote index
	// search on the querying side, and on the fulfilling side with the
	// cross-cluster access of the API key.
	{name: "audit access_denied, querying side (remote index expression)", headless: true, ev: logEvent{stack: []string{
		`{"type":"audit", "timestamp":"2023-06-28T16:36:47,264+0000", "cluster.name":"local", "cluster.uuid":"r3LhQj0iT3-8pbnmVCYrpQ", "node.name":"local-1", "node.id":"9clhpgjJRR-iKzOw20xBNQ", "event.type":"transport", "event.action":"access_denied", "authentication.type":"REALM", "user.name":"foo", "user.realm":"default_native", "user.roles":["foo-role"], "origin.type":"rest", "origin.address":"[::1]:52434", "request.id":"yKOgWxZ6TKqxu8vU4Kj0Iw", "action":"indices:data/read/search", "request.name":"SearchRequest", "indices":["my:logs-*"]}`}},
		want: catalog.SymNoRemoteIndicesPrivileges, fields: map[string]string{"alias": "my", "user": "foo", "action": "indices:data/read/search", "indices": "my:logs-*", "source": "audit"}},
	{name: "audit access_denied, fulfilling side (cross-cluster access)", headless: true, ev: logEvent{stack: []string{
		`{"type":"audit", "timestamp":"2023-06-28T16:36:47,300+0000", "cluster.name":"remote", "node.name":"remote-1", "event.type":"transport", "event.action":"access_denied", "authentication.type":"API_KEY", "user.name":"foo", "user.realm":"_es_cross_cluster_access", "cross_cluster_access":{"authentication":{"user":{"name":"foo","realm":"default_native"}},"role_descriptors":[]}, "apikey.id":"agZXJocBmA2beJfq2yKu", "apikey.name":"my-cc-key", "origin.type":"transport", "origin.address":"192.168.0.7:55532", "action":"indices:data/read/search", "request.name":"SearchRequest", "indices":["logs-2023"]}`}},
		want: catalog.SymRemoteIndicesUnauthorized, fields: map[string]string{"user": "foo", "api_key_id": "agZXJocBmA2beJfq2yKu", "indices": "logs-2023", "origin_address": "192.168.0.7:55532"}},
	// Item: SSL files are hot-reloaded; a broken replacement is logged by
	// FileWatcher with the reloader in the stack (8.x names).
	{name: "ssl reload failed (8.x)", ev: logEvent{"WARN", "o.e.w.FileWatcher", "node-1", "cannot notify file changes listener",
		[]string{"org.elasticsearch.common.ssl.SslConfigException: cannot read configured PEM certificate_authorities [/etc/es/certs/ca.crt] because the file does not exist",
			"\tat org.elasticsearch.xpack.core.ssl.SSLService.reloadSSLContext(SSLService.java:512) ~[?:?]",
			"\tat org.elasticsearch.xpack.core.ssl.SSLConfigurationReloader$ChangeListener.onFileChanged(SSLConfigurationReloader.java:151) ~[?:?]",
			"\tat org.elasticsearch.watcher.FileWatcher$FileObserver.onFileChanged(FileWatcher.java:325) ~[elasticsearch-8.13.4.jar:?]"}},
		want: catalog.SymSSLReloadFailed, fields: map[string]string{"path": "/etc/es/certs/ca.crt", "exception": "org.elasticsearch.common.ssl.SslConfigException"}},

	// Older wordings: JDK 8 / ES < 7.6 untrusted issuer without the
	// diagnostic; 6.x/7.x transports (netty and nio); a cross-cluster search
	// whose remote went away (r.suppressed, 7.x).
	{name: "JDK 8 PKIX on the 6.x transport", ev: logEvent{"WARN", "o.e.x.s.t.n.SecurityNetty4ServerTransport", "node-1",
		"exception caught on transport layer [NettyTcpChannel{localAddress=/10.0.0.1:41320, remoteAddress=10.0.0.9/10.0.0.9:9300}], closing connection",
		[]string{"io.netty.handler.codec.DecoderException: javax.net.ssl.SSLHandshakeException: General SSLEngine problem",
			"Caused by: javax.net.ssl.SSLHandshakeException: General SSLEngine problem",
			"Caused by: " + pkixBuilding,
			"\tat sun.security.validator.PKIXValidator.doBuild(PKIXValidator.java:397) ~[?:1.8.0_171]"}},
		want: catalog.SymTLSTrustFailure, fields: map[string]string{"reason": "untrusted-issuer", "remote_address": "10.0.0.9:9300"}},
	{name: "7.x nio transport untrusted issuer", ev: logEvent{"WARN", "o.e.x.s.t.n.SecurityNioTransport", "node-1",
		"exception from channel [NioSocketChannel{localAddress=/10.0.0.1:41320, remoteAddress=/10.0.0.9:9300}] while handling network event",
		[]string{"javax.net.ssl.SSLHandshakeException: PKIX path building failed: sun.security.provider.certpath.SunCertPathBuilderException: unable to find valid certification path to requested target"}},
		want: catalog.SymTLSTrustFailure, fields: map[string]string{"reason": "untrusted-issuer"}},
	{name: "7.x cross-cluster search, remote node disconnected", ev: logEvent{"WARN", "r.suppressed", "node-1",
		"path: /remote1:logs-*/_search, params: {index=remote1:logs-*}",
		withFrames("org.elasticsearch.transport.NodeDisconnectedException: [remote-node-2][10.0.0.9:9300][indices:data/read/search[phase/query]] disconnected")},
		want: catalog.SymClosedByRemote, fields: map[string]string{"alias": "remote1", "address": "10.0.0.9:9300", "remote_node": "remote-node-2"}},
	{name: "proxy WARN with an unrecognised cause", ev: logEvent{"WARN", "o.e.t.ProxyConnectionStrategy", "local-node",
		"failed to open any proxy connections to cluster [my]",
		withFrames("org.elasticsearch.transport.ConnectTransportException: [][192.168.0.42:9443] general node connection failure",
			"Caused by: java.lang.IllegalStateException: handshake failed with {192.168.0.42:9443}")},
		want: catalog.SymProxyConnectionsFailed, fields: map[string]string{"alias": "my", "address": "192.168.0.42:9443"}},
	{name: "remote cluster service 9.1 project prefix", ev: logEvent{"WARN", "o.e.t.RemoteClusterService", "local-node",
		"project [default] failed to connect to remote clusters within 30s",
		withFrames("org.elasticsearch.transport.ConnectTransportException: [][10.1.1.1:9443] connect_exception")},
		want: catalog.SymConnectException, fields: map[string]string{"address": "10.1.1.1:9443"}},
	{name: "failed to update seed list (7.0)", ev: logEvent{"WARN", "o.e.t.RemoteClusterService", "node-1",
		"failed to update seed list for cluster: cluster_two",
		withFrames("org.elasticsearch.transport.ConnectTransportException: [][10.0.0.9:9300] connect_exception")},
		want: catalog.SymConnectException, fields: map[string]string{"alias": "cluster_two", "address": "10.0.0.9:9300"}},

	{name: "sniff DEBUG moving to next seed node", ev: logEvent{"DEBUG", "o.e.t.SniffConnectionStrategy", "local-node",
		"fetching nodes from external cluster [my] failed moving to next seed node",
		withFrames("org.elasticsearch.transport.ConnectTransportException: [][10.0.0.7:9443] connect_exception")},
		want: catalog.SymConnectException, fields: map[string]string{"alias": "my", "address": "10.0.0.7:9443"}},
	{name: "proxy DEBUG failed to open remote connection", ev: logEvent{"DEBUG", "o.e.t.ProxyConnectionStrategy", "local-node",
		"failed to open remote connection [remote cluster: my, address: 10.0.0.8:9443]",
		withFrames("java.net.ConnectException: Connection refused")},
		want: catalog.SymConnectException, fields: map[string]string{"alias": "my", "address": "10.0.0.8:9443"}},
	{name: "managed connection WARN with a connect cause", ev: logEvent{"WARN", "o.e.t.SniffConnectionStrategy", "local-node",
		"[my] failed to open managed connection to node [{remote-1}{abc}{10.0.0.9}{10.0.0.9:9300}]",
		withFrames("org.elasticsearch.transport.ConnectTransportException: [remote-1][10.0.0.9:9300] connect_timeout[30s]")},
		want: catalog.SymConnectException, fields: map[string]string{"alias": "my", "address": "10.0.0.9:9300", "remote_node": "remote-1"}},

	// Section 3: TLS.
	{name: "transport layer exception with profile", ev: logEvent{"WARN", "o.e.t.TcpTransport", "node-1",
		"exception caught on transport layer [Netty4TcpChannel{localAddress=/10.0.0.1:9300, remoteAddress=/10.0.0.2:51000, profile=default}], closing connection",
		withFrames("io.netty.handler.codec.DecoderException: javax.net.ssl.SSLHandshakeException: Received fatal alert: certificate_unknown")},
		want: catalog.SymTransportException, fields: map[string]string{"profile": "default", "local_address": "10.0.0.1:9300"}},
	{name: "client did not trust (7.x channel)", ev: logEvent{"WARN", "o.e.x.c.s.t.n.SecurityNetty4Transport", "es-node1",
		"client did not trust this server's certificate, closing connection Netty4TcpChannel{localAddress=0.0.0.0/0.0.0.0:9300, remoteAddress=/192.168.0.17:40486}", nil},
		want: catalog.SymClientDidNotTrustServerCert, fields: map[string]string{"local_address": "0.0.0.0:9300", "remote_address": "192.168.0.17:40486"}},
	{name: "trust failure expired", ev: logEvent{"WARN", "o.e.c.s.DiagnosticTrustManager", "local-node",
		"failed to establish trust with server at [10.0.0.5]; the server provided a certificate with subject name [CN=remote], fingerprint [3333333333333333333333333333333333333333], no keyUsage and no extendedKeyUsage; the certificate is valid between [2022-01-01T00:00:00Z] and [2023-01-01T00:00:00Z] (current time is [2024-03-01T10:00:00.123Z], certificate dates are not valid); the session uses cipher suite [TLS_AES_256_GCM_SHA384] and protocol [TLSv1.3]; the certificate has subject alternative names [DNS:remote]; the certificate is issued by [CN=Remote CA] but the server did not provide a copy of the issuing certificate in the certificate chain; the issuing certificate with fingerprint [4444444444444444444444444444444444444444] is trusted in this ssl context ([xpack.security.remote_cluster_client.ssl (with trust configuration: PEM-trust{/etc/es/remote-ca.crt})])",
		[]string{"sun.security.validator.ValidatorException: PKIX path validation failed: java.security.cert.CertPathValidatorException: validity check failed",
			"Caused by: java.security.cert.CertificateExpiredException: NotAfter: Sun Jan 01 00:00:00 UTC 2023"}},
		want: catalog.SymTLSCertificateExpired, fields: map[string]string{"reason": "expired", "not_after": "2023-01-01T00:00:00Z", "subject": "CN=remote", "issuer_trusted": "true", "ssl_context": "xpack.security.remote_cluster_client.ssl"}},
	{name: "trust failure hostname mismatch", ev: logEvent{"WARN", "o.e.c.s.DiagnosticTrustManager", "local-node", trustTrustedChain,
		[]string{"java.security.cert.CertificateException: No subject alternative names matching IP address 10.0.0.5 found"}},
		want: catalog.SymTLSHostnameMismatch, fields: map[string]string{"reason": "hostname-mismatch", "sans": "DNS:remote-node", "issuer_trusted": "true", "server_address": "10.0.0.5", "trusted_issuer_fingerprint": "2222222222222222222222222222222222222222"}},
	{name: "trust failure hostname mismatch DNS", ev: logEvent{"WARN", "o.e.c.s.DiagnosticTrustManager", "local-node", trustTrustedChain,
		[]string{"java.security.cert.CertificateException: No subject alternative DNS name matching es-remote.example.com found."}},
		want: catalog.SymTLSHostnameMismatch, fields: map[string]string{"reason": "hostname-mismatch"}},
	{name: "hostname mismatch on the transport layer (diagnose.trust off)", ev: logEvent{"WARN", "o.e.t.TcpTransport", "local-node",
		"exception caught on transport layer [Netty4TcpChannel{localAddress=/10.0.0.1:50000, remoteAddress=/10.0.0.5:9443, profile=_remote_cluster}], closing connection",
		withFrames("io.netty.handler.codec.DecoderException: javax.net.ssl.SSLHandshakeException: No subject alternative DNS name matching es-remote found.")},
		want: catalog.SymTLSHostnameMismatch, fields: map[string]string{"remote_address": "10.0.0.5:9443", "profile": "_remote_cluster"}},
	{name: "expired on the transport layer (diagnose.trust off)", ev: logEvent{"WARN", "o.e.t.TcpTransport", "local-node",
		"exception caught on transport layer [Netty4TcpChannel{localAddress=/10.0.0.1:50000, remoteAddress=/10.0.0.5:9443, profile=_remote_cluster}], closing connection",
		withFrames("io.netty.handler.codec.DecoderException: javax.net.ssl.SSLHandshakeException: PKIX path validation failed: java.security.cert.CertPathValidatorException: validity check failed",
			"Caused by: java.security.cert.CertificateExpiredException: NotAfter: Sun Jan 01 00:00:00 UTC 2023")},
		want: catalog.SymTLSCertificateExpired, fields: map[string]string{"reason": "expired", "remote_address": "10.0.0.5:9443"}},
	{name: "trust failure with client peer", ev: logEvent{"WARN", "o.e.c.s.DiagnosticTrustManager", "remote-node",
		"failed to establish trust with client at [10.0.0.9]; the client provided a certificate with subject name [CN=local], fingerprint [5555555555555555555555555555555555555555], no keyUsage and no extendedKeyUsage; the certificate is issued by [CN=Local CA] but the client did not provide a copy of the issuing certificate in the certificate chain; this ssl context ([xpack.security.transport.ssl (with trust configuration: PEM-trust{/etc/es/ca.crt})]) is not configured to trust that issuer or any other issuer",
		[]string{pkixBuilding}},
		want: catalog.SymTLSTrustFailure, fields: map[string]string{"peer": "client", "trusted_count": "0", "reason": "issuer-not-trusted"}},

	// Section 5: S3.
	{name: "s3 invalid access key (SDK v1)", ev: logEvent{"WARN", "r.suppressed", "node-1",
		"path: /_snapshot/repository/snapshot, params: {repository=repository, wait_for_completion=true, snapshot=snapshot}",
		withFrames("org.elasticsearch.transport.RemoteTransportException: [mp-clstr03-node01][10.105.1.81:9300][cluster:admin/snapshot/create]",
			"Caused by: org.elasticsearch.common.io.stream.NotSerializableExceptionWrapper: amazon_s3_exception: The AWS Access Key Id you provided does not exist in our records. (Service: Amazon S3; Status Code: 403; Error Code: InvalidAccessKeyId; Request ID: EBB2BAA86AB71F48; S3 Extended Request ID: Dahd7zoXs9yMjzhATOK2SQdZ73yd+Z252hOyLS4/b7gOwGa+GtT1RSpDDKiE85XPaKpslbOtnAA=)")},
		want: catalog.SymS3InvalidAccessKey, fields: map[string]string{"aws_error_code": "InvalidAccessKeyId", "request_path": "/_snapshot/repository/snapshot", "remote_node": "mp-clstr03-node01"}},
	{name: "s3 invalid access key (SDK v2)", ev: logEvent{"WARN", "o.e.r.s.S3BlobStore", "node-1",
		"failed to create snapshot",
		withFrames("software.amazon.awssdk.services.s3.model.S3Exception: The AWS Access Key Id you provided does not exist in our records. (Service: S3, Status Code: 403, Request ID: 1234ABCD, Extended Request ID: abc=) (SDK Attempt Count: 1)")},
		want: catalog.SymS3InvalidAccessKey, fields: map[string]string{"aws_error_code": "InvalidAccessKeyId", "exception": "software.amazon.awssdk.services.s3.model.S3Exception"}},
	{name: "s3 signature mismatch", ev: logEvent{"WARN", "r.suppressed", "node-1",
		"path: /_snapshot/s3repo/_verify, params: {repository=s3repo}",
		withFrames("org.elasticsearch.repositories.RepositoryVerificationException: [s3repo] path  is not accessible on master node",
			"Caused by: com.amazonaws.services.s3.model.AmazonS3Exception: The request signature we calculated does not match the signature you provided. Check your key and signing method. (Service: Amazon S3; Status Code: 403; Error Code: SignatureDoesNotMatch; Request ID: X1; S3 Extended Request ID: Y1; Proxy: null)")},
		want: catalog.SymS3SignatureMismatch, fields: map[string]string{"aws_error_code": "SignatureDoesNotMatch", "request_path": "/_snapshot/s3repo/_verify"}},

	// Section 6: node identity.
	{name: "version line", ev: logEvent{"INFO", "o.e.n.Node", "node-1",
		"version[8.11.4], pid[12345], build[docker/da06c53fd49b7e676ccf8a32d6655c5155c16d81/2024-01-08T10:05:08.438562403Z], OS[Linux/5.15.0/amd64], JVM[Oracle Corporation/OpenJDK 64-Bit Server VM/21.0.1/21.0.1+12-29]", nil},
		want: catalog.SymNodeStarted, fields: map[string]string{"es_version": "8.11.4", "pid": "12345"}},
	{name: "node name line", ev: logEvent{"INFO", "o.e.n.Node", "d209b8c0b498",
		"node name [d209b8c0b498], node ID [GKTK4aW1R2u8LQAcUIJqDw], cluster name [docker-cluster], roles [master, data, remote_cluster_client]", nil},
		want: catalog.SymNodeStarted, fields: map[string]string{"node_id": "GKTK4aW1R2u8LQAcUIJqDw", "cluster_name": "docker-cluster"}},
	{name: "starting", ev: logEvent{"INFO", "o.e.n.Node", "node-1", "starting ...", nil}, want: catalog.SymNodeStarted},
	{name: "started with node description", ev: logEvent{"INFO", "o.e.n.Node", "node-1",
		"started {node-1}{aBcD1234efGH5678ijKL90}{xyz}{node-1}{10.0.0.1}{10.0.0.1:9300}{cdfhilmrstw}{8.11.4}", nil},
		want: catalog.SymNodeStarted, fields: map[string]string{"node_id": "aBcD1234efGH5678ijKL90"}},
	{name: "started bare", ev: logEvent{"INFO", "o.e.n.Node", "node-1", "started", nil}, want: catalog.SymNodeStarted},
	{name: "stopping", ev: logEvent{"INFO", "o.e.n.Node", "node-1", "stopping ...", nil}, want: catalog.SymNodeStopping},
	{name: "transport publish address", ev: logEvent{"INFO", "o.e.t.TransportService", "node-1",
		"publish_address {127.0.0.1:53925}, bound_addresses {[::1]:53922}, {127.0.0.1:53925}", nil},
		want: catalog.SymPublishAddress, fields: map[string]string{"profile": "transport", "publish_address": "127.0.0.1:53925", "bound_addresses": "[::1]:53922, 127.0.0.1:53925"}},
	{name: "remote cluster profile publish address", ev: logEvent{"INFO", "o.e.t.TransportService", "node-1",
		"profile [_remote_cluster]: publish_address {10.0.0.1:9443}, bound_addresses {10.0.0.1:9443}", nil},
		want: catalog.SymPublishAddress, fields: map[string]string{"profile": "_remote_cluster", "publish_address": "10.0.0.1:9443"}},
	{name: "http publish address", ev: logEvent{"INFO", "o.e.h.AbstractHttpServerTransport", "node-1",
		"publish_address {10.0.0.1:9200}, bound_addresses {[::]:9200}", nil},
		want: catalog.SymPublishAddress, fields: map[string]string{"profile": "http", "publish_address": "10.0.0.1:9200"}},
}

// lookAlikes must give no symptom in any layout.
var lookAlikes = []ruleCase{
	{name: "audit access_denied of a local index", headless: true, ev: logEvent{stack: []string{
		`{"type":"audit", "timestamp":"2020-12-31T00:33:52,521+0200", "node.id":"9clhpgjJRR-iKzOw20xBNQ", "event.type":"transport", "event.action":"access_denied", "authentication.type":"REALM", "user.name":"user1", "user.realm":"default_native", "user.roles":["test_role"], "origin.type":"rest", "origin.address":"[::1]:52434", "request.id":"yKOgWxZ6TKqxu8vU4Kj0Iw", "action":"indices:admin/auto_create", "request.name":"CreateIndexRequest", "indices":["<my-index-{now/d}>"]}`}}},
	// Identity look-alikes: not written by Elasticsearch.
	{name: "cross-cluster API key used on REST (reverse wrong type)", ev: logEvent{"WARN", "r.suppressed", "node-1",
		"path: /_search, params: {}",
		withFrames("org.elasticsearch.ElasticsearchSecurityException: authentication expected API key type of [rest], but API key [agZXJocBmA2beJfq2yKu] has type [cross_cluster]")}},
	{name: "Search Guard transport TLS", ev: logEvent{"ERROR", "c.f.s.s.t.SearchGuardSSLNettyTransport", "node-1",
		"SSL Problem Received fatal alert: bad_certificate",
		[]string{"javax.net.ssl.SSLHandshakeException: Received fatal alert: bad_certificate", "\tat com.floragunn.searchguard.ssl.transport.SearchGuardSSLNettyTransport$1.exceptionCaught(SearchGuardSSLNettyTransport.java:100)"}}},
	{name: "Logstash S3 output", ev: logEvent{"ERROR", "logstash.outputs.s3", "main",
		"Error validating bucket write permissions!",
		[]string{"Aws::S3::Errors::InvalidAccessKeyId: The AWS Access Key Id you provided does not exist in our records."}}},
	{name: "enrollment tool stderr in a test log", headless: true, ev: logEvent{stack: []string{
		"ERROR: Failed to determine the health of the cluster. javax.net.ssl.SSLHandshakeException: No subject alternative names matching IP address 127.0.0.1 found",
		"\tat org.elasticsearch.xpack.core.security.CommandLineHttpClient.execute(CommandLineHttpClient.java:162)"}}},
	{name: "http layer bad_certificate", ev: logEvent{"WARN", "o.e.h.n.Netty4HttpServerTransport", "node1",
		"caught exception while handling client http traffic, closing connection [id: 0x08365b14, L:0.0.0.0/0.0.0.0:9200 ! R:/10.100.20.44:51042]",
		withFrames("io.netty.handler.codec.DecoderException: javax.net.ssl.SSLHandshakeException: Received fatal alert: bad_certificate")}},
	{name: "http layer bad_certificate (AbstractHttpServerTransport)", ev: logEvent{"WARN", "o.e.h.AbstractHttpServerTransport", "node-1",
		"caught exception while handling client http traffic, closing connection Netty4HttpChannel{localAddress=/192.168.4.79:9200, remoteAddress=/192.168.205.7:53370}",
		withFrames("io.netty.handler.codec.DecoderException: javax.net.ssl.SSLHandshakeException: Received fatal alert: bad_certificate")}},
	{name: "http client did not trust", ev: logEvent{"WARN", "o.e.h.n.Netty4HttpServerTransport", "node-1",
		"http client did not trust this server's certificate, closing connection Netty4HttpChannel{localAddress=/10.0.0.1:9200, remoteAddress=/10.0.0.7:50123}", nil}},
	{name: "trust failure in the http ssl context", ev: logEvent{"WARN", "o.e.c.s.DiagnosticTrustManager", "node-1",
		"failed to establish trust with server at [172.22.0.2]; the server provided a certificate with subject name [CN=elasticsearch] and fingerprint [ba3916192819a035d7ce7d9afe594fca7acebe92]; the certificate has subject alternative names [DNS:localhost,DNS:elasticsearch]; the certificate is issued by [CN=Elastic Certificate Tool Autogenerated CA]; the certificate is signed by (subject [CN=Elastic Certificate Tool Autogenerated CA] fingerprint [d9615ba6befe90ba321a77d197f3b8218e12e672] {trusted issuer}) which is self-issued; the [CN=Elastic Certificate Tool Autogenerated CA] certificate is trusted in this ssl context ([xpack.security.http.ssl])",
		[]string{"java.security.cert.CertificateException: No subject alternative names matching IP address 172.22.0.2 found"}}},
	{name: "trust failure in a realm ssl context", ev: logEvent{"WARN", "o.e.c.s.DiagnosticTrustManager", "node-1",
		"failed to establish trust with server at [ldap.example.com]; the server provided a certificate with subject name [CN=ldap], fingerprint [6666666666666666666666666666666666666666], no keyUsage and no extendedKeyUsage; the certificate is issued by [CN=Corp CA] but the server did not provide a copy of the issuing certificate in the certificate chain; this ssl context ([xpack.security.authc.realms.ldap.ldap1.ssl (with trust configuration: JDK-trusted-certs)]) is not configured to trust that issuer but trusts [97] other issuers",
		[]string{pkixBuilding}}},
	{name: "tls request on a plaintext transport", ev: logEvent{"WARN", "o.e.t.TcpTransport", "es-node1",
		"SSL/TLS request received but SSL/TLS is not enabled on this node, got (16,3,3,1), [Netty4TcpChannel{localAddress=/192.168.0.17:9300, remoteAddress=/192.168.0.17:40646}], closing connection", nil}},
	{name: "cancelled connect", ev: logEvent{"WARN", "o.e.t.SniffConnectionStrategy", "node-1",
		"fetching nodes from external cluster [test-cluster] failed",
		withFrames("org.elasticsearch.common.util.CancellableThreads$ExecutionCancelledException: operation was cancelled reason [connect handler is closed]")}},
	{name: "watcher webhook connect failure", ev: logEvent{"ERROR", "o.e.x.w.a.w.ExecutableWebhookAction", "node-1",
		"failed to execute action [my_watch/my_webhook]",
		withFrames("java.net.ConnectException: Connection refused", "\tat org.apache.http.impl.nio.reactor.DefaultConnectingIOReactor.processEvent(DefaultConnectingIOReactor.java:174) ~[?:?]")}},
	{name: "reindex from remote connect failure", ev: logEvent{"WARN", "r.suppressed", "node-1",
		"path: /_reindex, params: {}",
		withFrames("java.net.ConnectException: Connection refused", "\tat org.elasticsearch.client.RestClient.extractAndWrapCause(RestClient.java:918) ~[?:?]",
			"\tat org.elasticsearch.reindex.remote.RemoteScrollableHitSource.execute(RemoteScrollableHitSource.java:200) ~[?:?]")}},
	{name: "local cluster peer connect failure", ev: logEvent{"WARN", "o.e.d.PeerFinder", "node-1",
		"address [10.0.0.2:9300], node [null], requesting [false] connection failed: [][10.0.0.2:9300] connect_exception: Connection refused: /10.0.0.2:9300", nil}},
	{name: "missing authentication token (transport client)", ev: logEvent{"WARN", "o.e.x.s.t.ServerTransportFilter", "node-1",
		"exception while authenticating",
		withFrames("org.elasticsearch.ElasticsearchSecurityException: missing authentication token for action [cluster:monitor/state]")}},
	{name: "realm password failure", ev: logEvent{"INFO", "o.e.x.s.a.AuthenticationService", "es-node1",
		"Authentication of [elastic] was terminated by realm [reserved] - failed to authenticate user [elastic]", nil}},
	{name: "rest user unable to authenticate", ev: logEvent{"WARN", "r.suppressed", "node-1",
		"path: /_search, params: {}",
		withFrames("org.elasticsearch.ElasticsearchSecurityException: unable to authenticate user [elastic] for REST request [/_search]")}},
	{name: "s3 access denied", ev: logEvent{"WARN", "r.suppressed", "node-1",
		"path: /_snapshot/s3repo/snap1, params: {}",
		withFrames("com.amazonaws.services.s3.model.AmazonS3Exception: Access Denied (Service: Amazon S3; Status Code: 403; Error Code: AccessDenied; Request ID: X; S3 Extended Request ID: Y)")}},
	{name: "reopened local connection", ev: logEvent{"WARN", "o.e.c.NodeConnectionsService", "node-1",
		"reopened transport connection to node [{node-2}{abc}{def}{node-2}{10.0.0.2}{10.0.0.2:9300}{cdfhilmrstw}] which disconnected exceptionally [2ms] ago but did not restart, so the disconnection is unexpected; if unexpected, see [https://www.elastic.co/guide/en/elasticsearch/reference/8.11/cluster-fault-detection.html#_diagnosing_other_network_disconnections] for troubleshooting guidance", nil}},
	{name: "node closed", ev: logEvent{"WARN", "r.suppressed", "node-1",
		"path: /_bulk, params: {}", withFrames("org.elasticsearch.node.NodeClosedException: node closed {node-1}{abc}{10.0.0.1}{10.0.0.1:9300}")}},
	{name: "initialized is not a start", ev: logEvent{"INFO", "o.e.n.Node", "node-1", "initialized", nil}},
	{name: "stopped is not stopping", ev: logEvent{"INFO", "o.e.n.Node", "node-1", "stopped", nil}},
	{name: "node not connected", ev: logEvent{"WARN", "r.suppressed", "node-1", "path: /_search, params: {}",
		withFrames("org.elasticsearch.transport.NodeNotConnectedException: [node-2][10.0.0.2:9300] Node not connected")}},
	{name: "plaintext on an encrypted channel", ev: logEvent{"WARN", "o.e.x.c.s.t.n.SecurityNetty4Transport", "node-1",
		"received plaintext traffic on an encrypted channel, closing connection Netty4TcpChannel{localAddress=/10.0.0.1:9300, remoteAddress=/10.0.0.2:50000}", nil}},
	{name: "started from another logger", ev: logEvent{"INFO", "o.e.x.m.j.p.a.AutodetectProcessManager", "node-1", "started", nil}},
}

func hasAnyCode(t *testing.T, text string, m *Matcher) (string, map[string]string, int) {
	t.Helper()
	recs, foreign := joinAll(text)
	n := 0
	var code string
	var fields map[string]string
	for i, r := range recs {
		if foreign[i] {
			continue
		}
		n++
		if s, ok := m.Match(r); ok {
			if code != "" {
				t.Errorf("more than one symptom: %s and %s", code, s.Symptom)
			}
			code, fields = s.Symptom, s.Fields
		}
	}
	return code, fields, n
}

func renderings(c ruleCase) map[string]string {
	if c.headless {
		return map[string]string{"excerpt": strings.Join(c.ev.stack, "\n") + "\n"}
	}
	return map[string]string{"plain": c.ev.plain(), "ecs-json": c.ev.ecs(), "es-json-7": c.ev.json7()}
}

func TestRuleTable(t *testing.T) {
	m := NewMatcher(Options{})
	for _, c := range ruleCases {
		for layoutName, text := range renderings(c) {
			t.Run(c.name+"/"+layoutName, func(t *testing.T) {
				code, fields, n := hasAnyCode(t, text, m)
				if n != 1 {
					t.Fatalf("joined into %d records, want 1:\n%s", n, text)
				}
				if code != string(c.want) {
					t.Fatalf("got %q, want %q\n%s", code, c.want, text)
				}
				for k, v := range c.fields {
					if fields[k] != v {
						t.Errorf("field %s = %q, want %q (all: %v)", k, fields[k], v, fields)
					}
				}
			})
		}
	}
}

func TestLookAlikes(t *testing.T) {
	m := NewMatcher(Options{MeshPack: true})
	for _, c := range lookAlikes {
		for layoutName, text := range renderings(c) {
			t.Run(c.name+"/"+layoutName, func(t *testing.T) {
				if code, _, _ := hasAnyCode(t, text, m); code != "" {
					t.Errorf("look-alike gave %s:\n%s", code, text)
				}
			})
		}
	}
}

// TestEveryCodeHasARule: each catalog symptom code is in the table and in
// a rule case (mesh codes are the mesh pack's, agent/mesh/meshlog).
func TestEveryCodeHasARule(t *testing.T) {
	inTable := map[catalog.SymptomCode]bool{}
	for _, r := range Rules() {
		inTable[r.Code] = true
		if _, ok := catalog.LookupSymptom(r.Code); !ok {
			t.Errorf("rule code %s is not in the catalog", r.Code)
		}
	}
	tested := map[catalog.SymptomCode]bool{}
	for _, c := range ruleCases {
		tested[c.want] = true
	}
	for _, s := range catalog.Symptoms() {
		if s.Retired {
			continue
		}
		if s.Pack == "mesh" {
			continue // agent/mesh/meshlog
		}
		if !inTable[s.Code] {
			t.Errorf("catalog symptom %s has no rule", s.Code)
		}
		if s.Pack == "" && !tested[s.Code] {
			t.Errorf("catalog symptom %s has no rule case", s.Code)
		}
	}
}

// TestPrefilterCoversRules: every rule case's text holds a prefilter literal
// (so the fast path cannot skip it), and records without one match nothing.
func TestPrefilterCoversRules(t *testing.T) {
	m := NewMatcher(Options{MeshPack: true})
	for _, c := range ruleCases {
		for name, text := range renderings(c) {
			if !m.Candidate([]byte(text)) {
				t.Errorf("%s/%s: no prefilter literal found", c.name, name)
			}
			if !m.Possible([]byte(text)) {
				t.Errorf("%s/%s: Possible rules it out", c.name, name)
			}
		}
	}
	if m.Candidate([]byte("[2024-01-01T00:00:00,000][INFO ][o.e.c.r.a.AllocationService] [n] Cluster health status changed from [YELLOW] to [GREEN]")) {
		t.Error("noise line is a candidate")
	}
}
