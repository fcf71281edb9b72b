package main

import "github.com/esdoctor/esdoctor/shared/catalog"

// advice is what explain says about one symptom: what it means, which
// diagnoses it can lead to (the aggregator decides which one with the other
// side's logs and the configuration), and what to check by hand.
type advice struct {
	Meaning string
	LeadsTo []catalog.Code
	Check   []string
	// Informational symptoms describe the node (start, address), not a
	// problem.
	Informational bool
}

// adviceFor covers every symptom code of the catalog (a test checks it).
var adviceFor = map[catalog.SymptomCode]advice{
	catalog.SymConnectException: {
		Meaning: "The local node could not open a TCP connection to the address in the line: nothing listens there, or something drops the traffic.",
		LeadsTo: []catalog.Code{catalog.RemoteUnreachable, catalog.RemoteServerDisabled, catalog.RemoteServerBoundToLoopback},
		Check: []string{
			"From the local node: nc -vz HOST PORT (the address in the line).",
			"On the remote nodes: remote_cluster_server.enabled: true, and remote_cluster.host/port (default port 9443) not on loopback.",
			"The seeds or proxy_address of the remote (GET _cluster/settings, cluster.remote.<alias>.*) name that host and port.",
			"Firewalls and security groups between the two clusters allow the port.",
		},
	},
	catalog.SymNoSeedNodeLeft: {
		Meaning: "Every seed of a sniff-mode remote cluster failed; the cause is in the preceding connect errors.",
		LeadsTo: []catalog.Code{catalog.RemoteUnreachable, catalog.RemoteServerDisabled},
		Check:   []string{"GET _remote/info on the local cluster: connected, num_nodes_connected and the seeds.", "Each seed's host:port is reachable from every local node."},
	},
	catalog.SymProxyConnectionsFailed: {
		Meaning: "A proxy-mode remote cluster could not open any connection to its proxy_address.",
		LeadsTo: []catalog.Code{catalog.RemoteUnreachable, catalog.RemoteServerDisabled, catalog.RemoteServerBoundToLoopback},
		Check:   []string{"cluster.remote.<alias>.proxy_address points at the remote cluster server port (9443 by default).", "The cause further down the excerpt (connect_exception, TLS or authentication error)."},
	},
	catalog.SymClosedByRemote: {
		Meaning: "An established transport connection was closed by the other end: a node restart (benign) or a middlebox dropping idle connections.",
		LeadsTo: []catalog.Code{catalog.ConnectionUnreliable},
		Check: []string{
			"Did the remote node restart at that time (its log: starting ... / stopping ...)?",
			"sysctl net.ipv4.tcp_keepalive_time (300 recommended) and net.ipv4.tcp_retries2 (5) on both clusters' nodes.",
			"Idle timeouts of firewalls, NAT gateways and load balancers between the clusters.",
		},
	},
	catalog.SymTLSTrustFailure: {
		Meaning: "The TLS client did not trust the certificate the server presented; the line names the server certificate, its issuer and the CAs the client trusts.",
		LeadsTo: []catalog.Code{catalog.TLSUntrustedCA, catalog.TransportPortInsteadOfRemoteClusterPort, catalog.MissingCrossClusterCredentials, catalog.TLSHostnameMismatch},
		Check: []string{
			"The ssl context in the line: xpack.security.remote_cluster_client.ssl is the API-key model; xpack.security.transport.ssl against a remote means the certificate model or a missing credentials entry.",
			"The issuer in the line: a 'Transport CA' issuer means the seeds point at the transport port (9300) instead of remote_cluster.port (9443).",
			"openssl x509 -noout -subject -fingerprint -in <the CA file of the ssl context> and compare with the issuer's fingerprint in the line.",
		},
	},
	catalog.SymClientDidNotTrustServerCert: {
		Meaning: "This node is the server: the client (the other cluster) rejected its certificate. The client's log says why.",
		LeadsTo: []catalog.Code{catalog.TLSUntrustedCA, catalog.TransportPortInsteadOfRemoteClusterPort},
		Check: []string{
			"The profile: _remote_cluster means the client trusts the wrong CA; default means the client connects to the transport port.",
			"The client's log at the same time (failed to establish trust with server ...).",
		},
	},
	catalog.SymBadCertificateAlert: {
		Meaning: "The peer aborted the TLS handshake with bad_certificate: it wanted a client certificate this node did not send, or rejected it.",
		LeadsTo: []catalog.Code{catalog.TransportPortInsteadOfRemoteClusterPort},
		Check:   []string{"The port the seeds name: the transport port requires a client certificate, the remote cluster port does not.", "The remote node's log: Empty client certificate chain on profile default."},
	},
	catalog.SymEmptyClientCertificateChain: {
		Meaning: "This node's transport port required a client certificate and the client sent none: an API-key client connecting to the transport port.",
		LeadsTo: []catalog.Code{catalog.TransportPortInsteadOfRemoteClusterPort},
		Check:   []string{"Which cluster connects from the remote address in the line, and whether its seeds name transport.port instead of remote_cluster.port."},
	},
	catalog.SymTransportException: {
		Meaning: "An exception on the transport layer, with the channel profile (default = transport port, _remote_cluster = remote cluster server port).",
		LeadsTo: []catalog.Code{catalog.TransportPortInsteadOfRemoteClusterPort, catalog.TLSUntrustedCA},
		Check:   []string{"The profile and the remote address in the line; the cause further down the excerpt."},
	},
	catalog.SymHandshakeMissingAuthentication: {
		Meaning: "The remote cluster handshake reached a port that expects authentication the client did not send: the API-key client connects to the transport port.",
		LeadsTo: []catalog.Code{catalog.TransportPortInsteadOfRemoteClusterPort},
		Check:   []string{"cluster.remote.<alias>.seeds / proxy_address use remote_cluster.port (9443 by default), not transport.port (9300)."},
	},
	catalog.SymChannelProfileMismatch: {
		Meaning: "The remote cluster handshake arrived on the default (transport) profile; it must use the _remote_cluster profile.",
		LeadsTo: []catalog.Code{catalog.TransportPortInsteadOfRemoteClusterPort},
		Check:   []string{"Point the seeds / proxy_address at remote_cluster.port of the remote nodes."},
	},
	catalog.SymAnonymousUnauthorized: {
		Meaning: "The handshake ran as the remote cluster's anonymous user: it arrived on the transport port without credentials.",
		LeadsTo: []catalog.Code{catalog.TransportPortInsteadOfRemoteClusterPort},
		Check:   []string{"The seeds' port; with API keys it must be remote_cluster.port."},
	},
	catalog.SymMissingCrossClusterCredentialsHeader: {
		Meaning: "The remote cluster server port got a connection without a cross-cluster API key: the local keystore has no cluster.remote.<alias>.credentials.",
		LeadsTo: []catalog.Code{catalog.MissingCrossClusterCredentials},
		Check: []string{
			"bin/elasticsearch-keystore list on every local node: cluster.remote.<alias>.credentials, with the alias used in the remote settings.",
			"After adding it: POST _nodes/reload_secure_settings.",
		},
	},
	catalog.SymAPIKeyWrongType: {
		Meaning: "The key in cluster.remote.<alias>.credentials is a REST API key; remote clusters need a cross-cluster API key.",
		LeadsTo: []catalog.Code{catalog.RestAPIKeyInsteadOfCrossCluster},
		Check:   []string{"GET /_security/api_key?id=<id in the line> on the remote cluster: type must be cross_cluster.", "Create one with POST /_security/cross_cluster/api_key."},
	},
	catalog.SymAPIKeyUnableToAuthenticate: {
		Meaning: "The remote cluster could not authenticate the cross-cluster API key sent for the handshake.",
		LeadsTo: []catalog.Code{catalog.InvalidAPIKey},
		Check:   []string{"The remote cluster's log for 'Authentication using apikey failed' with the same id.", "GET /_security/api_key?id=<id> on the remote: invalidated or expired?"},
	},
	catalog.SymAPIKeyInvalidCredentials: {
		Meaning: "The API key id exists on the remote cluster but the secret is wrong, or the key is invalidated, expired or unknown.",
		LeadsTo: []catalog.Code{catalog.InvalidAPIKey},
		Check:   []string{"Every local node's keystore holds the same, current key (esdoctor reports nodes that differ).", "Replace cluster.remote.<alias>.credentials on every local node, then reload secure settings."},
	},
	catalog.SymAPIKeyAuthenticationFailed: {
		Meaning: "An API key failed to authenticate on this node. Without a cross-cluster context this is most often an HTTP client's REST key (APM Server, Beats, Logstash, Kibana) that was deleted, expired or badly encoded; it is the cross-cluster key failure only when the id is the one in a local cluster's cluster.remote.<alias>.credentials.",
		LeadsTo: []catalog.Code{catalog.InvalidAPIKey},
		Check:   []string{"GET /_security/api_key?id=<id in the line>: its name and type say which client uses it (type cross_cluster: a remote cluster's key).", "For an HTTP client: fix the key in that client's configuration (output.elasticsearch.api_key, apm-server.api_key ...)."},
	},
	catalog.SymRemoteIndicesUnauthorized: {
		Meaning: "A cross-cluster action was denied: the local user's remote_indices privileges and the cross-cluster key's access do not both allow it.",
		LeadsTo: []catalog.Code{catalog.InsufficientRemotePrivileges},
		Check:   []string{"The local user's role: remote_indices for the remote alias and the indices.", "The cross-cluster API key's access on the remote cluster (search / replication, names)."},
	},
	catalog.SymNoRemoteIndicesPrivileges: {
		Meaning: "The local user has no remote_indices privileges at all for the target remote cluster.",
		LeadsTo: []catalog.Code{catalog.NoRemoteIndicesPrivileges},
		Check:   []string{"Add remote_indices with clusters: [<alias>] to the user's role."},
	},
	catalog.SymS3InvalidAccessKey: {
		Meaning: "S3 does not know the access key this node sent: a stale s3.client.<name>.access_key in its keystore (often where an IAM role was intended).",
		LeadsTo: []catalog.Code{catalog.S3StaleKeystoreCredentials},
		Check:   []string{"bin/elasticsearch-keystore list on every node: s3.client.<name>.access_key / secret_key present on only some?", "Remove them where the instance role should be used, then restart."},
	},
	catalog.SymS3SignatureMismatch: {
		Meaning: "S3 rejected the request signature: the secret key in the keystore does not match the access key.",
		LeadsTo: []catalog.Code{catalog.S3StaleKeystoreCredentials},
		Check:   []string{"s3.client.<name>.secret_key in the keystore of the node that logged it; the same on every node."},
	},
	catalog.SymTLSHostnameMismatch: {
		Meaning: "Hostname verification failed: the certificate's subject alternative names do not include the host the client connected to.",
		LeadsTo: []catalog.Code{catalog.TLSHostnameMismatch},
		Check:   []string{"openssl x509 -noout -ext subjectAltName -in <server certificate>, against the seed host (or server_name in proxy mode)."},
	},
	catalog.SymTLSCertificateExpired: {
		Meaning: "A certificate in the handshake is outside its validity period.",
		LeadsTo: []catalog.Code{catalog.TLSCertificateExpired},
		Check:   []string{"openssl x509 -noout -dates -in <certificate> on both sides; renew it and replace the file in place (same name): ES reloads it within seconds."},
	},
	catalog.SymSSLReloadFailed: {
		Meaning: "Elasticsearch noticed that a certificate, key or CA file its ssl settings name was replaced, but could not load the new content: the node keeps the old key material.",
		LeadsTo: []catalog.Code{catalog.SSLReloadFailed},
		Check: []string{
			"Is the file readable by the elasticsearch user (ls -l), complete, and in the format its setting expects?",
			"Fix it in place (same name): ES polls it every 5 s and reloads it; no restart is needed.",
		},
	},
	catalog.SymRemoteConnectionSettingsUpdated: {
		Meaning: "A remote cluster's transport.compress / compression_scheme / ping_schedule was changed through the cluster settings API; ES reopens that alias's connections once.",
		LeadsTo: []catalog.Code{catalog.ConnectionUnreliable},
		Check:   []string{"Connections of the alias closed right after this line are its consequence, not an unreliable network (connection-unreliable leaves them out)."},
	},
	catalog.SymNodeStarted: {
		Meaning: "The node started (version, pid, name): it marks a restart, which explains closed connections and ends the effect of older configuration.",
		LeadsTo: []catalog.Code{catalog.ConnectionUnreliable, catalog.ConfigChangedSinceStart},
		Check:   []string{"Whether the start lines up with errors on the other cluster."}, Informational: true,
	},
	catalog.SymNodeStopping: {
		Meaning: "The node is stopping: connections to it close by remote at this time, which is expected.",
		LeadsTo: []catalog.Code{catalog.ConnectionUnreliable},
		Check:   []string{"Whether the stop was planned."}, Informational: true,
	},
	catalog.SymPublishAddress: {
		Meaning: "The address a profile (transport, _remote_cluster, http) publishes and binds: a loopback address here cannot be reached from other hosts.",
		LeadsTo: []catalog.Code{catalog.RemoteServerBoundToLoopback},
		Check:   []string{"For the _remote_cluster profile: remote_cluster.host / network.host must not be a loopback address."}, Informational: true,
	},
	catalog.SymMeshBadCertificate: {
		Meaning: "istiod failed a TLS handshake because its client (usually the Kubernetes API server calling the sidecar injector webhook) rejected istiod's certificate. Usually transient and informational (istiod restart, certificate rotation); when it persists, the webhook's CA bundle no longer matches istiod's CA.",
		LeadsTo: []catalog.Code{catalog.MeshIstiodBadCertificate},
		Check: []string{
			"Whether it persists: count the lines over the last 10-30 minutes (kubectl logs -n istio-system deploy/istiod | grep -c 'TLS handshake error.*bad certificate').",
			"kubectl get mutatingwebhookconfigurations.admissionregistration.k8s.io istio-sidecar-injector -o=jsonpath='{.webhooks[0].clientConfig.caBundle}' is not empty.",
			"If it is empty (the webhook configuration was re-applied): restart istiod so that it patches the CA bundle in again (kubectl rollout restart deployment/istiod -n istio-system).",
		},
	},
	catalog.SymMeshCannotListResource: {
		Meaning: "istiod's service account is not allowed to list a resource it needs (cluster-scope RBAC, or on Anthos Service Mesh the mesh data plane IAM binding).",
		LeadsTo: []catalog.Code{catalog.MeshIstiodCannotListResource},
		Check: []string{
			`The IAM binding: gcloud projects add-iam-policy-binding ${PROJECT_ID} --member "serviceAccount:service-${PROJECT_NUMBER}@gcp-sa-meshdataplane.iam.gserviceaccount.com" --role "roles/meshdataplane.serviceAgent".`,
			"The RBAC rules exist (kubectl get clusterrole | grep istiod); if not, run istioctl install (or the installer used) again.",
			"The ClusterRoleBindings/RoleBindings bind them to the service account in the line, and the istiod Deployment runs as that account (spec.template.spec.serviceAccountName).",
		},
	},
	catalog.SymMeshJwtAuthenticationFailed: {
		Meaning: "istiod (its CA server, serverca, or the XDS server) could not authenticate a workload by its Kubernetes service account token: wrong JWT issuer configuration, an expired token, or a token audience istiod does not accept.",
		LeadsTo: []catalog.Code{catalog.MeshCAJwtAuthenticationFailed},
		Check: []string{
			"The cause in the line: 'token has expired' (restart the client pod for a fresh projected token; check clocks), 'audiences ... is invalid for the target audiences [istio-ca]' (jwtPolicy / third-party tokens), a signature or issuer error (the API server's --service-account-issuer vs istiod's configuration).",
			"The client address in the line names the pod whose sidecar has no certificate.",
		},
	},
	catalog.SymMeshRbacDenied: {
		Meaning: "An Istio sidecar denied the request with 403 (RBAC: access denied): an AuthorizationPolicy applies to the destination and does not allow it. That is the policy working; when the request should pass, the policy named is the one to change.",
		LeadsTo: []catalog.Code{catalog.MeshRbacAccessDenied},
		Check: []string{
			"The matched policy in the access log (rbac_access_denied_matched_policy[ns[NS]-policy[NAME]-rule[N]]): kubectl get authorizationpolicy -n NS NAME -o yaml.",
			"The source principal, namespace, path and method of the request against the policy's rules.",
		},
	},
	catalog.SymMeshPlaintextRefused: {
		Meaning: "A plaintext connection was reset by a sidecar whose mTLS is STRICT (the client sees curl: (56) Recv failure: Connection reset by peer; the server's access log shows NR filter_chain_not_found). Expected for a client outside the mesh; a problem when the client should be in the mesh but has no sidecar.",
		LeadsTo: []catalog.Code{catalog.MeshPlaintextRefusedByStrictMtls},
		Check: []string{
			"The client pod has an istio-proxy container (kubectl get pod POD -o jsonpath='{.spec.containers[*].name}').",
			"Its namespace is labelled for injection (istio-injection=enabled or istio.io/rev=REVISION) and the istio-sidecar-injector webhook has its CA bundle.",
			"The destination's PeerAuthentication (STRICT vs PERMISSIVE) is what you intend.",
		},
	},
	catalog.SymMeshRequestAllowed: {
		Meaning: "An Istio sidecar let a request into its workload (inbound 2xx/3xx). Normal traffic; it matters when the namespace has a deny-all AuthorizationPolicy, which should have answered 403 RBAC: access denied.",
		LeadsTo: []catalog.Code{catalog.MeshAuthorizationPolicyNotEnforced},
		Check: []string{
			"kubectl get authorizationpolicy -n NS: a policy with spec {} denies everything to the namespace's workloads.",
			"The destination pods run the istio-proxy sidecar and the policy is in their namespace.",
		},
		Informational: true,
	},
	catalog.SymMeshUpstreamTLSError: {
		Meaning: "An Istio sidecar's TLS handshake to its upstream failed. CERTIFICATE_VERIFY_FAILED: the two sidecars do not share a root of trust (different roots across clusters, a rotated root, a DestinationRule with its own CA); WRONG_VERSION_NUMBER: TLS spoken to a plaintext port or the reverse.",
		LeadsTo: []catalog.Code{catalog.MeshUpstreamTLSVerifyFailed},
		Check: []string{
			"istioctl proxy-config secret POD -n NS on both sides: the ROOTCA must be the same.",
			"DestinationRules for the host (tls mode ISTIO_MUTUAL vs SIMPLE/DISABLE) and the port's protocol.",
		},
	},
}
