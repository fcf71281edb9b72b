package api

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/esdoctor/esdoctor/aggregator/acks"
	"github.com/esdoctor/esdoctor/shared/diagnosis"
)

// Paths and subjects of the console's endpoints.
const (
	PathClusters = "/api/v1/clusters"
	PathEvents   = "/api/v1/events"
	PathCatalog  = "/api/v1/catalog"

	SubjectClusters = "esdoctor.v1.api.clusters"
	SubjectCatalog  = "esdoctor.v1.api.catalog"
	SubjectAck      = "esdoctor.v1.api.ack"
	SubjectMute     = "esdoctor.v1.api.mute"
	SubjectUnack    = "esdoctor.v1.api.unack"
	SubjectAcks     = "esdoctor.v1.api.acks"
)

// Console is what the console's endpoints need beyond Source. The
// aggregator implements it; a Source without it answers 404 there.
type Console interface {
	// Clusters is the pair graph with the agents of every cluster.
	Clusters() Clusters
	// Acknowledge records an ack, a mute or an unack (r.Action) of the
	// diagnosis id and returns the diagnosis as it now is.
	Acknowledge(ctx context.Context, id string, r AckRequest) (diagnosis.Diagnosis, error)
	// AckHistory is every ack, mute, unack and clear of a diagnosis, oldest
	// first.
	AckHistory(ctx context.Context, id string) ([]acks.Record, error)
	// Certificates compares the certificates of a diagnosis' connection
	// (local → alias → remote); ok is false when it names none.
	Certificates(id string) (diagnosis.CertComparison, bool)
}

// Errors an Acknowledge may return (wrapped); they map to 404 and 409.
var (
	ErrNoDiagnosis = errors.New("no such diagnosis")
	ErrConflict    = errors.New("conflict")
)

// Clusters is GET /api/v1/clusters: every cluster with its agents, and
// every configured remote cluster alias (local → alias → remote).
type Clusters struct {
	// Now is the aggregator's clock, to compute ages against.
	Now      time.Time     `json:"now"`
	Clusters []ClusterInfo `json:"clusters"`
	Links    []LinkInfo    `json:"links"`
}

// ClusterInfo is one cluster.
type ClusterInfo struct {
	Name string `json:"name"`
	// Worst is the severity of the worst open, unacknowledged diagnosis
	// involving the cluster ("" when none); Open counts those, Acked the
	// acknowledged or muted ones.
	Worst string `json:"worst,omitempty"`
	Open  int    `json:"open"`
	Acked int    `json:"acked"`
	Nodes []Node `json:"nodes"`
}

// LinkInfo is one remote cluster alias as it is configured.
type LinkInfo struct {
	Local  string `json:"local"`
	Alias  string `json:"alias"`
	Remote string `json:"remote,omitempty"`
	// Mode is sniff or proxy; Auth is api_key (cross-cluster API key in the
	// keystore) or certificate (the TLS certificate model).
	Mode   string   `json:"mode,omitempty"`
	Auth   string   `json:"auth"`
	Seeds  []string `json:"seeds,omitempty"`
	Worst  string   `json:"worst,omitempty"`
	Open   int      `json:"open"`
	Acked  int      `json:"acked"`
	Issues []string `json:"diagnoses,omitempty"`
}

// Auth models of a LinkInfo.
const (
	AuthAPIKey      = "api_key"
	AuthCertificate = "certificate"
)

// AckRequest is the body of POST /api/v1/diagnoses/{id}/ack, /mute and
// /unack: who, why, and until when (an RFC 3339 time, or a duration from
// now such as "4h").
type AckRequest struct {
	// Action is set by the endpoint (ack, mute, unack); a body may repeat
	// it.
	Action string `json:"action,omitempty"`
	By     string `json:"by"`
	Reason string `json:"reason"`
	Until  string `json:"until,omitempty"`
	For    string `json:"for,omitempty"`
	// ID names the diagnosis over NATS (the path names it over HTTP).
	ID string `json:"id,omitempty"`
}

// DecodeAckRequest reads an ack request body (strict JSON, at most 64 KiB).
func DecodeAckRequest(b []byte) (AckRequest, error) {
	var r AckRequest
	if len(bytes.TrimSpace(b)) == 0 {
		return r, errors.New(`request: want {"by": "...", "reason": "...", "for": "4h"}`)
	}
	if err := decodeRequest(b, &r); err != nil {
		return r, err
	}
	return r, nil
}

// Record turns the request into an acks.Record for diagnosis id at now,
// checking every field; errors.Is(err, ErrInvalid) holds for its errors.
func (r AckRequest) Record(id, code string, now time.Time) (acks.Record, error) {
	rec, err := r.record(id, code, now)
	if err != nil {
		return rec, invalidError{err}
	}
	return rec, nil
}

// invalidError marks a refused request.
type invalidError struct{ error }

func (e invalidError) Is(target error) bool { return target == ErrInvalid }
func (e invalidError) Unwrap() error        { return e.error }

func (r AckRequest) record(id, code string, now time.Time) (acks.Record, error) {
	rec := acks.Record{ID: id, Action: r.Action, By: strings.TrimSpace(r.By), Reason: strings.TrimSpace(r.Reason), At: now.UTC(), Code: code}
	if r.Until != "" && r.For != "" {
		return rec, errors.New("give until or for, not both")
	}
	if r.For != "" {
		d, err := time.ParseDuration(r.For)
		if err != nil {
			return rec, fmt.Errorf("for %q: want a duration such as 30m, 4h or 72h", clip(r.For))
		}
		if d <= 0 {
			return rec, fmt.Errorf("for %q: must be positive", clip(r.For))
		}
		if d > acks.MaxDuration {
			return rec, fmt.Errorf("for %q: at most %v", clip(r.For), acks.MaxDuration)
		}
		u := rec.At.Add(d)
		rec.Until = &u
	}
	if r.Until != "" {
		u, err := time.Parse(time.RFC3339, r.Until)
		if err != nil {
			return rec, fmt.Errorf("until %q: want an RFC 3339 time such as 2026-12-05T08:00:00Z", clip(r.Until))
		}
		u = u.UTC()
		rec.Until = &u
	}
	if rec.Action == acks.ActionUnack {
		rec.Until = nil
	}
	if err := rec.Validate(); err != nil {
		return rec, err
	}
	return rec, nil
}

// ackContext bounds the write of an ack.
func ackContext(ctx context.Context) (context.Context, context.CancelFunc) {
	return context.WithTimeout(ctx, 10*time.Second)
}

// encodeEvent renders one SSE message.
func encodeEvent(typ string, v any) ([]byte, error) {
	b, err := json.Marshal(v)
	if err != nil {
		return nil, err
	}
	var buf bytes.Buffer
	buf.Grow(len(b) + len(typ) + 16)
	buf.WriteString("event: ")
	buf.WriteString(typ)
	buf.WriteString("\ndata: ")
	buf.Write(b)
	buf.WriteString("\n\n")
	return buf.Bytes(), nil
}
