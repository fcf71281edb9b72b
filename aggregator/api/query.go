package api

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"

	"github.com/esdoctor/esdoctor/shared/catalog"
	"github.com/esdoctor/esdoctor/shared/diagnosis"
)

// States a Query may ask for.
const (
	StateOpen     = diagnosis.StateOpen
	StateResolved = diagnosis.StateResolved
	StateAll      = "all"
)

// maxRequest bounds a NATS request body and a query value.
const (
	maxRequest = 64 << 10
	maxValue   = 256
)

// Query selects diagnoses. The zero value asks for the open ones.
type Query struct {
	// State is open (default), resolved or all.
	State string `json:"state,omitempty"`
	// Code keeps one catalog code.
	Code string `json:"code,omitempty"`
	// Cluster keeps diagnoses involving this cluster (local or remote).
	Cluster string `json:"cluster,omitempty"`
}

// Validate checks the values and fills the default state.
func (q *Query) Validate() error {
	switch q.State {
	case "":
		q.State = StateOpen
	case StateOpen, StateResolved, StateAll:
	default:
		return fmt.Errorf("state must be open, resolved or all, not %q", clip(q.State))
	}
	if len(q.Code) > maxValue || len(q.Cluster) > maxValue {
		return fmt.Errorf("code and cluster are at most %d bytes", maxValue)
	}
	if q.Code != "" {
		if _, ok := catalog.Lookup(catalog.Code(q.Code)); !ok {
			return fmt.Errorf("unknown diagnosis code %q (see GET %s)", clip(q.Code), PathCodes)
		}
	}
	return nil
}

// Values encodes the query as URL parameters.
func (q Query) Values() url.Values {
	v := url.Values{}
	if q.State != "" {
		v.Set("state", q.State)
	}
	if q.Code != "" {
		v.Set("code", q.Code)
	}
	if q.Cluster != "" {
		v.Set("cluster", q.Cluster)
	}
	return v
}

// ParseQuery reads a query from URL parameters (state, code, cluster); any
// other parameter, or one given twice, is an error.
func ParseQuery(v url.Values) (Query, error) {
	var q Query
	for k, vals := range v {
		if len(vals) != 1 {
			return q, fmt.Errorf("parameter %q given %d times", clip(k), len(vals))
		}
		switch k {
		case "state":
			q.State = vals[0]
		case "code":
			q.Code = vals[0]
		case "cluster":
			q.Cluster = vals[0]
		default:
			return q, fmt.Errorf("unknown parameter %q (want state, code or cluster)", clip(k))
		}
	}
	return q, q.Validate()
}

// DecodeQuery reads a query from a NATS request body: empty, or a JSON
// object with state, code and cluster.
func DecodeQuery(b []byte) (Query, error) {
	var q Query
	if err := decodeRequest(b, &q); err != nil {
		return q, err
	}
	return q, q.Validate()
}

// idRequest is the body of an esdoctor.v1.api.diagnosis request.
type idRequest struct {
	ID string `json:"id"`
}

// DecodeID reads {"id": "..."} from a NATS request body.
func DecodeID(b []byte) (string, error) {
	var r idRequest
	if err := decodeRequest(b, &r); err != nil {
		return "", err
	}
	if r.ID == "" {
		return "", errors.New(`request: want {"id": "..."}`)
	}
	if len(r.ID) > maxValue {
		return "", fmt.Errorf("request: id longer than %d bytes", maxValue)
	}
	return r.ID, nil
}

func decodeRequest(b []byte, v any) error {
	if len(b) > maxRequest {
		return fmt.Errorf("request: %d bytes exceeds the %d byte limit", len(b), maxRequest)
	}
	if len(bytes.TrimSpace(b)) == 0 {
		return nil
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return fmt.Errorf("request: malformed JSON: %w", err)
	}
	if dec.More() {
		return errors.New("request: trailing data after the JSON object")
	}
	return nil
}

// clip shortens a value quoted in an error.
func clip(s string) string {
	if len(s) > 64 {
		return s[:64] + "…"
	}
	return s
}
