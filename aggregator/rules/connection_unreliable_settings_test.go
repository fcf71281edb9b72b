package rules_test

import (
	"testing"
	"time"

	"github.com/esdoctor/esdoctor/internal/testkit/scenario"
)

// cluster.remote.my.transport.compress changed through the cluster settings
// API: ES closes that alias's connections once. Not unreliable.
func TestClosedByRemoteAfterCompressChange(t *testing.T) {
	w, local, _ := healthy(t)
	for _, name := range []string{"local-1", "local-2"} {
		local.Node(name).Log(
			scenario.Plain(w.At(time.Hour), "INFO", "o.e.c.s.ClusterSettings", name, "updating [cluster.remote.my.transport.compress] from [false] to [true]"),
			scenario.ClosedByRemote(w.At(time.Hour+2*time.Second), name, "remote-1", "127.0.1.2:9443"))
	}
	expectExactly(t, w.Analyze())
}

// A ping_schedule change explains the closes right after it, not the ones
// two hours later.
func TestClosedByRemoteLongAfterPingScheduleChange(t *testing.T) {
	w, local, _ := healthy(t)
	local.Node("local-1").Log(
		scenario.Plain(w.At(time.Hour), "INFO", "o.e.c.s.ClusterSettings", "local-1", "updating [cluster.remote.my.transport.ping_schedule] from [-1] to [30s]"),
		scenario.ClosedByRemote(w.At(time.Hour+time.Second), "local-1", "remote-1", "127.0.1.2:9443"),
		scenario.ClosedByRemote(w.At(3*time.Hour), "local-1", "remote-1", "127.0.1.2:9443"))
	expectExactly(t, w.Analyze(), "connection-unreliable [local,remote] alias=my fix=local/local-1,remote/remote-1")
}
