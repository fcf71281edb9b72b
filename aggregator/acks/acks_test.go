package acks_test

import (
	"context"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/esdoctor/esdoctor/aggregator/acks"
	"github.com/esdoctor/esdoctor/shared/diagnosis"
	"github.com/esdoctor/esdoctor/shared/natsx"
	"github.com/esdoctor/esdoctor/shared/natsx/natstest"
)

var t0 = time.Date(2026, 12, 4, 10, 0, 0, 0, time.UTC)

func at(d time.Duration) *time.Time { t := t0.Add(d); return &t }

// Acks are written to the bucket, seen by a second store through its
// watcher, kept with their history, and still there after the NATS server
// restarts on the same store directory.
func TestPutWatchHistoryRestart(t *testing.T) {
	dir := t.TempDir()
	s := natstest.RunServer(t, natsx.EmbeddedOptions{StoreDir: dir})
	port := natstest.Port(s)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()

	_, js := natstest.Connect(t, s.ClientURL())
	a, err := acks.Open(ctx, js, acks.Options{})
	if err != nil {
		t.Fatal(err)
	}
	var mu sync.Mutex
	var seen []acks.Record
	_, js2 := natstest.Connect(t, s.ClientURL())
	b, err := acks.Open(ctx, js2, acks.Options{OnChange: func(r acks.Record) { mu.Lock(); seen = append(seen, r); mu.Unlock() }})
	if err != nil {
		t.Fatal(err)
	}
	wctx, stopWatch := context.WithCancel(ctx)
	done := make(chan error, 1)
	go func() { done <- b.Watch(wctx) }()

	id := "7c97bdf712492d85bababa19c3dc0ef0"
	if err := a.Put(ctx, acks.Record{ID: id, Action: acks.ActionAck, By: "alice", Reason: "on it", At: t0, Until: at(4 * time.Hour)}); err != nil {
		t.Fatal(err)
	}
	if got := a.Active(id, t0.Add(time.Hour)); got == nil || got.By != "alice" || got.Kind != diagnosis.AckKindAck {
		t.Fatalf("active right after put: %+v", got)
	}
	if got := a.Active(id, t0.Add(5*time.Hour)); got != nil {
		t.Errorf("active after until: %+v", got)
	}
	deadline := time.Now().Add(10 * time.Second)
	for b.Active(id, t0) == nil {
		if time.Now().After(deadline) {
			t.Fatal("the second store never saw the ack")
		}
		time.Sleep(10 * time.Millisecond)
	}
	if err := a.Put(ctx, acks.Record{ID: id, Action: acks.ActionUnack, By: "bob", Reason: "not mine", At: t0.Add(time.Minute)}); err != nil {
		t.Fatal(err)
	}
	for b.Active(id, t0.Add(2*time.Minute)) != nil {
		if time.Now().After(deadline) {
			t.Fatal("the second store never saw the unack")
		}
		time.Sleep(10 * time.Millisecond)
	}
	stopWatch()
	<-done
	mu.Lock()
	if len(seen) < 2 || seen[len(seen)-1].Action != acks.ActionUnack {
		t.Errorf("OnChange saw %+v", seen)
	}
	mu.Unlock()
	h, err := a.History(ctx, id)
	if err != nil || len(h) != 2 || h[0].Action != acks.ActionAck || h[1].Action != acks.ActionUnack || h[1].By != "bob" {
		t.Fatalf("history: %+v %v", h, err)
	}
	if err := a.Put(ctx, acks.Record{ID: id, Action: acks.ActionMute, By: "carol", Reason: "lab cluster", At: t0.Add(2 * time.Minute), Until: at(48 * time.Hour)}); err != nil {
		t.Fatal(err)
	}

	// Restart the server on the same store: the mute is still there.
	natstest.Stop(s)
	s = natstest.RunServer(t, natsx.EmbeddedOptions{StoreDir: dir, Port: port})
	_, js3 := natstest.Connect(t, s.ClientURL())
	c, err := acks.Open(ctx, js3, acks.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if got := c.Active(id, t0.Add(24*time.Hour)); got == nil || got.Kind != diagnosis.AckKindMute || got.By != "carol" {
		t.Fatalf("after a restart: %+v", got)
	}
	ds := []diagnosis.Diagnosis{{ID: id}, {ID: "other"}}
	c.Annotate(ds, t0.Add(time.Hour))
	if ds[0].Ack == nil || ds[1].Ack != nil {
		t.Errorf("annotate: %+v %+v", ds[0].Ack, ds[1].Ack)
	}
	if h, _ := c.History(ctx, id); len(h) != 3 {
		t.Errorf("history after a restart: %d records", len(h))
	}
}

// Invalid records are refused before they are written, and a malformed
// value in the bucket is refused on read.
func TestRecordMalformed(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{``, "record: empty"},
		{`{`, "malformed JSON"},
		{`{"id":"a b","action":"ack","by":"x","reason":"y","at":"2026-12-04T10:00:00Z"}`, "not a valid diagnosis id"},
		{`{"id":"abc","action":"snooze","by":"x","reason":"y","at":"2026-12-04T10:00:00Z"}`, "action must be"},
		{`{"id":"abc","action":"ack","by":"","reason":"y","at":"2026-12-04T10:00:00Z"}`, "who (by) is missing"},
		{`{"id":"abc","action":"ack","by":"x","reason":" ","at":"2026-12-04T10:00:00Z"}`, "reason is missing"},
		{`{"id":"abc","action":"ack","by":"x","reason":"y"}`, "the time (at) is missing"},
		{`{"id":"abc","action":"mute","by":"x","reason":"y","at":"2026-12-04T10:00:00Z"}`, "needs an end"},
		{`{"id":"abc","action":"ack","by":"x","reason":"y","at":"2026-12-04T10:00:00Z","until":"2026-12-04T09:00:00Z"}`, "is not after"},
		{`{"id":"abc","action":"ack","by":"x","reason":"y","at":"2026-12-04T10:00:00Z","until":"2027-12-04T09:00:00Z"}`, "more than"},
		{`{"id":"abc","action":"ack","by":"x\ny","reason":"y","at":"2026-12-04T10:00:00Z"}`, "one line"},
		{`{"id":"abc","action":"ack","by":"x","reason":"y","at":"2026-12-04T10:00:00Z"} {}`, "trailing data"},
		{strings.Repeat(" ", 17<<10), "exceeds"},
	} {
		if _, err := acks.DecodeRecord([]byte(tc.in)); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%.60q: %v, want %q", tc.in, err, tc.want)
		}
	}
}

func FuzzDecodeRecord(f *testing.F) {
	f.Add([]byte(`{"id":"abc","action":"ack","by":"x","reason":"y","at":"2026-12-04T10:00:00Z","until":"2026-12-04T14:00:00Z"}`))
	f.Add([]byte(`{"id":"abc","action":"clear","by":"esdoctor-aggregator","reason":"","at":"2026-12-04T10:00:00Z"}`))
	f.Add([]byte(`{"id":"","action":1}`))
	f.Fuzz(func(t *testing.T, b []byte) {
		r, err := acks.DecodeRecord(b)
		if err != nil {
			return
		}
		if r.Validate() != nil {
			t.Fatal("decoded an invalid record")
		}
		if a := r.Ack(); a != nil && a.Kind != r.Action {
			t.Fatalf("ack kind %q for action %q", a.Kind, r.Action)
		}
	})
}
