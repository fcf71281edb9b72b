package e2e

import (
	"context"
	"fmt"
	"github.com/nats-io/nats.go"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/esdoctor/esdoctor/aggregator"
	"github.com/esdoctor/esdoctor/aggregator/api"
	"github.com/esdoctor/esdoctor/shared/event"
	"github.com/esdoctor/esdoctor/shared/natsx/natstest"
)

// statusEvents are agent status reports: they go through the events stream
// and the store like any event but change no diagnosis, so they make a
// long stream to kill an aggregator in the middle of.
func statusEvents(n int) []*event.Envelope {
	nodes := []string{"local-1", "local-2", "local-3"}
	out := make([]*event.Envelope, 0, n)
	for i := 0; i < n; i++ {
		node := nodes[i%len(nodes)]
		out = append(out, &event.Envelope{Schema: event.SchemaVersion, ID: event.HashID("status", strconv.Itoa(i)), Kind: event.KindStatus,
			Cluster: "local", Node: node, Agent: "agent-" + node, Time: time.Date(2024, 5, 1, 10, 0, i, 0, time.UTC),
			Status: &event.AgentStatus{Collectors: map[string]bool{"logs": true}, SpoolBytes: int64(i)}})
	}
	return out
}

// interleave puts the scenario's events among the filler.
func interleave(es, filler []*event.Envelope) []*event.Envelope {
	out := make([]*event.Envelope, 0, len(es)+len(filler))
	step := len(filler)/len(es) + 1
	for i, f := range filler {
		if i%step == 0 && len(es) > 0 {
			out = append(out, es[0])
			es = es[1:]
		}
		out = append(out, f)
	}
	return append(out, es...)
}

// (c) An aggregator killed (cancelled) while events stream in, restarted on
// the same data directory and durable, counts every event exactly once and
// gives the same diagnoses as an offline analysis.
func TestRestartMidStreamCountsEveryEventOnce(t *testing.T) {
	w, _, _ := world(t, true)
	bs := w.Bundles()
	want := offline(bs)
	all := interleave(events(bs), statusEvents(1500))
	total := uniqueIDs(all)

	url, _ := natstest.RunTestServer(t)
	_, js := natstest.Connect(t, url)
	dir := t.TempDir()
	a1 := start(t, aggregator.Options{NATSURL: url, Durable: "restart", DataDir: dir})

	var wg sync.WaitGroup
	wg.Add(1)
	go func() { // an agent sending while the aggregator dies and comes back
		defer wg.Done()
		for i := 0; i < len(all); i += 50 {
			publish(t, js, all[i:min(i+50, len(all))])
			time.Sleep(5 * time.Millisecond)
		}
	}()
	waitFor(t, 20*time.Second, func() bool { return a1.Stats().Store.Applied >= uint64(total/3) },
		func() string { return fmt.Sprintf("first aggregator applied %d", a1.Stats().Store.Applied) })
	a1.stop()
	s1 := a1.Stats()
	t.Logf("first aggregator, killed mid-stream: applied %d of %d, duplicates %d; ingest: %s", s1.Store.Applied, total, s1.Store.Duplicates, s1.Ingest)
	if s1.Store.Applied >= uint64(total) {
		t.Fatalf("the first aggregator saw everything (%d); the test did not kill it mid-stream", s1.Store.Applied)
	}

	a2 := start(t, aggregator.Options{NATSURL: url, Durable: "restart", DataDir: dir})
	wg.Wait()
	a2.settle(t, total)
	s2 := a2.Stats()
	t.Logf("restarted aggregator: applied %d of %d (replayed %d, delivered %d), duplicates %d; ingest: %s",
		s2.Store.Applied, total, s2.Replayed, s2.Ingest.Applied, s2.Store.Duplicates, s2.Ingest)
	if s2.Store.Applied != uint64(total) {
		t.Errorf("applied %d distinct events, want %d", s2.Store.Applied, total)
	}
	if got := s2.Replayed + s2.Ingest.Applied - s2.Store.Duplicates; got != uint64(total) {
		t.Errorf("replayed %d + delivered %d - duplicates %d = %d, want %d", s2.Replayed, s2.Ingest.Applied, s2.Store.Duplicates, got, total)
	}
	if s2.Replayed == 0 {
		t.Error("the restarted aggregator did not rebuild its model from the stream")
	}
	got := a2.diagnoses(t, api.Query{})
	if summary(got) != summary(want) || comparable(t, got) != comparable(t, want) {
		t.Errorf("after the restart:\n%s\nanalyze:\n%s", summary(got), summary(want))
	}
}

// The embedded NATS server keeps the streams and the durable consumer on
// disk: an aggregator restarted on the same data directory (new ports)
// rebuilds the same model and keeps the diagnoses' history.
func TestEmbeddedRestartKeepsStreamsAndHistory(t *testing.T) {
	w, _, _ := world(t, true)
	bs := w.Bundles()
	es := events(bs)
	half := len(es) / 2
	dir := t.TempDir()

	a1 := start(t, aggregator.Options{DataDir: dir, Durable: "embedded"})
	_, js := natstest.Connect(t, a1.NATSURL(), nats.UserCredentials(a1.NATSCredsFile()))
	publish(t, js, es[:half])
	a1.settle(t, uniqueIDs(es[:half]))
	first := a1.diagnoses(t, api.Query{State: api.StateAll})
	a1.stop()

	a2 := start(t, aggregator.Options{DataDir: dir, Durable: "embedded"})
	if a2.NATSURL() == a1.NATSURL() {
		t.Logf("same port reused: %s", a2.NATSURL())
	}
	if a2.Stats().Store.Applied != uint64(uniqueIDs(es[:half])) {
		t.Errorf("after the restart the model holds %d events, want the %d sent before", a2.Stats().Store.Applied, uniqueIDs(es[:half]))
	}
	_, js2 := natstest.Connect(t, a2.NATSURL(), nats.UserCredentials(a2.NATSCredsFile()))
	publish(t, js2, es[half:])
	a2.settle(t, uniqueIDs(es))
	got := a2.diagnoses(t, api.Query{})
	if summary(got) != summary(offline(bs)) {
		t.Errorf("after the restart:\n%s\nanalyze:\n%s", summary(got), summary(offline(bs)))
	}
	// History: whatever the first run saw keeps its first_seen.
	for _, d := range first {
		g, err := a2.client.Diagnosis(context.Background(), d.ID)
		if err != nil {
			t.Errorf("%s (%s) from the first run is gone: %v", d.Code, d.ID, err)
			continue
		}
		if g.FirstSeen.After(d.FirstSeen) {
			t.Errorf("%s: first_seen moved from %v to %v", d.Code, d.FirstSeen, g.FirstSeen)
		}
	}
}
