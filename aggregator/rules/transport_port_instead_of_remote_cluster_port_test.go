package rules_test

import (
	"testing"
	"time"

	"github.com/esdoctor/esdoctor/internal/testkit/scenario"
)

// Config alone: the seeds name the remote's transport port (9300) while the
// local cluster uses an API key.
func TestTransportPortPredictedByConfig(t *testing.T) {
	w, local, remote := healthy(t)
	local.Link(remote, "my", key, 9300)
	expectExactly(t, w.Analyze(),
		"transport-port-instead-of-remote-cluster-port [local,remote] alias=my fix=local/local-1,local/local-2,local/local-3")
}

// Logs: symptom 3 of the guide (missing authentication credentials), with
// the remote definition invisible (defined through the API, no settings file).
func TestTransportPortFromMissingAuthentication(t *testing.T) {
	w, local, remote := healthy(t)
	local.Settings = map[string]any{}
	local.Node("local-1").Log(scenario.MissingAuthentication(w.At(time.Minute), "local-1", "proxy", "my", "remote-1", "127.0.1.2:9300"))
	_ = remote
	expectExactly(t, w.Analyze(),
		"transport-port-instead-of-remote-cluster-port [local,remote] alias=my fix=local/local-1")
}

// Logs: symptom 2 (shared CA): bad_certificate locally, empty client chain remotely.
func TestTransportPortFromBadCertificate(t *testing.T) {
	w, local, remote := healthy(t)
	local.Link(remote, "my", key, 9300)
	local.Node("local-2").Log(scenario.BadCertificate(w.At(time.Minute), "local-2", "127.0.0.3:60738", "127.0.1.2:9300", "_remote_cluster"))
	remote.Node("remote-1").Log(scenario.EmptyChain(w.At(time.Minute), "remote-1", "127.0.1.2:9300", "127.0.0.3:60783", "default"))
	ds := w.Analyze()
	expectExactly(t, ds,
		"transport-port-instead-of-remote-cluster-port [local,remote] alias=my fix=local/local-1,local/local-2,local/local-3")
	sides := map[string]bool{}
	for _, e := range ds[0].Evidence {
		sides[e.Side] = true
	}
	if !sides["local"] || !sides["remote"] || !sides["config"] {
		t.Errorf("want local, remote and config evidence, got %v", sides)
	}
}
