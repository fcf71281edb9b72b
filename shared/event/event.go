// Package event is the versioned wire schema shared by the agent, the
// aggregator, bundles and the CLI: node snapshots, log symptoms, probe results,
// heartbeats and agent status. JSON on the wire; unknown fields are tolerated,
// malformed events are rejected by Decode with a clear error.
package event

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"time"
)

// SchemaVersion is the version of the wire schema this build writes. Decode
// accepts events of this version and older ones it knows.
const SchemaVersion = 1

// MaxEventSize bounds one encoded event; larger input is rejected.
const MaxEventSize = 4 << 20

// Kind names the payload an Envelope carries.
type Kind string

const (
	KindSnapshot  Kind = "snapshot"
	KindSymptom   Kind = "symptom"
	KindProbe     Kind = "probe"
	KindHeartbeat Kind = "heartbeat"
	KindStatus    Kind = "status"
)

// Kinds lists every kind, in a stable order.
var Kinds = []Kind{KindSnapshot, KindSymptom, KindProbe, KindHeartbeat, KindStatus}

// Envelope is one event as it travels.
type Envelope struct {
	Schema  int       `json:"schema"`
	ID      string    `json:"id"`
	Kind    Kind      `json:"kind"`
	Cluster string    `json:"cluster"`
	Node    string    `json:"node"`
	Agent   string    `json:"agent,omitempty"` // agent instance name
	Time    time.Time `json:"time"`

	Snapshot  *Snapshot    `json:"snapshot,omitempty"`
	Symptom   *Symptom     `json:"symptom,omitempty"`
	Probe     *Probe       `json:"probe,omitempty"`
	Heartbeat *Heartbeat   `json:"heartbeat,omitempty"`
	Status    *AgentStatus `json:"status,omitempty"`
}

// Symptom is one recognised log event (or a run of repeats of it).
type Symptom struct {
	Symptom string    `json:"symptom"` // a symptom code from the catalog
	Time    time.Time `json:"time"`    // first occurrence
	// LastTime is the last occurrence when Count > 1.
	LastTime *time.Time `json:"last_time,omitempty"`
	File     string     `json:"file"`
	Line     int64      `json:"line"` // 1-based line of the first occurrence
	// Offset is the byte offset of the record's first line in File (for
	// rotated .gz files, in the decompressed stream).
	Offset  int64             `json:"offset"`
	Level   string            `json:"level"`
	Logger  string            `json:"logger"`
	Node    string            `json:"node"`
	Cluster string            `json:"cluster"`
	Fields  map[string]string `json:"fields"`
	Count   int               `json:"count"`
	// Text is the record's message line (first line, trimmed to 2 KiB),
	// the evidence shown to people.
	Text string `json:"text"`
}

// Probe is the result of one network probe from this node.
type Probe struct {
	Kind    string `json:"kind"`   // "tcp", "tls"
	Target  string `json:"target"` // host:port
	Purpose string `json:"purpose,omitempty"`
	Alias   string `json:"alias,omitempty"`
	OK      bool   `json:"ok"`
	Error   string `json:"error,omitempty"`
	// PeerCertificates is the chain the other side presented (TLS).
	PeerCertificates []Cert            `json:"peer_certificates,omitempty"`
	Verified         *bool             `json:"verified,omitempty"`
	VerifyError      string            `json:"verify_error,omitempty"`
	LatencyMS        float64           `json:"latency_ms,omitempty"`
	Facts            map[string]string `json:"facts,omitempty"`

	// ErrorKind classifies a failure: "refused" (nothing listens there),
	// "timeout" (filtered, or the host is down), "unresolved",
	// "unreachable", "reset", "tls-timeout" (TCP accepted, no TLS answer),
	// "tls" (the handshake failed), "other".
	ErrorKind string `json:"error_kind,omitempty"`
	// Source says where the address came from: "yml", "cluster_settings",
	// "discovery.seed_hosts", "model".
	Source string `json:"source,omitempty"`
	// Model is the remote's security model: "api_key" (credentials in the
	// keystore, trust of remote_cluster_client.ssl) or "certificate"
	// (transport.ssl).
	Model string `json:"model,omitempty"`
	// SSLContext is the node's ssl context whose trust verified the chain.
	SSLContext       string `json:"ssl_context,omitempty"`
	VerificationMode string `json:"verification_mode,omitempty"`
	// ServerName is the name checked against the certificate (the proxy
	// mode's server_name, else the host of the address) and sent as SNI.
	ServerName string `json:"server_name,omitempty"`
	// VerifyReason is why the chain was not accepted: "unknown-issuer",
	// "hostname-mismatch", "expired", "not-yet-valid", "no-trust".
	VerifyReason string `json:"verify_reason,omitempty"`
	// TrustedIssuers are the subjects of the CAs the context trusts.
	TrustedIssuers []string `json:"trusted_issuers,omitempty"`
	TLSVersion     string   `json:"tls_version,omitempty"`
	CipherSuite    string   `json:"cipher_suite,omitempty"`
	// ClientCertRequested is whether the server asked for a client
	// certificate (the transport port requires one; the remote cluster
	// port by default does not).
	ClientCertRequested *bool `json:"client_cert_requested,omitempty"`
}

