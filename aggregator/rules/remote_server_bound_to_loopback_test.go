package rules_test

import "testing"

// remote-1 enables the server but binds it to _local_.
func TestBoundToLoopback(t *testing.T) {
	w, _, remote := healthy(t)
	remote.Node("remote-1").YML("remote_cluster.host: _local_")
	expectExactly(t, w.Analyze(), "remote-server-bound-to-loopback [local,remote] alias=my fix=remote/remote-1")
}

// remote-2 has no remote_cluster.host and only transport.publish_host: the
// remote cluster server follows the bind chain to _local_.
func TestBoundToLoopbackByDefaultChain(t *testing.T) {
	w, _, remote := healthy(t)
	n := remote.Node("remote-2")
	n.UnsetYML("remote_cluster.host").UnsetYML("network.host").YML("transport.publish_host: 127.0.1.3")
	expectExactly(t, w.Analyze(), "remote-server-bound-to-loopback [local,remote] alias=my fix=remote/remote-2")
}
