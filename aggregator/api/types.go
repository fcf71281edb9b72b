package api

import (
	"time"

	"github.com/esdoctor/esdoctor/shared/catalog"
	"github.com/esdoctor/esdoctor/shared/diagnosis"
	"github.com/esdoctor/esdoctor/shared/event"
)

// Paths and subjects of the API.
const (
	PathDiagnoses = "/api/v1/diagnoses"
	PathNodes     = "/api/v1/nodes"
	PathCodes     = "/api/v1/codes"
	PathHealth    = "/healthz"
	PathMetrics   = "/metrics"

	SubjectDiagnoses = "esdoctor.v1.api.diagnoses"
	SubjectDiagnosis = "esdoctor.v1.api.diagnosis"
	SubjectNodes     = "esdoctor.v1.api.nodes"
	SubjectCodes     = "esdoctor.v1.api.codes"

	// DefaultListen is the HTTP address of the aggregator.
	DefaultListen = "127.0.0.1:9800"
	// DefaultServer is the URL the CLI asks by default.
	DefaultServer = "http://" + DefaultListen
)

// Source is what the API serves: the aggregator.
type Source interface {
	// Ready is false while the aggregator rebuilds its model after a
	// start; the API then answers 503.
	Ready() bool
	Diagnoses(q Query) []diagnosis.Diagnosis
	Diagnosis(id string) (diagnosis.Diagnosis, bool)
	Nodes() []Node
	Health() Health
}

// Node is one node as the aggregator knows it.
type Node struct {
	Cluster string `json:"cluster"`
	Node    string `json:"node"`
	// Agent is the name of the agent that reports for the node.
	Agent     string `json:"agent,omitempty"`
	Host      string `json:"host,omitempty"`
	ESVersion string `json:"es_version,omitempty"`
	// LastSnapshot is the inspection time of the latest snapshot.
	LastSnapshot *time.Time `json:"last_snapshot,omitempty"`
	// LastHeartbeat is the time of the latest heartbeat (agent clock).
	LastHeartbeat *time.Time `json:"last_heartbeat,omitempty"`
	// Symptoms is the number of distinct current symptoms (logged since the
	// node's last start or configuration change; start/address facts not
	// counted), SymptomEvents the occurrences they fold.
	Symptoms      int `json:"symptoms"`
	SymptomEvents int `json:"symptom_events"`
	// Problems is the number of problems the node's own snapshot shows.
	Problems int `json:"problems"`
	// Unreadable are the node's inputs its agent could not read, with the
	// cause.
	Unreadable []event.FileError `json:"unreadable,omitempty"`
	// Silent is true while an agent-silent diagnosis names the node.
	Silent bool `json:"silent,omitempty"`
}

// Health is the aggregator's own state.
type Health struct {
	// Status is "ok" or "starting".
	Status          string     `json:"status"`
	Nodes           int        `json:"nodes"`
	Open            int        `json:"open"`
	Resolved        int        `json:"resolved"`
	EventsApplied   uint64     `json:"events_applied"`
	EventDuplicates uint64     `json:"event_duplicates"`
	LastEvaluation  *time.Time `json:"last_evaluation,omitempty"`
}

// Codes is the catalog as GET /api/v1/codes returns it.
type Codes struct {
	Diagnoses []catalog.Diagnosis `json:"diagnoses"`
	Symptoms  []catalog.Symptom   `json:"symptoms"`
}

// CatalogCodes returns the catalog, retired codes included.
func CatalogCodes() Codes {
	return Codes{Diagnoses: catalog.Diagnoses(), Symptoms: catalog.Symptoms()}
}

// ErrorBody is the JSON body of an error answer.
type ErrorBody struct {
	Error string `json:"error"`
}
