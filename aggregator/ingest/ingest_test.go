package ingest_test

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/nats-io/nats.go/jetstream"
	"github.com/prometheus/client_golang/prometheus"
	"go.uber.org/zap"
	"go.uber.org/zap/zaptest/observer"

	"github.com/esdoctor/esdoctor/aggregator/ingest"
	"github.com/esdoctor/esdoctor/aggregator/ingest/ingesttest"
	"github.com/esdoctor/esdoctor/shared/event"
	"github.com/esdoctor/esdoctor/shared/natsx"
	"github.com/esdoctor/esdoctor/shared/natsx/natstest"
)

func TestAppliesEveryEventAndAcks(t *testing.T) {
	url, _ := natstest.RunTestServer(t)
	_, js := natstest.Connect(t, url)
	var events []*event.Envelope
	for i := 0; i < 20; i++ {
		events = append(events, symptom("n1", i))
	}
	events = append(events, snapshot("n1", 1), heartbeat("n1"))
	publish(t, js, events...)

	sink := &ingesttest.Sink{}
	in := mustNew(t, js, sink, ingest.Options{Durable: "agg"})
	run(t, in)
	sink.WaitUnique(t, len(events), 10*time.Second)
	ctx := context.Background()
	for _, stream := range []string{natsx.StreamEvents, natsx.StreamState} {
		waitFor(t, stream+" acks", 5*time.Second, func() bool {
			c, err := js.Consumer(ctx, stream, "agg")
			if err != nil {
				return false
			}
			info, err := c.Info(ctx)
			return err == nil && info.NumAckPending == 0 && info.NumPending == 0
		})
	}
	if st := in.Stats(); st.Applied != uint64(len(events)) || st.Rejected != 0 {
		t.Errorf("stats: %v", st)
	}
	// Symptoms of one stream arrive in stream order.
	var got []string
	for _, e := range sink.Events() {
		if e.Kind == event.KindSymptom {
			got = append(got, e.ID)
		}
	}
	var want []string
	for _, e := range events[:20] {
		want = append(want, e.ID)
	}
	if !slices.Equal(got, want) {
		t.Error("symptoms applied out of stream order")
	}
}

// The aggregator is killed mid-stream (its connection drops right after the
// store applied event 100, before the ack); a new Ingest with the same
// durable gets the rest. The store, idempotent by id, applies nothing twice;
// the duplicate deliveries are counted separately.
func TestRestartWithSameDurableDeliversTheRest(t *testing.T) {
	url, _ := natstest.RunTestServer(t)
	_, js := natstest.Connect(t, url)
	const n = 300
	for i := 0; i < n; i++ {
		publish(t, js, symptom("n1", i))
	}
	nc1, err := natsx.Connect(url, "doomed-aggregator", nil)
	if err != nil {
		t.Fatal(err)
	}
	js1, err := jetstream.New(nc1)
	if err != nil {
		t.Fatal(err)
	}
	sink := &ingesttest.Sink{}
	ctx1, stop1 := context.WithCancel(context.Background())
	sink.OnApply = func(unique int) {
		if unique == 100 {
			nc1.Close() // kill: the ack of this event never leaves
			stop1()
		}
	}
	o := ingest.Options{Durable: "agg", AckWait: time.Second}
	first := mustNew(t, js1, sink, o)
	done := make(chan struct{})
	go func() { first.Run(ctx1); close(done) }()
	select {
	case <-done:
	case <-time.After(15 * time.Second):
		t.Fatal("the first ingest was not killed")
	}
	st1 := first.Stats()
	if st1.Applied >= n {
		t.Fatalf("the first ingest applied everything (%v); the test needs a kill mid-stream", st1)
	}

	sink.OnApply = nil
	second := mustNew(t, js, sink, o)
	run(t, second)
	sink.WaitUnique(t, n, 15*time.Second)
	waitFor(t, "all acks", 5*time.Second, func() bool {
		c, err := js.Consumer(context.Background(), natsx.StreamEvents, "agg")
		if err != nil {
			return false
		}
		info, err := c.Info(context.Background())
		return err == nil && info.NumAckPending == 0 && info.NumPending == 0
	})
	st2 := second.Stats()
	t.Logf("first run (killed): %v", st1)
	t.Logf("second run: %v", st2)
	t.Logf("sink: %d distinct events applied, %d duplicates by delivery", sink.Unique(), sink.Duplicates())
	if sink.Unique() != n {
		t.Errorf("%d distinct events, want %d", sink.Unique(), n)
	}
	if sink.Duplicates() < 1 {
		t.Errorf("no duplicate delivery: the unacknowledged event 100 should have come again")
	}
	seen := map[string]bool{}
	for _, e := range sink.Events() {
		if seen[e.ID] {
			t.Fatalf("event %s stored twice", e.ID)
		}
		seen[e.ID] = true
	}
}

