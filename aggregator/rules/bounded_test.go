package rules_test

import (
	"fmt"
	"testing"
	"time"

	"github.com/esdoctor/esdoctor/aggregator/rules"
	"github.com/esdoctor/esdoctor/internal/testkit/scenario"
)

// A storm of distinct lines: the diagnosis counts every occurrence but
// keeps only the first and latest few samples per node and symptom, and
// first_seen is the first line's time.
func TestEvidenceIsBounded(t *testing.T) {
	w, local, _ := healthy(t)
	var lines []string
	for i := 0; i < 300; i++ {
		lines = append(lines, scenario.ClosedByRemote(w.At(time.Hour+time.Duration(i)*time.Second), "local-1", fmt.Sprintf("remote-%d", i%150+1), "127.0.1.2:9443"))
	}
	local.Node("local-1").Log(lines...)
	ds := w.Analyze()
	expectExactly(t, ds, "connection-unreliable [local,remote] alias=my fix=local/local-1,remote/remote-1")
	if len(ds) != 1 {
		return
	}
	d := ds[0]
	logRows := 0
	for _, e := range d.Evidence {
		if e.Side == "local" {
			logRows++
		}
	}
	if logRows != rules.KeepFirst+rules.KeepLatest || d.Count != 300 || d.EvidenceOmitted != 150-logRows {
		t.Errorf("rows %d (want %d), count %d (want 300), omitted %d (want %d)", logRows, rules.KeepFirst+rules.KeepLatest, d.Count, d.EvidenceOmitted, 150-logRows)
	}
	if want := w.At(time.Hour); !d.FirstSeen.Equal(want) {
		t.Errorf("first_seen %v, want the first line's %v", d.FirstSeen, want)
	}
}
