package rules_test

import (
	"testing"
	"time"

	"github.com/esdoctor/esdoctor/aggregator/scenario"
)

func TestClosedByRemoteWithoutRestart(t *testing.T) {
	w, local, _ := healthy(t)
	local.Node("local-1").Log(
		scenario.ClosedByRemote(w.At(time.Hour), "local-1", "remote-1", "127.0.1.2:9443"),
		scenario.ClosedByRemote(w.At(2*time.Hour), "local-1", "remote-1", "127.0.1.2:9443"))
	expectExactly(t, w.Analyze(), "connection-unreliable [local,remote] alias=my fix=local/local-1,remote/remote-1")
}

// The remote node restarted at that time: benign.
func TestClosedByRemoteExplainedByRestart(t *testing.T) {
	w, local, remote := healthy(t)
	local.Node("local-1").Log(scenario.ClosedByRemote(w.At(time.Hour), "local-1", "remote-1", "127.0.1.2:9443"))
	remote.Node("remote-1").Log(scenario.Stopping(w.At(time.Hour-10*time.Second), "remote-1"))
	expectExactly(t, w.Analyze())
}
