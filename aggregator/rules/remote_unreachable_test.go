package rules_test

import (
	"testing"
	"time"

	"github.com/esdoctor/esdoctor/internal/testkit/scenario"
)

// Logs: seeds name a port where nothing of the remote listens (9444).
func TestRemoteUnreachableWrongPort(t *testing.T) {
	w, local, remote := healthy(t)
	local.Link(remote, "my", key, 9444)
	local.Node("local-1").Log(scenario.ConnectFailed(w.At(time.Minute), "local-1", "sniff", "my", "127.0.1.2:9444"))
	local.Node("local-2").Log(scenario.ConnectFailed(w.At(time.Minute), "local-2", "sniff", "my", "127.0.1.3:9444"))
	expectExactly(t, w.Analyze(), "remote-unreachable [local,remote] alias=my fix=local/local-1,local/local-2,local/local-3")
}

// Logs: the configuration says the remote listens there: a firewall.
func TestRemoteUnreachableFirewall(t *testing.T) {
	w, local, _ := healthy(t)
	local.Node("local-3").Log(scenario.ConnectFailed(w.At(time.Minute), "local-3", "proxy", "my", "127.0.1.3:9443"))
	ds := w.Analyze()
	expectExactly(t, ds, "remote-unreachable [local,remote] alias=my fix=")
}

// A connect_exception before the node's last restart is history, not a diagnosis.
func TestRemoteUnreachableBeforeRestartIsHistory(t *testing.T) {
	w := scenario.New(t)
	local := w.Cluster("local", "local-1@127.0.0.2")
	remote := w.Cluster("remote", "remote-1@127.0.1.2")
	remote.TransportTLS().RemoteClusterServer()
	local.TransportTLS().Link(remote, "my", key, 9443)
	n := local.Node("local-1")
	n.Log(scenario.ConnectFailed(w.At(-time.Hour), "local-1", "sniff", "my", "127.0.1.2:9443"))
	n.Started()
	expectExactly(t, w.Analyze())
}
