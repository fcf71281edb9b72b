package diagnosis

import "time"

// CertComparison sets the certificates of one remote cluster connection
// side by side (GET /api/v1/diagnoses/{id}/certificates): what each remote
// node presents against what the local nodes trust and the host the local
// side dials.
type CertComparison struct {
	Local  string `json:"local"`
	Alias  string `json:"alias"`
	Remote string `json:"remote"`
	// Profile is the TLS context compared: remote_cluster (API-key model)
	// or transport (certificate model).
	Profile    string       `json:"profile"`
	Remotes    []RemoteCert `json:"remote_certificates"`
	LocalTrust []LocalTrust `json:"local_trust"`
}

// RemoteCert is the certificate one remote node presents.
type RemoteCert struct {
	Cluster   string    `json:"cluster"`
	Node      string    `json:"node"`
	File      string    `json:"file"`
	Subject   string    `json:"subject"`
	Issuer    string    `json:"issuer"`
	SANs      []string  `json:"sans"`
	NotBefore time.Time `json:"not_before"`
	NotAfter  time.Time `json:"not_after"`
	ValidNow  bool      `json:"valid_now"`
	// Trusted is true when every local node's trust holds the issuer;
	// UntrustedBy names the local nodes whose trust does not.
	Trusted     bool     `json:"trusted"`
	UntrustedBy []string `json:"untrusted_by,omitempty"`
	// SeedHost is the host the local side dials for this node (seed or
	// proxy address, or server_name); SeedMatch whether a SAN holds it.
	SeedHost  string `json:"seed_host,omitempty"`
	SeedMatch *bool  `json:"seed_match,omitempty"`
}

// LocalTrust is what one local node trusts on the client context.
type LocalTrust struct {
	Cluster string `json:"cluster"`
	Node    string `json:"node"`
	Setting string `json:"setting"`
	// CAs are the subjects of the trusted CA certificates; empty with JDK
	// true means the JDK's public CAs only.
	CAs   []string `json:"cas"`
	JDK   bool     `json:"jdk,omitempty"`
	Known bool     `json:"known"`
}
