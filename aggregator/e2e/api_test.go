package e2e

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/esdoctor/esdoctor/aggregator"
	"github.com/esdoctor/esdoctor/aggregator/api"
	"github.com/esdoctor/esdoctor/shared/event"
	"github.com/esdoctor/esdoctor/shared/natsx/natstest"
)

// The live HTTP API and the NATS service give the same answers; health,
// nodes and metrics describe what the aggregator did; a malformed event is
// counted, not fatal.
func TestLiveAPIOverHTTPAndNATS(t *testing.T) {
	w, _, _ := world(t, true)
	es := events(w.Bundles())
	url, _ := natstest.RunTestServer(t)
	nc, js := natstest.Connect(t, url)
	a := start(t, aggregator.Options{NATSURL: url, Durable: "api"})
	publish(t, js, es)
	hb := &event.Envelope{Schema: event.SchemaVersion, ID: "hb-1", Kind: event.KindHeartbeat, Cluster: "local", Node: "local-1",
		Agent: "agent-local-1", Time: time.Now().UTC().Truncate(time.Second), Heartbeat: &event.Heartbeat{Version: "test", Interval: "30s"}}
	publish(t, js, []*event.Envelope{hb})
	if _, err := js.Publish(context.Background(), "esdoctor.v1.symptom.local.local-1", []byte("{not an event")); err != nil {
		t.Fatal(err)
	}
	a.settle(t, uniqueIDs(es)+1)

	httpDs := a.diagnoses(t, api.Query{State: api.StateAll})
	m, err := nc.Request(api.SubjectDiagnoses, []byte(`{"state":"all"}`), 5*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	httpJSON, _ := json.Marshal(httpDs)
	if strings.TrimSpace(string(m.Data)) != string(httpJSON) {
		t.Errorf("NATS and HTTP differ:\nNATS %s\nHTTP %s", m.Data, httpJSON)
	}

	ns, err := a.client.Nodes(context.Background())
	if err != nil || len(ns) != 8 {
		t.Fatalf("nodes: %v %d", err, len(ns))
	}
	n := ns[0]
	if n.Cluster != "local" || n.Node != "local-1" || n.LastHeartbeat == nil || !n.LastHeartbeat.Equal(hb.Time) || n.LastSnapshot == nil ||
		n.Host != "127.0.0.2" || n.ESVersion == "" || n.Agent != "agent-local-1" {
		t.Errorf("node local-1: %+v", n)
	}

	h, err := a.client.Health(context.Background())
	if err != nil || h.Status != "ok" || h.Open != 1 || h.Nodes != 8 || h.LastEvaluation == nil {
		t.Errorf("health: %v %+v", err, h)
	}

	resp, err := http.Get("http://" + a.HTTPAddr() + api.PathMetrics)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	all := string(body) + string(m.Data)
	for _, path := range []string{api.PathDiagnoses + "?state=all", api.PathNodes, api.PathHealth, api.PathDiagnoses + "/" + httpDs[0].ID} {
		r, err := http.Get("http://" + a.HTTPAddr() + path)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(r.Body)
		r.Body.Close()
		all += string(b)
	}
	if strings.Contains(all, "CANARY-SECRET") {
		t.Error("a secret value of the scenario's keystores reached the API")
	}
	for _, want := range []string{
		`esdoctor_diagnoses_open{code="` + transportPort + `",severity="error"} 1`,
		"esdoctor_store_events_applied_total ",
		"esdoctor_store_events_duplicate_total ",
		`esdoctor_ingest_rejected_total{reason="malformed_json"} 1`,
		"esdoctor_evaluation_duration_seconds_count ",
		"esdoctor_store_nodes 8",
		`esdoctor_diagnosis_changes_total{change="opened"}`,
		"esdoctor_aggregator_ready 1",
	} {
		if !strings.Contains(string(body), want) {
			t.Errorf("/metrics has no %q", want)
		}
	}
}
