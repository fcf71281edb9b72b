package rules_test

import (
	"strings"
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

// The start is known only from the log, and the log shows neither a later
// start nor a stop: the node is taken to be running the configuration of
// that start ("no restart logged since the change").
func TestConfigChangedAfterLogsEndNoRestartLogged(t *testing.T) {
	w := scenario.New(t)
	w.Start = time.Now().UTC().Add(-2 * time.Hour).Truncate(time.Second)
	c := w.Cluster("prod", "node-1@127.0.2.1")
	c.Node("node-1").Started().Touch("elasticsearch.yml", w.Start.Add(time.Hour)).Touch("elasticsearch.keystore", w.Start.Add(-time.Hour))
	ds := w.Analyze()
	expectExactly(t, ds, "config-changed-since-start [prod] alias= fix=prod/node-1")
	if len(ds) == 1 && !strings.Contains(ds[0].Evidence[0].Text, "no restart logged since the change") {
		t.Errorf("evidence: %+v", ds[0].Evidence)
	}
}

// A stop logged after the start: the log says nothing about the present.
func TestConfigChangedAfterLoggedStopIsNotClaimed(t *testing.T) {
	w := scenario.New(t)
	w.Start = time.Now().UTC().Add(-2 * time.Hour).Truncate(time.Second)
	c := w.Cluster("prod", "node-1@127.0.2.1")
	n := c.Node("node-1").Started()
	n.Log(scenario.Plain(w.Start.Add(30*time.Minute), "INFO", "o.e.n.Node", "node-1", "stopping ..."))
	n.Touch("elasticsearch.yml", w.Start.Add(time.Hour)).Touch("elasticsearch.keystore", w.Start.Add(-time.Hour))
	expectExactly(t, w.Analyze())
}

// Certificate, key and CA files are reloaded by ES itself (every 5 s) when
// replaced under the same name: a certificate newer than the start is not
// a change needing a restart.
func TestCertificateReplacedAfterStartIsNotClaimed(t *testing.T) {
	w := scenario.New(t)
	w.Start = time.Now().UTC().Add(-2 * time.Hour).Truncate(time.Second)
	c := w.Cluster("prod", "node-1@127.0.2.1")
	c.TransportTLS()
	n := c.Node("node-1").Started()
	n.Touch("elasticsearch.yml", w.Start.Add(-time.Hour)).Touch("elasticsearch.keystore", w.Start.Add(-time.Hour))
	n.Touch("certs/transport.p12", w.Start.Add(time.Hour))
	n.Log(scenario.Plain(time.Now().UTC().Add(-10*time.Minute), "INFO", "o.e.c.r.a.AllocationService", n.Name, "current.health=\"GREEN\""))
	expectExactly(t, w.Analyze())
}
