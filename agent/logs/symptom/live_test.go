package symptom

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/esdoctor/esdoctor/shared/event"
)

func TestLiveEmitsFirstAtOnceAndFoldsRepeats(t *testing.T) {
	d := NewLive(10 * time.Minute)
	t0 := time.Date(2024, 5, 1, 0, 0, 0, 0, time.UTC)
	s := func(at time.Time) event.Symptom {
		return event.Symptom{Symptom: "connect-exception", Node: "n", Time: at, Fields: map[string]string{"alias": "my"}}
	}
	if out := d.Add(s(t0)); len(out) != 1 || out[0].Count != 1 {
		t.Fatalf("first occurrence: %+v", out)
	}
	total := 1
	// Every 30 s for a day: nothing more until the window closes.
	for i := 1; i <= 2880; i++ {
		if out := d.Add(s(t0.Add(time.Duration(i) * 30 * time.Second))); len(out) != 0 {
			t.Fatalf("repeat %d emitted %+v", i, out)
		}
	}
	// Survives a restart through its state.
	b, _ := json.Marshal(d.State())
	var st LiveState
	json.Unmarshal(b, &st)
	d2 := NewLive(10 * time.Minute)
	d2.Restore(st)
	out := d2.Expire(t0.Add(25 * time.Hour))
	if len(out) != 1 || out[0].Count != 2880 || out[0].LastTime == nil {
		t.Fatalf("fold: %+v", out)
	}
	total += out[0].Count
	if total != 2881 {
		t.Fatalf("total %d", total)
	}
	// After a quiet window the next occurrence is a first occurrence again.
	if out := d2.Add(s(t0.Add(26 * time.Hour))); len(out) != 1 || out[0].Count != 1 {
		t.Fatalf("after quiet: %+v", out)
	}
}

func TestLiveWindowZeroPassesThrough(t *testing.T) {
	d := NewLive(0)
	for i := 0; i < 3; i++ {
		if out := d.Add(event.Symptom{Symptom: "x"}); len(out) != 1 {
			t.Fatal(out)
		}
	}
}

// FlushHeld releases the repeats counted so far and keeps the group: the
// next repeat is folded again, never announced as a first occurrence; no
// repeat is counted twice or lost.
func TestLiveFlushHeldKeepsGroups(t *testing.T) {
	d := NewLive(10 * time.Minute)
	t0 := time.Date(2024, 5, 1, 0, 0, 0, 0, time.UTC)
	s := func(i int, alias string) event.Symptom {
		return event.Symptom{Symptom: "connect-exception", Time: t0.Add(time.Duration(i) * time.Second), Fields: map[string]string{"alias": alias}}
	}
	if out := d.FlushHeld(); len(out) != 0 {
		t.Fatalf("empty deduper flushed %+v", out)
	}
	d.Add(s(0, "a"))
	d.Add(s(0, "b"))
	for i := 1; i <= 3; i++ {
		d.Add(s(i, "a"))
	}
	out := d.FlushHeld()
	if len(out) != 1 || out[0].Count != 3 || out[0].Fields["alias"] != "a" || !out[0].Time.Equal(t0.Add(time.Second)) || !out[0].LastTime.Equal(t0.Add(3*time.Second)) {
		t.Fatalf("first flush: %+v", out)
	}
	if out := d.FlushHeld(); len(out) != 0 {
		t.Fatalf("second flush without repeats: %+v", out)
	}
	if out := d.Add(s(4, "a")); len(out) != 0 {
		t.Fatalf("a repeat after the flush was emitted as a first occurrence: %+v", out)
	}
	d.Add(s(5, "b"))
	out = d.FlushHeld()
	if len(out) != 2 || out[0].Count != 1 || out[1].Count != 1 || d.Len() != 2 {
		t.Fatalf("third flush: %+v (groups %d)", out, d.Len())
	}
}

// With a repeat interval, a repeat after a quiet interval is emitted at
// once; a burst is one event at once and one fold per flush.
func TestLiveRepeatIntervalIsLeadingEdge(t *testing.T) {
	d := NewLive(10 * time.Minute)
	d.SetRepeatInterval(500 * time.Millisecond)
	clock := time.Date(2024, 5, 1, 0, 0, 0, 0, time.UTC)
	d.now = func() time.Time { return clock }
	s := func(i int) event.Symptom {
		return event.Symptom{Symptom: "connect-exception", Time: clock.Add(time.Duration(i) * time.Millisecond), Fields: map[string]string{"alias": "a"}}
	}
	if out := d.Add(s(0)); len(out) != 1 {
		t.Fatalf("first: %+v", out)
	}
	clock = clock.Add(30 * time.Second) // ES's next attempt, 30 s later
	if out := d.Add(s(30000)); len(out) != 1 || out[0].Count != 1 {
		t.Fatalf("a repeat after a quiet interval was held: %+v", out)
	}
	for i := 1; i <= 100; i++ { // a storm within the interval
		clock = clock.Add(time.Millisecond)
		if out := d.Add(s(30000 + i)); len(out) != 0 {
			t.Fatalf("storm line %d emitted %+v", i, out)
		}
	}
	out := d.FlushHeld()
	if len(out) != 1 || out[0].Count != 100 {
		t.Fatalf("the storm's fold: %+v", out)
	}
	clock = clock.Add(100 * time.Millisecond) // within the interval of that flush
	if out := d.Add(s(31000)); len(out) != 0 {
		t.Fatalf("a repeat right after a flush was emitted: %+v", out)
	}
}
