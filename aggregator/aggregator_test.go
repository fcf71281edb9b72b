package aggregator_test

import (
	"context"
	"net"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/nats-io/nats.go/jetstream"
	"go.uber.org/zap/zaptest"

	"github.com/esdoctor/esdoctor/aggregator"
	"github.com/esdoctor/esdoctor/aggregator/api"
	"github.com/esdoctor/esdoctor/shared/event"
	"github.com/esdoctor/esdoctor/shared/natsx/natstest"
)

func TestOptionsAreChecked(t *testing.T) {
	for _, tc := range []struct {
		o    aggregator.Options
		want string
	}{
		{aggregator.Options{}, "a data directory is needed"},
		{aggregator.Options{NATSURL: "nats://127.0.0.1:1", Replicas: 2}, "replicas must be 1 or 3"},
		{aggregator.Options{DataDir: "d", NATSListen: "127.0.0.1"}, "NATS listen address"},
		{aggregator.Options{DataDir: "d", NATSListen: "127.0.0.1:99999"}, "port must be 0..65535"},
		{aggregator.Options{DataDir: "d", Listen: "nowhere"}, `listen address "nowhere"`},
	} {
		if _, err := aggregator.New(tc.o); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("New(%+v): %v, want %q", tc.o, err, tc.want)
		}
	}
}

func TestBusyPortIsAnError(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	a, err := aggregator.New(aggregator.Options{NATSURL: "nats://127.0.0.1:1", Listen: ln.Addr().String()})
	if err != nil {
		t.Fatal(err)
	}
	err = a.Run(context.Background())
	if err == nil || !strings.Contains(err.Error(), "HTTP API on "+ln.Addr().String()) {
		t.Errorf("Run on a busy port: %v", err)
	}
	if err := a.WaitReady(context.Background()); err == nil {
		t.Error("WaitReady after a failed Run: no error")
	}
	if err := a.Run(context.Background()); err == nil || !strings.Contains(err.Error(), "twice") {
		t.Errorf("second Run: %v", err)
	}
}

// clock is a settable clock for the rules.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) now() time.Time  { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) set(t time.Time) { c.mu.Lock(); c.t = t; c.mu.Unlock() }

// Clock-driven rules are evaluated without any new event: an agent whose
// heartbeats stop is reported within MaxEvalInterval, and resolved when one
// comes again.
func TestAgentSilentWithoutNewEvents(t *testing.T) {
	url, _ := natstest.RunTestServer(t)
	_, js := natstest.Connect(t, url)
	t0 := time.Date(2024, 5, 1, 10, 0, 0, 0, time.UTC)
	clk := &clock{t: t0}
	a, err := aggregator.New(aggregator.Options{NATSURL: url, Listen: "127.0.0.1:0", EvalInterval: 20 * time.Millisecond,
		MaxEvalInterval: 200 * time.Millisecond, Now: clk.now, Logger: zaptest.NewLogger(t)})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- a.Run(ctx) }()
	defer func() {
		cancel()
		if err := <-done; err != nil {
			t.Error(err)
		}
	}()
	if err := a.WaitReady(ctx); err != nil {
		t.Fatal(err)
	}
	heartbeat(t, js, "hb-1", t0)
	waitFor(t, func() bool { return a.Stats().Store.Heartbeats == 1 })
	open := func() int { return len(a.Diagnoses(api.Query{Code: "agent-silent"})) }
	time.Sleep(300 * time.Millisecond)
	if open() != 0 {
		t.Fatal("agent-silent while the agent is on time")
	}
	clk.set(t0.Add(5 * time.Minute))
	waitFor(t, func() bool { return open() == 1 })
	if ds := a.Diagnoses(api.Query{Code: "agent-silent"}); ds[0].Clusters[0] != "local" {
		t.Errorf("agent-silent: %+v", ds[0])
	}
	heartbeat(t, js, "hb-2", t0.Add(5*time.Minute))
	waitFor(t, func() bool {
		return open() == 0 && len(a.Diagnoses(api.Query{State: api.StateResolved, Code: "agent-silent"})) == 1
	})
}

func heartbeat(t *testing.T, js jetstream.JetStream, id string, at time.Time) {
	t.Helper()
	e := &event.Envelope{Schema: event.SchemaVersion, ID: id, Kind: event.KindHeartbeat, Cluster: "local", Node: "local-1",
		Agent: "agent-local-1", Time: at, Heartbeat: &event.Heartbeat{Version: "test", Interval: "30s", Started: at}}
	b, err := event.Encode(e)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := js.Publish(context.Background(), e.Subject(), b, jetstream.WithMsgID(id)); err != nil {
		t.Fatal(err)
	}
}

func waitFor(t *testing.T, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatal("timed out")
		}
		time.Sleep(10 * time.Millisecond)
	}
}
