package ingest_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/esdoctor/esdoctor/aggregator/ingest"
	"github.com/esdoctor/esdoctor/shared/event"
)

var t0 = time.Date(2024, 5, 1, 12, 0, 0, 0, time.UTC)

func symptom(node string, i int) *event.Envelope {
	return &event.Envelope{
		ID: event.HashID("symptom", node, fmt.Sprint(i)), Kind: event.KindSymptom, Cluster: "local", Node: node,
		Time: t0.Add(time.Duration(i) * time.Second),
		Symptom: &event.Symptom{Symptom: "connect-exception", Time: t0, File: "local.log", Line: int64(i + 1),
			Count: 1, Fields: map[string]string{"n": fmt.Sprint(i)}},
	}
}

func snapshot(node string, i int) *event.Envelope {
	at := t0.Add(time.Duration(i) * time.Minute)
	return &event.Envelope{
		ID: event.HashID("snapshot", node, fmt.Sprint(i)), Kind: event.KindSnapshot, Cluster: "local", Node: node, Time: at,
		Snapshot: &event.Snapshot{Cluster: "local", Node: node, PathConf: "/etc/elasticsearch", InspectedAt: at},
	}
}

func heartbeat(node string) *event.Envelope {
	return &event.Envelope{
		ID: event.HashID("heartbeat", node), Kind: event.KindHeartbeat, Cluster: "local", Node: node, Time: t0,
		Heartbeat: &event.Heartbeat{Version: "test", Started: t0, Interval: "30s"},
	}
}

// publish sends events the way the agent's publisher does.
func publish(t testing.TB, js jetstream.JetStream, events ...*event.Envelope) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	for _, e := range events {
		data, err := event.Encode(e)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := js.Publish(ctx, e.Subject(), data, jetstream.WithMsgID(e.ID)); err != nil {
			t.Fatalf("publish %s: %v", e.ID, err)
		}
	}
}

// run starts in.Run and returns a stop function that cancels it and waits.
func run(t testing.TB, in *ingest.Ingest) (stop func()) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- in.Run(ctx) }()
	stopped := false
	stop = func() {
		if stopped {
			return
		}
		stopped = true
		cancel()
		select {
		case err := <-done:
			if err != nil {
				t.Errorf("Run: %v", err)
			}
		case <-time.After(10 * time.Second):
			t.Error("Run did not return after cancel")
		}
	}
	t.Cleanup(stop)
	return stop
}

func mustNew(t testing.TB, js jetstream.JetStream, sink ingest.Sink, o ingest.Options) *ingest.Ingest {
	t.Helper()
	in, err := ingest.New(js, sink, o)
	if err != nil {
		t.Fatal(err)
	}
	return in
}

func waitFor(t testing.TB, what string, timeout time.Duration, ok func() bool) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for !ok() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out after %v waiting for %s", timeout, what)
		}
		time.Sleep(10 * time.Millisecond)
	}
}
