package rules_test

import (
	"testing"

	"github.com/esdoctor/esdoctor/internal/testkit/scenario"
)

func TestKeystoreCorrupt(t *testing.T) {
	w := scenario.New(t)
	c := w.Cluster("prod", "node-1@127.0.2.1", "node-2@127.0.2.2")
	c.Node("node-2").NoKeystore().File("elasticsearch.keystore", []byte("#!/bin/sh\necho not a keystore\n"))
	expectExactly(t, w.Analyze(), "keystore-unreadable [prod] alias= fix=prod/node-2")
}
