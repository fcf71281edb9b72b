package rules_test

import (
	"testing"
	"time"

	"github.com/esdoctor/esdoctor/internal/testkit/scenario"
)

// The node started two hours ago, its yml was edited an hour ago, and it
// kept logging since without a restart.
func TestConfigChangedWhileRunning(t *testing.T) {
	w := scenario.New(t)
	w.Start = time.Now().UTC().Add(-2 * time.Hour).Truncate(time.Second)
	c := w.Cluster("prod", "node-1@127.0.2.1", "node-2@127.0.2.2")
	c.Each(func(n *scenario.Node) {
		n.Started()
		n.Touch("elasticsearch.yml", w.Start.Add(-24*time.Hour)).Touch("elasticsearch.keystore", w.Start.Add(-24*time.Hour))
		n.Log(scenario.Plain(time.Now().UTC().Add(-10*time.Minute), "INFO", "o.e.c.r.a.AllocationService", n.Name, "current.health=\"GREEN\""))
	})
	c.Node("node-2").Touch("elasticsearch.yml", w.Start.Add(time.Hour))
	expectExactly(t, w.Analyze(), "config-changed-since-start [prod] alias= fix=prod/node-2")
}

// Logs that end before the change say nothing about the running node.
func TestConfigChangedAfterLogsEndIsNotClaimed(t *testing.T) {
	w := scenario.New(t)
	w.Start = time.Now().UTC().Add(-2 * time.Hour).Truncate(time.Second)
	c := w.Cluster("prod", "node-1@127.0.2.1")
	c.Node("node-1").Started().Touch("elasticsearch.yml", w.Start.Add(time.Hour)).Touch("elasticsearch.keystore", w.Start.Add(-time.Hour))
	expectExactly(t, w.Analyze())
}