// Heartbeat says an agent is alive.
type Heartbeat struct {
	Version  string    `json:"version"`
	Started  time.Time `json:"started"` // the agent's start
	Interval string    `json:"interval"`
	// SpoolBytes is the agent's spool fill (bytes on disk, not yet
	// acknowledged by JetStream) and SpoolMaxBytes its limit; 0 when the
	// agent predates these fields.
	SpoolBytes    int64 `json:"spool_bytes"`
	SpoolMaxBytes int64 `json:"spool_max_bytes"`
	// SpoolDropped counts the events the spool refused because it was
	// full, and PublishErrors the failed publish attempts (each retried),
	// both since the agent started (they restart at 0 with it, as
	// Prometheus counters do).
	SpoolDropped  int64 `json:"spool_dropped"`
	PublishErrors int64 `json:"publish_errors"`
}

// AgentStatus reports the agent's own health.
type AgentStatus struct {
	Collectors map[string]bool `json:"collectors"`
	SpoolBytes int64           `json:"spool_bytes"`
	SpoolLimit int64           `json:"spool_limit"`
	Message    string          `json:"message,omitempty"`
}

// Subject is the NATS subject of an event: esdoctor.v1.<kind>.<cluster>.<node>.
func (e *Envelope) Subject() string {
	return fmt.Sprintf("esdoctor.v1.%s.%s.%s", e.Kind, SubjectToken(e.Cluster), SubjectToken(e.Node))
}

// SubjectToken makes a name safe as one NATS subject token.
func SubjectToken(s string) string {
	if s == "" {
		return "_"
	}
	b := []byte(s)
	for i, c := range b {
		switch {
		case c == '.', c == '*', c == '>', c <= ' ', c >= 0x7f:
			b[i] = '_'
		}
	}
	return string(b)
}

// Encode marshals an envelope, filling in Schema.
func Encode(e *Envelope) ([]byte, error) {
	if e.Schema == 0 {
		e.Schema = SchemaVersion
	}
	if err := e.Validate(); err != nil {
		return nil, err
	}
	return json.Marshal(e)
}

// Decode parses and validates one event from the wire.
func Decode(b []byte) (*Envelope, error) {
	if len(b) == 0 {
		return nil, errors.New("event: empty message")
	}
	if len(b) > MaxEventSize {
		return nil, fmt.Errorf("event: message of %d bytes exceeds the %d byte limit", len(b), MaxEventSize)
	}
	var e Envelope
	// Unmarshal also rejects anything after the object.
	if err := json.Unmarshal(b, &e); err != nil {
		var se *json.SyntaxError
		if errors.As(err, &se) && bytes.HasPrefix(bytes.TrimSpace(b), []byte("{")) && json.Valid(firstValue(b)) {
			return nil, errors.New("event: trailing data after the JSON object")
		}
		return nil, fmt.Errorf("event: malformed JSON: %w", err)
	}
	if err := e.Validate(); err != nil {
		return nil, err
	}
	return &e, nil
}

// Validate checks the envelope's required fields and that the payload
// matches its kind.
func (e *Envelope) Validate() error {
	if e.Schema < 1 || e.Schema > SchemaVersion {
		return fmt.Errorf("event: unsupported schema version %d (this build reads 1..%d)", e.Schema, SchemaVersion)
	}
	if e.ID == "" {
		return errors.New("event: missing id")
	}
	if e.Cluster == "" || e.Node == "" {
		return fmt.Errorf("event %s: missing cluster or node", e.ID)
	}
	var have Kind
	n := 0
	if e.Snapshot != nil {
		have, n = KindSnapshot, n+1
	}
	if e.Symptom != nil {
		have, n = KindSymptom, n+1
	}
	if e.Probe != nil {
		have, n = KindProbe, n+1
	}
	if e.Heartbeat != nil {
		have, n = KindHeartbeat, n+1
	}
	if e.Status != nil {
		have, n = KindStatus, n+1
	}
	if n != 1 {
		return fmt.Errorf("event %s: want exactly one payload, found %d", e.ID, n)
	}
	if have != e.Kind {
		return fmt.Errorf("event %s: kind %q but the payload is a %s", e.ID, e.Kind, have)
	}
	if e.Symptom != nil && e.Symptom.Symptom == "" {
		return fmt.Errorf("event %s: symptom without a code", e.ID)
	}
	return nil
}

// HashID derives a stable event id from its parts (used as Nats-Msg-Id so
// that a re-sent event is deduplicated).
func HashID(parts ...string) string {
	h := sha256.New()
	for _, p := range parts {
		h.Write([]byte(p))
		h.Write([]byte{0})
	}
	return hex.EncodeToString(h.Sum(nil)[:16])
}

// firstValue returns the first JSON value of b (for the error message only).
func firstValue(b []byte) []byte {
	dec := json.NewDecoder(bytes.NewReader(b))
	var raw json.RawMessage
	if err := dec.Decode(&raw); err != nil {
		return nil
	}
	return raw
}
