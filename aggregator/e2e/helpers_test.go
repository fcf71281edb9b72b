// Package e2e runs the live system end to end: a real nats-server
// (embedded, 127.0.0.1, random port), real aggregators, the real HTTP API and
// the esdoctor binary, fed with the events of simulated clusters
// (aggregator/scenario) published to JetStream as agents do.
package e2e

import (
	"context"
	"encoding/json"
	"fmt"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/nats-io/nats.go/jetstream"
	"go.uber.org/zap/zaptest"

	"github.com/esdoctor/esdoctor/aggregator"
	"github.com/esdoctor/esdoctor/aggregator/analyze"
	"github.com/esdoctor/esdoctor/aggregator/api"
	"github.com/esdoctor/esdoctor/internal/testkit/scenario"
	"github.com/esdoctor/esdoctor/shared/bundle"
	"github.com/esdoctor/esdoctor/shared/diagnosis"
	"github.com/esdoctor/esdoctor/shared/event"
)

var key = scenario.APIKey{ID: "agZXJocBmA2beJfq2yKu", Secret: "CANARY-SECRET-apikey-secret"}

// world builds two pairs of clusters: local → remote (alias my) and
// ok-local → ok-remote (alias ok), both with the guide-003 API-key setup.
// broken points local's seeds at the remote transport port with the logs of
// symptom 2 (bad_certificate / empty client certificate chain).
func world(t *testing.T, broken bool) (*scenario.World, *scenario.Cluster, *scenario.Cluster) {
	t.Helper()
	w := scenario.New(t)
	local := w.Cluster("local", "local-1@127.0.0.2", "local-2@127.0.0.3", "local-3@127.0.0.4")
	remote := w.Cluster("remote", "remote-1@127.0.1.2", "remote-2@127.0.1.3")
	okLocal := w.Cluster("ok-local", "ok-local-1@127.0.2.2", "ok-local-2@127.0.2.3")
	okRemote := w.Cluster("ok-remote", "ok-remote-1@127.0.3.2")
	for _, c := range []*scenario.Cluster{local, okLocal} {
		c.TransportTLS()
	}
	for _, c := range []*scenario.Cluster{remote, okRemote} {
		c.TransportTLS().RemoteClusterServer()
	}
	okLocal.Link(okRemote, "ok", key, 9443)
	port := 9443
	if broken {
		port = 9300
	}
	local.Link(remote, "my", key, port)
	for _, c := range []*scenario.Cluster{local, remote, okLocal, okRemote} {
		c.Each(func(n *scenario.Node) { n.Started() })
	}
	if broken {
		local.Node("local-2").Log(scenario.BadCertificate(w.At(time.Minute), "local-2", "127.0.0.3:60738", "127.0.1.2:9300", "_remote_cluster"))
		remote.Node("remote-1").Log(scenario.EmptyChain(w.At(time.Minute), "remote-1", "127.0.1.2:9300", "127.0.0.3:60783", "default"))
	}
	return w, local, remote
}

const transportPort = "transport-port-instead-of-remote-cluster-port"

// events flattens bundles into their events.
func events(bs []*bundle.Bundle) []*event.Envelope {
	var out []*event.Envelope
	for _, b := range bs {
		out = append(out, b.Events...)
	}
	return out
}

// uniqueIDs counts distinct event ids.
func uniqueIDs(es []*event.Envelope) int {
	seen := map[string]bool{}
	for _, e := range es {
		seen[e.ID] = true
	}
	return len(seen)
}

// publish sends events as an agent does: subject e.Subject(), the encoded
// event, Nats-Msg-Id = event id.
func publish(t *testing.T, js jetstream.JetStream, es []*event.Envelope) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	for _, e := range es {
		b, err := event.Encode(e)
		if err != nil {
			t.Fatalf("encode %s: %v", e.ID, err)
		}
		if _, err := js.Publish(ctx, e.Subject(), b, jetstream.WithMsgID(e.ID)); err != nil {
			t.Fatalf("publish %s: %v", e.ID, err)
		}
	}
}

