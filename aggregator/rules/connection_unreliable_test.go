package rules_test

import (
	"testing"
	"time"

	"github.com/esdoctor/esdoctor/internal/testkit/scenario"
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

// The same in the ECS JSON layout, on two nodes.
func TestClosedByRemoteECS(t *testing.T) {
	w, local, _ := healthy(t)
	for _, name := range []string{"local-2", "local-3"} {
		n := local.Node(name)
		n.LogFile("local_server.json")
		n.Log(scenario.ECS(w.At(time.Hour), "INFO", "org.elasticsearch.transport.ClusterConnectionManager", name, "local",
			"transport connection to [{remote-2}{k5Qy}{Xh2l}{127.0.1.3}{127.0.1.3}{127.0.1.3:9443}{cdfhilmrstw}{8.13.4}] closed by remote", "", "", ""))
	}
	expectExactly(t, w.Analyze(), "connection-unreliable [local,remote] alias=my fix=local/local-2,local/local-3,remote/remote-2")
}
