package rules_test

import "testing"

// The remote cluster server keystore password is missing on one node.
func TestPrerequisiteServerPasswordMissing(t *testing.T) {
	w, _, remote := healthy(t)
	remote.Node("remote-2").RemoveSecure("xpack.security.remote_cluster_server.ssl.keystore.secure_password")
	expectExactly(t, w.Analyze(), "api-key-prerequisites [remote] alias= fix=remote/remote-2")
}

// Security disabled on a remote-cluster-server node.
func TestPrerequisiteSecurityDisabled(t *testing.T) {
	w, _, remote := healthy(t)
	remote.Each(func(n *scenarioNode) { n.YML("xpack.security.enabled: false") })
	ds := w.Analyze()
	found := false
	for _, d := range ds {
		if d.Code == "api-key-prerequisites" && len(d.Fix.Nodes) == 2 {
			found = true
		}
	}
	if !found {
		t.Errorf("no api-key-prerequisites for both remote nodes: %v", summaries(ds))
	}
}
