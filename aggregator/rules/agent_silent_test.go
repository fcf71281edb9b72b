package rules_test

import (
	"context"
	"testing"
	"time"

	"github.com/esdoctor/esdoctor/aggregator/analyze"
	"github.com/esdoctor/esdoctor/shared/event"
)

func heartbeat(node string, at time.Time) *event.Envelope {
	return &event.Envelope{Schema: 1, ID: node + at.String(), Kind: event.KindHeartbeat, Cluster: "prod", Node: node, Time: at,
		Heartbeat: &event.Heartbeat{Version: "1", Started: at, Interval: "30s"}}
}

func TestAgentSilent(t *testing.T) {
	now := time.Date(2024, 5, 1, 12, 0, 0, 0, time.UTC)
	es := []*event.Envelope{heartbeat("node-1", now.Add(-10*time.Second)), heartbeat("node-2", now.Add(-5*time.Minute))}
	ds := analyze.Events(context.Background(), es, analyze.Options{Now: now})
	expectExactly(t, ds, "agent-silent [prod] alias= fix=prod/node-2")
	// Within three intervals: nothing.
	ds = analyze.Events(context.Background(), es, analyze.Options{Now: now.Add(-4 * time.Minute)})
	expectExactly(t, ds)
}
