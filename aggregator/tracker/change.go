package tracker

import (
	"time"

	"github.com/esdoctor/esdoctor/shared/diagnosis"
	"github.com/esdoctor/esdoctor/shared/event"
)

// ChangeKind names what happened to a diagnosis in one evaluation.
type ChangeKind string

// The kinds of change Update reports.
const (
	// Opened: a diagnosis appeared for the first time, or reappeared after
	// it was resolved (Change.Reopened is then true).
	Opened ChangeKind = "opened"
	// Updated: an open diagnosis is still there and its evidence, count,
	// last_seen, severity, nodes or fix changed.
	Updated ChangeKind = "updated"
	// Resolved: an open diagnosis is no longer produced by the rules.
	Resolved ChangeKind = "resolved"
)

// ChangeKinds lists every kind, in a stable order (for metrics labels).
var ChangeKinds = []ChangeKind{Opened, Updated, Resolved}

// SubjectPrefix starts the NATS subject of diagnosis notifications:
// esdoctor.v1.diagnosis.<code>.
const SubjectPrefix = "esdoctor.v1.diagnosis"

// Change is one transition, as published on esdoctor.v1.diagnosis.<code>.
type Change struct {
	Kind ChangeKind `json:"change"`
	// Reopened is true for an Opened change of a diagnosis that had been
	// resolved before.
	Reopened bool `json:"reopened,omitempty"`
	// Time is the evaluation time.
	Time      time.Time           `json:"time"`
	Diagnosis diagnosis.Diagnosis `json:"diagnosis"`
}

// Subject is the NATS subject the change is published on.
func (c Change) Subject() string {
	return SubjectPrefix + "." + event.SubjectToken(c.Diagnosis.Code)
}
