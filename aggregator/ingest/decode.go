package ingest

import (
	"encoding/json"
	"fmt"

	"github.com/esdoctor/esdoctor/shared/event"
)

// Reasons a message is rejected (label values of
// esdoctor_ingest_rejected_total).
const (
	ReasonEmpty           = "empty"
	ReasonTooLarge        = "too_large"
	ReasonMalformedJSON   = "malformed_json"
	ReasonSchemaVersion   = "schema_version"
	ReasonInvalid         = "invalid"
	ReasonSubjectMismatch = "subject_mismatch"
)

// Reasons lists every rejection reason.
var Reasons = []string{ReasonEmpty, ReasonTooLarge, ReasonMalformedJSON, ReasonSchemaVersion, ReasonInvalid, ReasonSubjectMismatch}

// decode parses one message and checks that it arrived on its own subject.
// On failure it says why, as one of Reasons.
func decode(subject string, data []byte) (*event.Envelope, string, error) {
	switch {
	case len(data) == 0:
		return nil, ReasonEmpty, fmt.Errorf("event on %s: empty message", subject)
	case len(data) > event.MaxEventSize:
		return nil, ReasonTooLarge, fmt.Errorf("event on %s: %d bytes exceed the %d byte limit", subject, len(data), event.MaxEventSize)
	}
	e, err := event.Decode(data)
	if err != nil {
		return nil, classify(data), err
	}
	if want := e.Subject(); want != subject {
		return nil, ReasonSubjectMismatch, fmt.Errorf("event %s: arrived on %s but belongs on %s", e.ID, subject, want)
	}
	return e, "", nil
}

// classify tells why event.Decode refused data, without depending on its
// error texts.
func classify(data []byte) string {
	if !json.Valid(data) {
		return ReasonMalformedJSON
	}
	var v struct {
		Schema *int `json:"schema"`
	}
	if err := json.Unmarshal(data, &v); err != nil {
		return ReasonMalformedJSON // valid JSON, but not an object
	}
	if v.Schema == nil || *v.Schema < 1 || *v.Schema > event.SchemaVersion {
		return ReasonSchemaVersion
	}
	return ReasonInvalid
}
