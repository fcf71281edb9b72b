package event

import "time"

// Snapshot is one node's configuration as the agent saw it: what
// `esdoctor-agent inspect` prints, what the daemon sends whenever a watched
// file changes, and what a bundle carries. It holds names, ids that
// Elasticsearch itself logs, and keyed fingerprints; never a secret value.
type Snapshot struct {
	Cluster string `json:"cluster"`
	Node    string `json:"node"`
	// Host is the host this node stands for: the first non-wildcard address
	// of network.host / transport.host / network.publish_host, else the
	// machine's host name. Tests use 127.x addresses as hosts.
	Host     string `json:"host,omitempty"`
	PathConf string `json:"path_conf"`
	PathLogs string `json:"path_logs,omitempty"`
	// ESVersion and StartedAt are known from the running process that uses
	// this config dir, else from the last start lines in the logs.
	ESVersion   string     `json:"es_version,omitempty"`
	StartedAt   *time.Time `json:"started_at,omitempty"`
	StartSource string     `json:"start_source,omitempty"` // "process" or "log"
	PID         int        `json:"pid,omitempty"`
	InspectedAt time.Time  `json:"inspected_at"`
	// ConfigChangedAt is when the agent last saw this node's configuration
	// change (content, not mtime); nil when it never saw a change. Symptoms
	// logged before it are evidence of the old configuration.
	ConfigChangedAt *time.Time `json:"config_changed_at,omitempty"`

	// Settings holds every setting that matters here as a flat dotted key,
	// with Elasticsearch's defaults filled in and marked.
	Settings map[string]Setting `json:"settings"`
	// Keystore is nil when the node has no elasticsearch.keystore.
	Keystore     *Keystore  `json:"keystore,omitempty"`
	Certificates []CertFile `json:"certificates"`
	Remotes      []Remote   `json:"remotes"`
	// Addresses are the listening addresses this node has, derived from the
	// settings (and from publish_address log lines when known).
	Addresses []Address `json:"addresses,omitempty"`
	// Files are the inputs with their modification times, for
	// "changed since start".
	Files    []FileInfo  `json:"files,omitempty"`
	Problems []Problem   `json:"problems"`
	Errors   []FileError `json:"errors"`
	// Mesh is what the service-mesh pack read (objects, certificate
	// checks); nil unless the pack is configured.
	Mesh *Mesh `json:"mesh,omitempty"`
}

// Setting is one setting's value. Scalars are kept as the text the yml
// holds (ES parses "true" and true alike); list settings also carry Values.
type Setting struct {
	Value  string   `json:"value"`
	Values []string `json:"values,omitempty"`
	// Default is true when the node does not set it and Value is
	// Elasticsearch's own default.
	Default bool `json:"default,omitempty"`
	// Source is "yml", "default", "cluster_settings" or "keystore".
	Source string `json:"source,omitempty"`
	// Note explains a default that depends on the version (skip_unavailable).
	Note string `json:"note,omitempty"`
}

// Keystore describes elasticsearch.keystore by entry names only.
type Keystore struct {
	Path              string          `json:"path"`
	FormatVersion     int             `json:"format_version"`
	PasswordProtected bool            `json:"password_protected"`
	ModTime           time.Time       `json:"mtime"`
	Entries           []KeystoreEntry `json:"entries"`
	// Opened is false when the entries could not be read (wrong password,
	// corruption); FormatVersion and PasswordProtected may still be known.
	Opened bool `json:"opened"`
}

// KeystoreEntry is a name and the non-secret facts derived from its value.
type KeystoreEntry struct {
	Name string `json:"name"`
	// APIKeyID is the id inside a cluster.remote.<alias>.credentials value;
	// Elasticsearch logs it, so it is not a secret.
	APIKeyID string `json:"api_key_id,omitempty"`
	// Fingerprint is a keyed one-way digest of the value ("hmac-sha256:…" with
	// the site key, else "pbkdf2-sha256:…"), to compare nodes.
	Fingerprint string `json:"fingerprint"`
}

