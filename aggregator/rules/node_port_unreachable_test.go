package rules_test

import (
	"context"
	"testing"
	"time"

	"github.com/esdoctor/esdoctor/aggregator/analyze"
	"github.com/esdoctor/esdoctor/internal/testkit/scenario"
	"github.com/esdoctor/esdoctor/shared/event"
)

// Probe events (the agent's TCP probes of its peers' ports) name the pair.
func TestNodePortUnreachable(t *testing.T) {
	w := scenario.New(t)
	c := w.Cluster("prod", "node-1@127.0.2.1", "node-2@127.0.2.2", "node-3@127.0.2.3")
	var es []*event.Envelope
	for _, b := range w.Bundles() {
		es = append(es, b.Events...)
	}
	_ = c
	probe := func(from, target, purpose string, ok bool) *event.Envelope {
		return &event.Envelope{Schema: 1, ID: from + target, Kind: event.KindProbe, Cluster: "prod", Node: from, Time: time.Now(),
			Probe: &event.Probe{Kind: "tcp", Target: target, Purpose: purpose, OK: ok, Error: map[bool]string{false: "connect: connection refused"}[ok]}}
	}
	es = append(es, probe("node-1", "127.0.2.2:9300", "peer-transport", true), probe("node-1", "127.0.2.3:9300", "peer-transport", false),
		probe("node-2", "127.0.2.3:9300", "peer-transport", true))
	ds := analyze.Events(context.Background(), es, analyze.Options{})
	expectExactly(t, ds, "node-port-unreachable [prod] alias= fix=prod/node-1,prod/node-3")
}
