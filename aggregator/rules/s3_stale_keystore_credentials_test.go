package rules_test

import (
	"strings"
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

// The field report's case: every node holds S3 keys, node-3 an old one.
// The snapshot fails on node-3 (named by the RemoteTransportException in
// node-1's log). Only node-3 needs the fix (keyed fingerprints differ),
// and the fix ends by verifying the repository.
func TestS3OneNodeHoldsAnOldKey(t *testing.T) {
	w := scenario.New(t)
	c := w.Cluster("prod", "node-1@127.0.2.1", "node-2@127.0.2.2", "node-3@127.0.2.3")
	c.Each(func(n *scenario.Node) {
		n.Started()
		n.Secure("s3.client.default.access_key", "CANARY-SECRET-AKIACURRENT").Secure("s3.client.default.secret_key", "CANARY-SECRET-current")
	})
	c.Node("node-3").Secure("s3.client.default.access_key", "CANARY-SECRET-AKIAOLD").Secure("s3.client.default.secret_key", "CANARY-SECRET-old")
	c.Node("node-1").Log(scenario.S3InvalidKey(w.At(time.Hour), "node-1", "node-3", "127.0.2.3:9300"))
	ds := w.Analyze()
	expectExactly(t, ds, "s3-stale-keystore-credentials [prod] alias= fix=prod/node-3")
	if len(ds) == 1 {
		cmds := ds[0].Fix.Commands
		if len(cmds) == 0 || cmds[len(cmds)-1] != "POST _snapshot/repository/_verify" || !strings.Contains(strings.Join(cmds, "\n"), "add --force s3.client.default.access_key") {
			t.Errorf("commands: %q", cmds)
		}
		if ds[0].Severity != "error" {
			t.Errorf("severity %s", ds[0].Severity)
		}
	}
}

// The same keys everywhere, no failure: nothing to say.
func TestS3SameKeysEverywhereHealthy(t *testing.T) {
	w := scenario.New(t)
	c := w.Cluster("prod", "node-1@127.0.2.1", "node-2@127.0.2.2")
	c.Each(func(n *scenario.Node) {
		n.Started()
		n.Secure("s3.client.default.access_key", "CANARY-SECRET-AKIACURRENT").Secure("s3.client.default.secret_key", "CANARY-SECRET-current")
	})
	expectExactly(t, w.Analyze())
}

// s3.client.default.region differs on node-2 (no keys anywhere: the IAM
// role): a warning naming node-2.
func TestS3RegionDrift(t *testing.T) {
	w := scenario.New(t)
	c := w.Cluster("prod", "node-1@127.0.2.1", "node-2@127.0.2.2", "node-3@127.0.2.3")
	c.Each(func(n *scenario.Node) { n.Started().YML("s3.client.default.region: ap-northeast-2") })
	c.Node("node-2").UnsetYML("s3.client.default.region").YML("s3.client.default.region: us-east-1")
	ds := w.Analyze()
	expectExactly(t, ds, "s3-stale-keystore-credentials [prod] alias= fix=prod/node-2")
	if len(ds) == 1 && (ds[0].Severity != "warning" || !strings.Contains(ds[0].Fix.Summary, "s3.client.default.region")) {
		t.Errorf("%s: %s", ds[0].Severity, ds[0].Fix.Summary)
	}
}
