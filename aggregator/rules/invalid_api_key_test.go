package rules_test

import (
	"testing"
	"time"

	"github.com/esdoctor/esdoctor/internal/testkit/scenario"
)

// Both sides log the key id; every node holds the same (bad) key.
func TestInvalidKeyPairedByID(t *testing.T) {
	w, local, remote := healthy(t)
	local.Node("local-1").Log(scenario.UnableToAuthenticate(w.At(time.Minute), "local-1", "proxy", "my", "remote-1", "127.0.1.2:9443", key.ID))
	remote.Node("remote-1").Log(scenario.InvalidCredentials(w.At(time.Minute), "remote-1", key.ID))
	expectExactly(t, w.Analyze(), "invalid-api-key [local,remote] alias=my fix=local/local-1,local/local-2,local/local-3")
}

// Only local-3 holds a different secret for the same id: only it fails.
func TestInvalidKeyOddNode(t *testing.T) {
	w, local, remote := healthy(t)
	bad := scenario.APIKey{ID: key.ID, Secret: "CANARY-SECRET-stale"}
	local.Node("local-3").Secure("cluster.remote.my.credentials", bad.Encoded())
	local.Node("local-3").Log(scenario.UnableToAuthenticate(w.At(time.Minute), "local-3", "sniff", "my", "remote-2", "127.0.1.3:9443", key.ID))
	remote.Node("remote-2").Log(scenario.InvalidCredentials(w.At(time.Minute), "remote-2", key.ID))
	expectExactly(t, w.Analyze(), "invalid-api-key [local,remote] alias=my fix=local/local-3")
}

// Only the remote log is there.
func TestInvalidKeyRemoteOnly(t *testing.T) {
	w, _, remote := healthy(t)
	remote.Node("remote-1").Log(scenario.InvalidCredentials(w.At(time.Minute), "remote-1", key.ID))
	expectExactly(t, w.Analyze(), "invalid-api-key [local,remote] alias=my fix=local/local-1,local/local-2,local/local-3")
}
