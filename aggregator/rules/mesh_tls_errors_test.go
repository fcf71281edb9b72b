package rules_test

import (
	"context"
	"testing"
	"time"

	"github.com/esdoctor/esdoctor/aggregator/analyze"
	"github.com/esdoctor/esdoctor/shared/event"
)

func TestMeshPackSymptoms(t *testing.T) {
	at := time.Date(2024, 5, 1, 12, 0, 0, 0, time.UTC)
	es := []*event.Envelope{{Schema: 1, ID: "m1", Kind: event.KindSymptom, Cluster: "prod", Node: "node-1", Time: at,
		Symptom: &event.Symptom{Symptom: "mesh-bad-certificate", Time: at, Count: 3, Text: "2024-05-01T12:00:00.000Z error TLS handshake error from 10.0.0.1:443: remote error: tls: bad certificate"}}}
	expectExactly(t, analyze.Events(context.Background(), es, analyze.Options{}), "mesh-tls-errors [prod] alias= fix=prod/node-1")
}