// ESDOCTOR_STATE keeps the latest snapshot per node; a new durable rebuilds
// the model from it.
func TestStateStreamKeepsLatestSnapshotPerNode(t *testing.T) {
	url, _ := natstest.RunTestServer(t)
	_, js := natstest.Connect(t, url)
	for i := 1; i <= 10; i++ {
		publish(t, js, snapshot("node-a", i))
	}
	for i := 1; i <= 3; i++ {
		publish(t, js, snapshot("node-b", i))
	}
	publish(t, js, heartbeat("node-a"), heartbeat("node-a"))

	ctx := context.Background()
	st, err := js.Stream(ctx, natsx.StreamState)
	if err != nil {
		t.Fatal(err)
	}
	info, err := st.Info(ctx, jetstream.WithSubjectFilter("esdoctor.v1.>"))
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]uint64{
		"esdoctor.v1.snapshot.local.node-a":  1,
		"esdoctor.v1.snapshot.local.node-b":  1,
		"esdoctor.v1.heartbeat.local.node-a": 1,
	}
	if !mapsEqual(info.State.Subjects, want) || info.State.Msgs != 3 {
		t.Errorf("stream holds %d messages by subject %v, want %v", info.State.Msgs, info.State.Subjects, want)
	}

	sink := &ingesttest.Sink{}
	in := mustNew(t, js, sink, ingest.Options{Durable: "fresh-aggregator"})
	run(t, in)
	sink.WaitUnique(t, 3, 10*time.Second)
	time.Sleep(200 * time.Millisecond)
	if sink.Unique() != 3 {
		t.Errorf("new consumer saw %d events, want 3", sink.Unique())
	}
	for _, wantID := range []string{snapshot("node-a", 10).ID, snapshot("node-b", 3).ID, heartbeat("node-a").ID} {
		if _, ok := sink.Get(wantID); !ok {
			t.Errorf("latest event %s missing", wantID)
		}
	}
}

func mapsEqual(a, b map[string]uint64) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if b[k] != v {
			return false
		}
	}
	return true
}

// Two aggregators with different durable names each receive everything.
func TestTwoDurablesEachReceiveEverything(t *testing.T) {
	url, _ := natstest.RunTestServer(t)
	_, js := natstest.Connect(t, url)
	var events []*event.Envelope
	for i := 0; i < 50; i++ {
		events = append(events, symptom(fmt.Sprintf("n%d", i%3), i))
	}
	events = append(events, snapshot("n0", 1), snapshot("n1", 1))
	a, b := &ingesttest.Sink{}, &ingesttest.Sink{}
	run(t, mustNew(t, js, a, ingest.Options{Durable: "aggregator-a"}))
	publish(t, js, events[:20]...)
	run(t, mustNew(t, js, b, ingest.Options{Durable: "aggregator-b"}))
	publish(t, js, events[20:]...)
	a.WaitUnique(t, len(events), 10*time.Second)
	b.WaitUnique(t, len(events), 10*time.Second)
	ids := func(s *ingesttest.Sink) []string {
		var out []string
		for _, e := range s.Events() {
			out = append(out, e.ID)
		}
		slices.Sort(out)
		return out
	}
	if !slices.Equal(ids(a), ids(b)) {
		t.Error("the two aggregators hold different events")
	}
}

// Malformed messages are rejected with a counter and one log line each;
// the consumer keeps going and does not see them again.
func TestMalformedMessagesAreRejectedAndSkipped(t *testing.T) {
	url, _ := natstest.RunTestServer(t)
	_, js := natstest.Connect(t, url)
	ctx := context.Background()
	good := symptom("n1", 1)
	goodJSON, _ := event.Encode(good)
	raw := func(subject string, data []byte) {
		t.Helper()
		if _, err := js.Publish(ctx, subject, data); err != nil {
			t.Fatalf("publish on %s: %v", subject, err)
		}
	}
	sub := good.Subject()
	raw(sub, []byte(`{"schema":1,"id":"x","kind":"symp`))
	raw(sub, []byte(`{"schema":7,"id":"x","kind":"symptom","cluster":"local","node":"n1","symptom":{"symptom":"a"}}`))
	raw(sub, []byte(`{"pad":"`+strings.Repeat("x", 5<<20)+`"}`))
	raw(sub, []byte(`{"schema":1,"id":"x","kind":"symptom","cluster":"local","node":"n1"}`))
	raw(sub, nil)
	raw("esdoctor.v1.symptom.other.n1", goodJSON)
	raw("esdoctor.v1.snapshot.local.n1", []byte(`not json at all`))
	publish(t, js, good)

	core, logs := observer.New(zap.DebugLevel)
	reg := prometheus.NewRegistry()
	sink := &ingesttest.Sink{}
	// AckWait bounds the time from the server's delivery to the ack: the
	// messages of a pulled batch wait in the client while the 5 MiB one is
	// decoded, which on a loaded machine took more than the 300 ms this
	// test once used (a legitimate redelivery, counted as a second
	// rejection). Two seconds leave room; the wait below outlasts it.
	const ackWait = 2 * time.Second
	in := mustNew(t, js, sink, ingest.Options{Durable: "agg", Logger: zap.New(core), Registry: reg, AckWait: ackWait})
	run(t, in)
	sink.WaitUnique(t, 1, 20*time.Second)
	waitFor(t, "7 rejections", 20*time.Second, func() bool { return in.Stats().Rejected == 7 })
	time.Sleep(ackWait + 500*time.Millisecond) // > AckWait: terminated messages must not come back
	if st := in.Stats(); st.Rejected != 7 || st.Applied != 1 || st.Redelivered != 0 {
		t.Errorf("stats %v, want 7 rejected, 1 applied, 0 redelivered", st)
	}
	want := map[string]float64{
		ingest.ReasonMalformedJSON: 2, ingest.ReasonSchemaVersion: 1, ingest.ReasonTooLarge: 1,
		ingest.ReasonInvalid: 1, ingest.ReasonEmpty: 1, ingest.ReasonSubjectMismatch: 1,
	}
	got := rejectedByReason(t, reg)
	for r, n := range want {
		if got[r] != n {
			t.Errorf("esdoctor_ingest_rejected_total{reason=%q} = %v, want %v", r, got[r], n)
		}
	}
	lines := logs.FilterMessage("rejected a malformed event").All()
	if len(lines) != 7 {
		t.Errorf("%d rejection log lines, want 7", len(lines))
	}
	for _, l := range lines {
		if l.ContextMap()["reason"] == "" || l.ContextMap()["subject"] == "" {
			t.Errorf("rejection line without reason or subject: %v", l.ContextMap())
		}
	}
}

