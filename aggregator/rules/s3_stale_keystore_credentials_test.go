package rules_test

import (
	"testing"
	"time"

	"github.com/esdoctor/esdoctor/internal/testkit/scenario"
)

// Seed 004: one node of three holds S3 keys, the snapshot fails there.
func TestS3StaleKeysFromLog(t *testing.T) {
	w := scenario.New(t)
	c := w.Cluster("prod", "node-1@127.0.2.1", "node-2@127.0.2.2", "node-3@127.0.2.3")
	c.Each(func(n *scenario.Node) { n.Started() })
	c.Node("node-2").Secure("s3.client.default.access_key", "CANARY-SECRET-AKIAOLD").Secure("s3.client.default.secret_key", "CANARY-SECRET-old")
	c.Node("node-1").Log(scenario.S3InvalidKey(w.At(time.Hour), "node-1", "node-2", "127.0.2.2:9300"))
	expectExactly(t, w.Analyze(), "s3-stale-keystore-credentials [prod] alias= fix=prod/node-2")
}

// Config alone (predicted, warning).
func TestS3StaleKeysPredicted(t *testing.T) {
	w := scenario.New(t)
	c := w.Cluster("prod", "node-1@127.0.2.1", "node-2@127.0.2.2", "node-3@127.0.2.3")
	c.Node("node-3").Secure("s3.client.backup.access_key", "CANARY-SECRET-A").Secure("s3.client.backup.secret_key", "CANARY-SECRET-B")
	ds := w.Analyze()
	expectExactly(t, ds, "s3-stale-keystore-credentials [prod] alias= fix=prod/node-3")
	if len(ds) == 1 && ds[0].Severity != "warning" {
		t.Errorf("severity %s", ds[0].Severity)
	}
}
