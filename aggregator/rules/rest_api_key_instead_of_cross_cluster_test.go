package rules_test

import (
	"testing"
	"time"

	"github.com/esdoctor/esdoctor/internal/testkit/scenario"
)

func TestRestKeyPairedWithKeystore(t *testing.T) {
	w, local, _ := healthy(t)
	rest := scenario.APIKey{ID: "VuaCfGcBCdbkQm-e5aOx", Secret: "CANARY-SECRET-rest"}
	local.Each(func(n *scenario.Node) { n.Secure("cluster.remote.my.credentials", rest.Encoded()) })
	local.Node("local-1").Log(scenario.WrongKeyType(w.At(time.Minute), "local-1", "proxy", "my", "remote-1", "127.0.1.2:9443", rest.ID))
	ds := w.Analyze()
	expectExactly(t, ds, "rest-api-key-instead-of-cross-cluster [local,remote] alias=my fix=local/local-1,local/local-2,local/local-3")
}

// Only one node holds the REST key; only it is to fix.
func TestRestKeyOnOneNode(t *testing.T) {
	w, local, _ := healthy(t)
	rest := scenario.APIKey{ID: "VuaCfGcBCdbkQm-e5aOx", Secret: "CANARY-SECRET-rest"}
	local.Node("local-2").Secure("cluster.remote.my.credentials", rest.Encoded())
	local.Node("local-2").Log(scenario.WrongKeyType(w.At(time.Minute), "local-2", "sniff", "my", "remote-1", "127.0.1.2:9443", rest.ID))
	ds := w.Analyze()
	expectExactly(t, ds, "rest-api-key-instead-of-cross-cluster [local,remote] alias=my fix=local/local-2")
}