// CertFile is one file an ssl setting points at.
type CertFile struct {
	Setting string `json:"setting"`
	Path    string `json:"path"`
	Format  string `json:"format"` // PEM, PKCS12, JKS
	// PasswordOK tells whether the password found for this file (keystore
	// secure_password entry, else the legacy yml setting, else empty) opens it;
	// nil when the format takes no password (PEM certificate).
	PasswordOK     *bool     `json:"password_ok,omitempty"`
	PasswordSource string    `json:"password_source,omitempty"`
	HasPrivateKey  bool      `json:"has_private_key"`
	ModTime        time.Time `json:"mtime,omitempty"`
	Certificates   []Cert    `json:"certificates"`
	Error          string    `json:"error,omitempty"`
}

// Cert is one X.509 certificate, in the forms Elasticsearch logs.
type Cert struct {
	Alias     string    `json:"alias,omitempty"` // PKCS#12/JKS entry alias
	Subject   string    `json:"subject"`         // RFC 2253, as ES prints it
	Issuer    string    `json:"issuer"`
	Serial    string    `json:"serial"` // lower-case hex
	SANs      []string  `json:"sans"`   // "DNS:name", "IP:1.2.3.4"
	NotBefore time.Time `json:"not_before"`
	NotAfter  time.Time `json:"not_after"`
	SHA1      string    `json:"sha1"`   // lower-case hex, no colons
	SHA256    string    `json:"sha256"` // lower-case hex, no colons
	IsCA      bool      `json:"is_ca"`
	// SelfIssued is true when subject == issuer.
	SelfIssued bool `json:"self_issued"`
	// ChainComplete is true when the chain from this certificate up to a
	// self-issued CA can be built from certificates in the same file.
	ChainComplete bool `json:"chain_complete"`
	// IssuerSHA1 is the fingerprint of the issuing certificate when that
	// certificate is in the same file.
	IssuerSHA1 string `json:"issuer_sha1,omitempty"`
}

// Remote is one cluster.remote.<alias> definition.
type Remote struct {
	Alias           string   `json:"alias"`
	Mode            string   `json:"mode"` // sniff or proxy
	Seeds           []string `json:"seeds,omitempty"`
	ProxyAddress    string   `json:"proxy_address,omitempty"`
	ServerName      string   `json:"server_name,omitempty"`
	SkipUnavailable string   `json:"skip_unavailable,omitempty"`
	// Source is "yml" or "cluster_settings" (persistent/transient).
	Source string `json:"source"`
	// Layer is "persistent" or "transient" when Source is cluster_settings.
	Layer string `json:"layer,omitempty"`
	// HasCredentials is true when cluster.remote.<alias>.credentials is in
	// this node's keystore (API-key model).
	HasCredentials bool   `json:"has_credentials"`
	APIKeyID       string `json:"api_key_id,omitempty"`
}

// Address is a place this node listens on.
type Address struct {
	Profile string `json:"profile"` // "transport", "remote_cluster", "http"
	Host    string `json:"host"`
	Port    int    `json:"port"`
	// Source is "settings" or "log".
	Source string `json:"source"`
}

// FileInfo is one inspected input file.
type FileInfo struct {
	Path    string    `json:"path"`
	Role    string    `json:"role"` // "yml", "keystore", "certificate"
	ModTime time.Time `json:"mtime"`
}

// Problem is something this node alone shows, named by a catalog code.
type Problem struct {
	Code     string            `json:"code"`
	Severity string            `json:"severity"`
	Message  string            `json:"message"`
	Setting  string            `json:"setting,omitempty"`
	File     string            `json:"file,omitempty"`
	Facts    map[string]string `json:"facts,omitempty"`
}

// FileError is an input that could not be read, with the cause.
type FileError struct {
	File  string `json:"file"`
	Error string `json:"error"`
}
