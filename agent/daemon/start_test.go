package daemon

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/esdoctor/esdoctor/shared/event"
)

// The node's start and ES version outlive the log lines that told them:
// after a rotation (and an agent restart in between) the snapshot still
// carries them; a newer start replaces them.
func TestStartSurvivesLogRotation(t *testing.T) {
	t1 := time.Date(2026, 10, 28, 7, 12, 3, 0, time.UTC)
	var st agentState
	first := &event.Snapshot{ESVersion: "8.15.3", StartedAt: &t1, StartSource: "log", PID: 2101}
	st.rememberStart(first)

	b, _ := json.Marshal(st) // the agent restarts: its state is read back
	var back agentState
	if err := json.Unmarshal(b, &back); err != nil {
		t.Fatal(err)
	}
	rotated := &event.Snapshot{} // the start lines are gone from the active log
	back.rememberStart(rotated)
	if rotated.StartedAt == nil || !rotated.StartedAt.Equal(t1) || rotated.ESVersion != "8.15.3" || rotated.StartSource != "log" || rotated.PID != 2101 {
		t.Fatalf("after rotation: started %v version %q source %q pid %d", rotated.StartedAt, rotated.ESVersion, rotated.StartSource, rotated.PID)
	}

	t2 := t1.Add(48 * time.Hour)
	restarted := &event.Snapshot{ESVersion: "8.16.0", StartedAt: &t2, StartSource: "log", PID: 3000}
	back.rememberStart(restarted)
	later := &event.Snapshot{}
	back.rememberStart(later)
	if !later.StartedAt.Equal(t2) || later.ESVersion != "8.16.0" || later.PID != 3000 {
		t.Fatalf("after a restart and a rotation: started %v version %q pid %d", later.StartedAt, later.ESVersion, later.PID)
	}

	// The same start seen again without its version line keeps the version.
	same := &event.Snapshot{StartedAt: &t2, StartSource: "log"}
	back.rememberStart(same)
	if same.ESVersion != "8.16.0" {
		t.Fatalf("version lost when the start is seen again without it: %q", same.ESVersion)
	}
}
