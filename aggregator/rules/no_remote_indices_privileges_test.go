package rules_test

import (
	"testing"
	"time"

	"github.com/esdoctor/esdoctor/internal/testkit/scenario"
)

func TestNoRemoteIndicesPrivileges(t *testing.T) {
	w, local, _ := healthy(t)
	local.Node("local-1").Log(scenario.NoRemoteIndices(w.At(time.Hour), "local-1", "my", "foo"))
	ds := w.Analyze()
	expectExactly(t, ds, "no-remote-indices-privileges [local,remote] alias=my fix=")
}