func rejectedByReason(t *testing.T, g prometheus.Gatherer) map[string]float64 {
	t.Helper()
	mfs, err := g.Gather()
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]float64{}
	for _, mf := range mfs {
		if mf.GetName() != "esdoctor_ingest_rejected_total" {
			continue
		}
		for _, m := range mf.GetMetric() {
			for _, l := range m.GetLabel() {
				if l.GetName() == "reason" {
					out[l.GetValue()] = m.GetCounter().GetValue()
				}
			}
		}
	}
	return out
}

// A failing Apply is not acknowledged: the event comes back and is applied
// once the store recovers. One that never applies is given up after
// MaxDeliver, without stopping the others.
func TestApplyErrorsAreRedelivered(t *testing.T) {
	url, _ := natstest.RunTestServer(t)
	_, js := natstest.Connect(t, url)
	flaky, poison := symptom("n1", 1), symptom("n1", 2)
	var flakyFails atomic.Int32
	sink := &ingesttest.Sink{Fail: func(e *event.Envelope) error {
		switch e.ID {
		case flaky.ID:
			if flakyFails.Add(1) <= 2 {
				return errors.New("store busy")
			}
		case poison.ID:
			return errors.New("store cannot take this one")
		}
		return nil
	}}
	core, logs := observer.New(zap.DebugLevel)
	in := mustNew(t, js, sink, ingest.Options{Durable: "agg", Logger: zap.New(core), NakDelay: 50 * time.Millisecond, MaxDeliver: 3})
	run(t, in)
	publish(t, js, flaky, poison, symptom("n1", 3))
	sink.WaitUnique(t, 2, 10*time.Second)
	waitFor(t, "giving up on the poison event", 10*time.Second, func() bool {
		return logs.FilterMessageSnippet("giving up").Len() == 1
	})
	st := in.Stats()
	t.Logf("stats: %v", st)
	if _, ok := sink.Get(flaky.ID); !ok {
		t.Error("the flaky event was never applied")
	}
	if st.ApplyErrors != 2+3 || st.Redelivered != 2+2 {
		t.Errorf("apply errors %d (want 5), redelivered %d (want 4)", st.ApplyErrors, st.Redelivered)
	}
}

// Run waits for the streams: an aggregator may start before anyone created
// them.
func TestRunWaitsForStreams(t *testing.T) {
	url, _ := natstest.RunTestServer(t)
	nc, err := natsx.Connect(url, "early", nil)
	if err != nil {
		t.Fatal(err)
	}
	defer nc.Close()
	js, err := jetstream.New(nc)
	if err != nil {
		t.Fatal(err)
	}
	sink := &ingesttest.Sink{}
	run(t, mustNew(t, js, sink, ingest.Options{}))
	time.Sleep(300 * time.Millisecond)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := natsx.EnsureStreams(ctx, js, 1); err != nil {
		t.Fatal(err)
	}
	publish(t, js, symptom("n1", 1), snapshot("n1", 1))
	sink.WaitUnique(t, 2, 15*time.Second)
}

func TestNewRequiresSinkAndStream(t *testing.T) {
	if _, err := ingest.New(nil, &ingesttest.Sink{}, ingest.Options{}); err == nil {
		t.Error("New without JetStream succeeded")
	}
}
