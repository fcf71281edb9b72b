package rules_test

import (
	"testing"
	"time"

	"github.com/esdoctor/esdoctor/internal/testkit/scenario"
)

// Config alone: one local node lacks cluster.remote.my.credentials.
func TestMissingCredentialsOnOneNode(t *testing.T) {
	w, local, _ := healthy(t)
	local.Node("local-3").RemoveSecure("cluster.remote.my.credentials")
	expectExactly(t, w.Analyze(), "missing-cross-cluster-credentials [local,remote] alias=my fix=local/local-3")
}

// Credentials stored under another alias on one node, and its log says so.
func TestMissingCredentialsUnderAnotherAlias(t *testing.T) {
	w, local, _ := healthy(t)
	n := local.Node("local-2")
	n.RemoveSecure("cluster.remote.my.credentials").Secure("cluster.remote.my_remote.credentials", key.Encoded())
	n.Log(scenario.MissingCredentialsHeader(w.At(time.Minute), "local-2", "sniff", "my", "remote-1", "127.0.1.2:9443"))
	ds := w.Analyze()
	expectExactly(t, ds, "missing-cross-cluster-credentials [local,remote] alias=my fix=local/local-2")
}
