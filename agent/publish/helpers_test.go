package publish_test

import (
	"context"
	"fmt"
	"strconv"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	"github.com/prometheus/client_golang/prometheus"
	dto "github.com/prometheus/client_model/go"

	"github.com/esdoctor/esdoctor/agent/publish"
	"github.com/esdoctor/esdoctor/agent/spool"
	"github.com/esdoctor/esdoctor/aggregator/ingest"
	"github.com/esdoctor/esdoctor/aggregator/ingest/ingesttest"
	"github.com/esdoctor/esdoctor/shared/event"
	"github.com/esdoctor/esdoctor/shared/natsx"
)

var t0 = time.Date(2024, 5, 1, 12, 0, 0, 0, time.UTC)

// symptom i of node; its number travels in Fields["n"].
func symptom(node string, i int) *event.Envelope {
	return &event.Envelope{
		ID: event.HashID(node, strconv.Itoa(i)), Kind: event.KindSymptom, Cluster: "local", Node: node,
		Time: t0.Add(time.Duration(i) * time.Millisecond),
		Symptom: &event.Symptom{Symptom: "connect-exception", Time: t0, File: "local.log", Line: int64(i + 1),
			Count: 1, Fields: map[string]string{"n": strconv.Itoa(i)}},
	}
}

func symptoms(node string, from, to int) []*event.Envelope {
	var es []*event.Envelope
	for i := from; i < to; i++ {
		es = append(es, symptom(node, i))
	}
	return es
}

func number(t testing.TB, e *event.Envelope) int {
	t.Helper()
	n, err := strconv.Atoi(e.Symptom.Fields["n"])
	if err != nil {
		t.Fatalf("event %s: %v", e.ID, err)
	}
	return n
}

func openSpool(t testing.TB, dir string) *spool.Spool {
	t.Helper()
	sp, err := spool.Open(dir, spool.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { sp.Close() })
	return sp
}

func appendAll(t testing.TB, sp *spool.Spool, es []*event.Envelope) {
	t.Helper()
	for len(es) > 0 {
		k := min(len(es), 100)
		if _, err := sp.AppendBatch(es[:k]); err != nil {
			t.Fatalf("AppendBatch: %v", err)
		}
		es = es[k:]
	}
}

// fastReconnect keeps tests that stop the server short.
var fastReconnect = nats.CustomReconnectDelay(func(int) time.Duration { return 50 * time.Millisecond })

// startPublisher runs a publisher on its own connection; stop cancels it
// and waits for Run to return.
func startPublisher(t testing.TB, url string, sp *spool.Spool, o publish.Options) (p *publish.Publisher, stop func()) {
	t.Helper()
	nc, err := natsx.Connect(url, "agent", nil, fastReconnect)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(nc.Close)
	p, err = publish.New(nc, sp, o)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- p.Run(ctx) }()
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
	return p, stop
}

// startIngest runs the aggregator's real ingest into a fresh sink.
func startIngest(t testing.TB, js jetstream.JetStream) *ingesttest.Sink {
	t.Helper()
	sink := &ingesttest.Sink{}
	in, err := ingest.New(js, sink, ingest.Options{Durable: "agg", AckWait: 2 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { in.Run(ctx); close(done) }()
	t.Cleanup(func() { cancel(); <-done })
	return sink
}

// streamNumbers reads ESDOCTOR_EVENTS message by message: the event
// numbers in stream order.
func streamNumbers(t testing.TB, js jetstream.JetStream) []int {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	st, err := js.Stream(ctx, natsx.StreamEvents)
	if err != nil {
		t.Fatal(err)
	}
	info, err := st.Info(ctx)
	if err != nil {
		t.Fatal(err)
	}
	var out []int
	for sq := info.State.FirstSeq; sq <= info.State.LastSeq && info.State.Msgs > 0; sq++ {
		m, err := st.GetMsg(ctx, sq)
		if err != nil {
			t.Fatalf("stream message %d: %v", sq, err)
		}
		e, err := event.Decode(m.Data)
		if err != nil {
			t.Fatalf("stream message %d: %v", sq, err)
		}
		out = append(out, number(t, e))
	}
	return out
}

func isRange(xs []int, from, to int) bool {
	if len(xs) != to-from {
		return false
	}
	for i, x := range xs {
		if x != from+i {
			return false
		}
	}
	return true
}

func counter(t testing.TB, g prometheus.Gatherer, name string) float64 {
	t.Helper()
	mfs, err := g.Gather()
	if err != nil {
		t.Fatal(err)
	}
	var sum float64
	for _, mf := range mfs {
		if mf.GetName() == name {
			for _, m := range mf.GetMetric() {
				sum += value(m)
			}
		}
	}
	return sum
}

func value(m *dto.Metric) float64 {
	if m.Counter != nil {
		return m.Counter.GetValue()
	}
	return m.GetGauge().GetValue()
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

func describe(sink *ingesttest.Sink, sp *spool.Spool) string {
	return fmt.Sprintf("sink: %d distinct, %d duplicate deliveries; spool: %d pending, %d bytes",
		sink.Unique(), sink.Duplicates(), sp.Pending(), sp.Bytes())
}
