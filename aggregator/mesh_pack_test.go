package aggregator_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/nats-io/nats.go/jetstream"
	"go.uber.org/zap/zaptest"

	"github.com/esdoctor/esdoctor/aggregator"
	"github.com/esdoctor/esdoctor/aggregator/api"
	"github.com/esdoctor/esdoctor/aggregator/rules"
	"github.com/esdoctor/esdoctor/shared/event"
	"github.com/esdoctor/esdoctor/shared/natsx/natstest"
)

// The aggregator's --mesh (Options.Rules.MeshPack) switches the pack: two
// aggregators read the same stream (different durables), only the one with
// the pack reports the mesh diagnoses.
func TestMeshPackSwitch(t *testing.T) {
	url, _ := natstest.RunTestServer(t)
	_, js := natstest.Connect(t, url)
	t0 := time.Date(2024, 5, 1, 10, 0, 0, 0, time.UTC)
	start := func(durable string, mesh bool) (*aggregator.Aggregator, func()) {
		a, err := aggregator.New(aggregator.Options{NATSURL: url, Listen: "127.0.0.1:0", Durable: durable, EvalInterval: 20 * time.Millisecond,
			Rules: rules.Options{MeshPack: mesh}, Now: func() time.Time { return t0.Add(time.Hour) }, Logger: zaptest.NewLogger(t)})
		if err != nil {
			t.Fatal(err)
		}
		ctx, cancel := context.WithCancel(context.Background())
		done := make(chan error, 1)
		go func() { done <- a.Run(ctx) }()
		if err := a.WaitReady(ctx); err != nil {
			t.Fatal(err)
		}
		return a, func() {
			cancel()
			if err := <-done; err != nil {
				t.Error(err)
			}
		}
	}
	off, stopOff := start("mesh-off", false)
	defer stopOff()
	on, stopOn := start("mesh-on", true)
	defer stopOn()

	snap := &event.Snapshot{Cluster: "search", Node: "es-1", PathConf: "/etc/elasticsearch", InspectedAt: t0, Settings: map[string]event.Setting{},
		Mesh: &event.Mesh{Objects: event.MeshObjects{MutatingWebhooks: []event.MutatingWebhookConfig{{
			ObjectRef: event.ObjectRef{Name: "istio-sidecar-injector", File: "/etc/esdoctor/mesh/webhooks.yaml"},
			Webhooks:  []event.MutatingWebhook{{Name: "rev.namespace.sidecar-injector.istio.io"}}}}}}}
	publish(t, js, &event.Envelope{Schema: event.SchemaVersion, ID: "snap-1", Kind: event.KindSnapshot, Cluster: "search", Node: "es-1", Time: t0, Snapshot: snap})
	first := t0.Add(-30 * time.Minute)
	publish(t, js, &event.Envelope{Schema: event.SchemaVersion, ID: "sym-1", Kind: event.KindSymptom, Cluster: "search", Node: "es-1", Time: first,
		Symptom: &event.Symptom{Symptom: "mesh-bad-certificate", Time: first, LastTime: &t0, Count: 40, File: "/var/log/containers/istiod.log", Line: 1,
			Fields: map[string]string{"component": "istiod", "remote_address": "10.128.0.2:40000"}, Text: "http: TLS handshake error from 10.128.0.2:40000: remote error: tls: bad certificate"}})

	mesh := func(a *aggregator.Aggregator) []string {
		var out []string
		for _, d := range a.Diagnoses(api.Query{}) {
			if strings.HasPrefix(d.Code, "mesh-") {
				out = append(out, d.Code+"/"+d.Severity)
			}
		}
		return out
	}
	waitFor(t, func() bool { return off.Stats().Store.Applied >= 2 && on.Stats().Store.Applied >= 2 })
	waitFor(t, func() bool { return len(mesh(on)) == 1 })
	if got := mesh(on); got[0] != "mesh-istiod-bad-certificate/error" {
		t.Errorf("mesh pack on: %v", got)
	}
	time.Sleep(100 * time.Millisecond)
	if got := mesh(off); len(got) != 0 {
		t.Errorf("mesh pack off, yet %v", got)
	}
}

func publish(t *testing.T, js jetstream.JetStream, e *event.Envelope) {
	t.Helper()
	b, err := event.Encode(e)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := js.Publish(context.Background(), e.Subject(), b, jetstream.WithMsgID(e.ID)); err != nil {
		t.Fatal(err)
	}
}
