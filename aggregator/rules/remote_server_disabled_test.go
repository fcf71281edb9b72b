package rules_test

import (
	"testing"
	"time"

	"github.com/esdoctor/esdoctor/internal/testkit/scenario"
)

func remoteWithoutServerOn(t *testing.T, off ...string) (*scenario.World, *scenario.Cluster, *scenario.Cluster) {
	w := scenario.New(t)
	local := w.Cluster("local", "local-1@127.0.0.2", "local-2@127.0.0.3")
	remote := w.Cluster("remote", "remote-1@127.0.1.2", "remote-2@127.0.1.3", "remote-3@127.0.1.4")
	local.TransportTLS()
	remote.TransportTLS()
	isOff := map[string]bool{}
	for _, o := range off {
		isOff[o] = true
	}
	for _, n := range remote.Nodes {
		if !isOff[n.Name] {
			remote.RemoteServerOn(n)
		}
	}
	local.Link(remote, "my", key, 9443)
	local.Each(func(n *scenario.Node) { n.Started() })
	remote.Each(func(n *scenario.Node) { n.Started() })
	return w, local, remote
}

// Config alone: two of three remote nodes never enabled the server.
func TestRemoteServerDisabledOnSomeNodes(t *testing.T) {
	w, _, _ := remoteWithoutServerOn(t, "remote-2", "remote-3")
	expectExactly(t, w.Analyze(), "remote-server-disabled [local,remote] alias=my fix=remote/remote-2,remote/remote-3")
}

// Logs: connect_exception to 9443 of a node without the server; the
// unreachable diagnosis is merged into the explaining one.
func TestRemoteServerDisabledExplainsConnectException(t *testing.T) {
	w, local, _ := remoteWithoutServerOn(t, "remote-1", "remote-2", "remote-3")
	local.Node("local-1").Log(scenario.ConnectFailed(w.At(time.Minute), "local-1", "sniff", "my", "127.0.1.2:9443"))
	ds := w.Analyze()
	expectExactly(t, ds, "remote-server-disabled [local,remote] alias=my fix=remote/remote-1,remote/remote-2,remote/remote-3")
	if len(ds) == 1 && ds[0].Count < 1 {
		t.Errorf("count = %d", ds[0].Count)
	}
}