// running is an aggregator started by a test.
type running struct {
	*aggregator.Aggregator
	stop    func()
	client  *api.Client
	durable string
}

// start runs an aggregator with test defaults (HTTP and embedded NATS on
// random 127.0.0.1 ports, fast evaluations) and waits until it is ready.
func start(t testing.TB, o aggregator.Options) *running {
	t.Helper()
	if o.Listen == "" {
		o.Listen = "127.0.0.1:0"
	}
	if o.NATSListen == "" {
		o.NATSListen = "127.0.0.1:0"
	}
	if o.DataDir == "" {
		o.DataDir = t.TempDir()
	}
	if o.EvalInterval == 0 {
		o.EvalInterval = 20 * time.Millisecond
	}
	if o.CatchUpTimeout == 0 {
		o.CatchUpTimeout = 10 * time.Second
	}
	if o.Logger == nil {
		o.Logger = zaptest.NewLogger(t).Named(o.Durable)
	}
	a, err := aggregator.New(o)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	errc := make(chan error, 1)
	go func() { errc <- a.Run(ctx) }()
	stopped := false
	stop := func() {
		if stopped {
			return
		}
		stopped = true
		cancel()
		select {
		case err := <-errc:
			if err != nil {
				t.Errorf("aggregator %s: %v", o.Durable, err)
			}
		case <-time.After(15 * time.Second):
			t.Errorf("aggregator %s did not stop within 15s", o.Durable)
		}
	}
	t.Cleanup(stop)
	wctx, wcancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer wcancel()
	if err := a.WaitReady(wctx); err != nil {
		stop()
		t.Fatalf("aggregator %s not ready: %v", o.Durable, err)
	}
	cl, err := api.NewClient("http://" + a.HTTPAddr())
	if err != nil {
		t.Fatal(err)
	}
	return &running{Aggregator: a, stop: stop, client: cl, durable: o.Durable}
}

// settle waits until the aggregator applied want distinct events and
// evaluated the model they make.
func (r *running) settle(t *testing.T, want int) {
	t.Helper()
	waitFor(t, 20*time.Second, func() bool {
		s := r.Stats()
		return s.Store.Applied == uint64(want) && s.EvaluatedVersion == s.StoreVersion
	}, func() string {
		return fmt.Sprintf("applied %d events, want %d (%+v)", r.Stats().Store.Applied, want, r.Stats())
	})
	// One more evaluation tick, so that the API shows what the last
	// evaluation produced.
	time.Sleep(60 * time.Millisecond)
}

// diagnoses asks the HTTP API.
func (r *running) diagnoses(t testing.TB, q api.Query) []diagnosis.Diagnosis {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	ds, err := r.client.Diagnoses(ctx, q)
	if err != nil {
		t.Fatalf("GET diagnoses: %v", err)
	}
	return ds
}

func waitFor(t testing.TB, d time.Duration, cond func() bool, what func() string) {
	t.Helper()
	deadline := time.Now().Add(d)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out after %v: %s", d, what())
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// offline is what esdoctor analyze says about the bundles.
func offline(bs []*bundle.Bundle) []diagnosis.Diagnosis {
	ds, _ := analyze.Bundles(context.Background(), bs, analyze.Options{})
	return ds
}

// comparable renders a diagnosis without what may differ between a live
// aggregator and an offline analysis of the same events: first_seen (the
// live one may have seen a partial model first), state and resolved_at.
func comparable(t testing.TB, ds []diagnosis.Diagnosis) string {
	t.Helper()
	var out []string
	for _, d := range ds {
		d.FirstSeen, d.State, d.ResolvedAt = time.Time{}, "", nil
		b, err := json.Marshal(d)
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, string(b))
	}
	sort.Strings(out)
	return strings.Join(out, "\n")
}

// summary is "code [clusters] alias fix-nodes" per diagnosis.
func summary(ds []diagnosis.Diagnosis) string { return strings.Join(scenario.Summary(ds), "\n") }

// bundleT shortens bundle.Bundle in signatures.
type bundleT = bundle.Bundle
