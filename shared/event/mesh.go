package event

// Mesh is what the service-mesh pack read on a node besides its logs: the
// mesh's own Kubernetes objects (saved `kubectl get ... -o yaml` files) and
// the mTLS certificate checks of guide 002 (saved `openssl s_client -alpn
// istio -showcerts` outputs, X-Forwarded-Client-Cert values), with the trust
// domain and CA the site expects.
type Mesh struct {
	// TrustDomain is the expected trust domain (istiod: the root's O; Mesh
	// CA: PROJECT_ID.svc.id.goog). Empty: not configured.
	TrustDomain string `json:"trust_domain,omitempty"`
	// CA is the expected certificate authority: "mesh-ca", "istiod" or ""
	// (not configured).
	CA          string          `json:"ca,omitempty"`
	Objects     MeshObjects     `json:"objects"`
	CertChecks  []MeshCertCheck `json:"cert_checks,omitempty"`
	Errors      []FileError     `json:"errors,omitempty"`
	ObjectFiles []string        `json:"object_files,omitempty"`
}

// MeshObjects are the mesh objects read, by kind.
type MeshObjects struct {
	PeerAuthentications    []PeerAuthentication    `json:"peer_authentications,omitempty"`
	AuthorizationPolicies  []AuthorizationPolicy   `json:"authorization_policies,omitempty"`
	RequestAuthentications []RequestAuthentication `json:"request_authentications,omitempty"`
	MutatingWebhooks       []MutatingWebhookConfig `json:"mutating_webhooks,omitempty"`
	Namespaces             []Namespace             `json:"namespaces,omitempty"`
}

// ObjectRef names where an object was read.
type ObjectRef struct {
	Name      string `json:"name"`
	Namespace string `json:"namespace,omitempty"`
	File      string `json:"file"`
}

// PeerAuthentication is a security.istio.io PeerAuthentication.
type PeerAuthentication struct {
	ObjectRef
	Selector map[string]string `json:"selector,omitempty"`
	// Mode is STRICT, PERMISSIVE, DISABLE, UNSET or "" (not set: inherits).
	Mode      string            `json:"mode,omitempty"`
	PortModes map[string]string `json:"port_modes,omitempty"`
}

// AuthorizationPolicy is a security.istio.io AuthorizationPolicy.
type AuthorizationPolicy struct {
	ObjectRef
	Selector map[string]string `json:"selector,omitempty"`
	Action   string            `json:"action"` // ALLOW (default), DENY, AUDIT, CUSTOM
	Rules    int               `json:"rules"`
	// DenyAll: an ALLOW policy without rules (spec {}) or a DENY policy
	// with an empty rule: every request to the selected workloads is denied.
	DenyAll bool `json:"deny_all,omitempty"`
}

// RequestAuthentication is a security.istio.io RequestAuthentication.
type RequestAuthentication struct {
	ObjectRef
	Selector  map[string]string `json:"selector,omitempty"`
	Issuers   []string          `json:"issuers,omitempty"`
	Audiences []string          `json:"audiences,omitempty"`
}

// MutatingWebhookConfig is an admissionregistration MutatingWebhookConfiguration.
type MutatingWebhookConfig struct {
	ObjectRef
	Webhooks []MutatingWebhook `json:"webhooks"`
}

// MutatingWebhook is one webhook of a configuration. The CA bundle itself
// is public, but only its size and fingerprint travel.
type MutatingWebhook struct {
	Name          string `json:"name"`
	CABundleBytes int    `json:"ca_bundle_bytes"`
	// CABundleSHA256 is the SHA-256 of the decoded bundle (hex), "" when empty.
	CABundleSHA256 string `json:"ca_bundle_sha256,omitempty"`
	Service        string `json:"service,omitempty"` // namespace/name of the webhook service
}

// Namespace is a Kubernetes namespace with its labels.
type Namespace struct {
	ObjectRef
	Labels map[string]string `json:"labels,omitempty"`
}

// MeshCertCheck is the certificate chain or client certificate one saved
// check shows.
type MeshCertCheck struct {
	File string `json:"file"`
	// Kind is "s_client" or "xfcc".
	Kind string `json:"kind"`
	// Chain is the chain as shown, leaf first.
	Chain []MeshCertName `json:"chain"`
	// Root is the last certificate of the chain when it is self-signed,
	// else nil (s_client shows the root only when the peer sends it).
	Root *MeshCertName `json:"root,omitempty"`
	// TrustDomains are the trust domains of the SPIFFE identities seen.
	TrustDomains []string `json:"trust_domains,omitempty"`
	// Identities are the SPIFFE URIs seen (XFCC By/URI, SAN URIs).
	Identities []string `json:"identities,omitempty"`
}

// MeshCertName is one certificate's names.
type MeshCertName struct {
	Subject string   `json:"subject"`
	Issuer  string   `json:"issuer,omitempty"`
	CN      string   `json:"cn,omitempty"`
	O       []string `json:"o,omitempty"`
	OU      []string `json:"ou,omitempty"`
	URIs    []string `json:"uris,omitempty"`
}
