package api_test

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/esdoctor/esdoctor/aggregator/api"
	"github.com/esdoctor/esdoctor/shared/diagnosis"
	"github.com/esdoctor/esdoctor/shared/natsx/natstest"
)

// fake is a Source with fixed answers.
type fake struct {
	ready bool
	ds    []diagnosis.Diagnosis
	last  api.Query
}

func (f *fake) Ready() bool { return f.ready }
func (f *fake) Diagnoses(q api.Query) []diagnosis.Diagnosis {
	f.last = q
	var out []diagnosis.Diagnosis
	for _, d := range f.ds {
		if (q.State == api.StateAll || d.State == q.State) && (q.Code == "" || d.Code == q.Code) {
			out = append(out, d)
		}
	}
	if out == nil {
		out = []diagnosis.Diagnosis{}
	}
	return out
}
func (f *fake) Diagnosis(id string) (diagnosis.Diagnosis, bool) {
	for _, d := range f.ds {
		if d.ID == id {
			return d, true
		}
	}
	return diagnosis.Diagnosis{}, false
}
func (f *fake) Nodes() []api.Node {
	return []api.Node{{Cluster: "local", Node: "local-1", Host: "127.0.0.2", ESVersion: "8.13.4", Symptoms: 2}}
}
func (f *fake) Health() api.Health { return api.Health{Status: "ok", Nodes: 1, Open: 1} }

var t0 = time.Date(2024, 5, 1, 10, 0, 0, 0, time.UTC)

func newFake() *fake {
	return &fake{ready: true, ds: []diagnosis.Diagnosis{
		{ID: "aaaa", Code: "tls-untrusted-ca", Severity: "error", Clusters: []string{"local", "remote"}, Alias: "my", State: "open", FirstSeen: t0, LastSeen: t0, Count: 2},
		{ID: "bbbb", Code: "config-drift", Severity: "warning", Clusters: []string{"local"}, State: "resolved", FirstSeen: t0, LastSeen: t0, Count: 1},
	}}
}

func serve(t *testing.T, src api.Source) *api.Client {
	t.Helper()
	reg := prometheus.NewRegistry()
	reg.MustRegister(prometheus.NewCounter(prometheus.CounterOpts{Name: "esdoctor_test_total", Help: "test"}))
	srv := httptest.NewServer(api.NewHandler(src, api.HandlerOptions{Gatherer: reg}))
	t.Cleanup(srv.Close)
	c, err := api.NewClient(srv.URL)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func TestHTTPAnswers(t *testing.T) {
	src := newFake()
	c := serve(t, src)
	ctx := context.Background()
	ds, err := c.Diagnoses(ctx, api.Query{})
	if err != nil || len(ds) != 1 || ds[0].ID != "aaaa" || src.last.State != api.StateOpen {
		t.Fatalf("default query: %v %+v (source asked %+v)", err, ds, src.last)
	}
	ds, err = c.Diagnoses(ctx, api.Query{State: "all", Code: "config-drift", Cluster: "local"})
	if err != nil || len(ds) != 1 || ds[0].ID != "bbbb" || src.last.Cluster != "local" {
		t.Fatalf("filtered query: %v %+v", err, ds)
	}
	d, err := c.Diagnosis(ctx, "bbbb")
	if err != nil || d.Code != "config-drift" {
		t.Fatalf("one: %v %+v", err, d)
	}
	if _, err := c.Diagnosis(ctx, "nope"); !errors.Is(err, api.ErrNotFound) {
		t.Errorf("unknown id: %v", err)
	}
	ns, err := c.Nodes(ctx)
	if err != nil || len(ns) != 1 || ns[0].Symptoms != 2 {
		t.Errorf("nodes: %v %+v", err, ns)
	}
	codes, err := c.Codes(ctx)
	if err != nil || len(codes.Diagnoses) == 0 || len(codes.Symptoms) == 0 {
		t.Errorf("codes: %v %d/%d", err, len(codes.Diagnoses), len(codes.Symptoms))
	}
	h, err := c.Health(ctx)
	if err != nil || h.Status != "ok" {
		t.Errorf("health: %v %+v", err, h)
	}
}

func TestHTTPErrors(t *testing.T) {
	src := newFake()
	c := serve(t, src)
	base := c.Server()
	for _, tc := range []struct {
		method, path string
		code         int
		want         string
	}{
		{"GET", "/api/v1/diagnoses?state=closed", 400, `state must be open, resolved or all, not \"closed\"`},
		{"GET", "/api/v1/diagnoses?code=no-such-code", 400, `unknown diagnosis code \"no-such-code\"`},
		{"GET", "/api/v1/diagnoses?colour=red", 400, `unknown parameter \"colour\"`},
		{"GET", "/api/v1/diagnoses?state=open&state=all", 400, `given 2 times`},
		{"GET", "/api/v1/diagnoses/zzz", 404, "no diagnosis with id zzz"},
		{"GET", "/api/v2/things", 404, "no such endpoint /api/v2/things"},
		{"POST", "/api/v1/diagnoses", 405, "method POST not allowed"},
		{"DELETE", "/api/v1/diagnoses/aaaa", 405, "not allowed here"},
		{"GET", "/api/v1/diagnoses/aaaa/ack", 405, "only acknowledging"},
		{"GET", "/metrics", 200, "esdoctor_test_total"},
	} {
		req, _ := http.NewRequest(tc.method, base+tc.path, nil)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != tc.code || !strings.Contains(string(body), tc.want) {
			t.Errorf("%s %s: %d %s, want %d with %q", tc.method, tc.path, resp.StatusCode, body, tc.code, tc.want)
		}
		if tc.code != 200 {
			var eb api.ErrorBody
			if json.Unmarshal(body, &eb) != nil || eb.Error == "" {
				t.Errorf("%s %s: error body is not {\"error\": ...}: %s", tc.method, tc.path, body)
			}
		}
	}
}

func TestNotReadyAnswers503(t *testing.T) {
	src := newFake()
	src.ready = false
	c := serve(t, src)
	_, err := c.Diagnoses(context.Background(), api.Query{})
	var se *api.StatusError
	if !errors.As(err, &se) || se.Code != 503 || !strings.Contains(se.Message, "starting") {
		t.Errorf("diagnoses while starting: %v", err)
	}
	if _, err := c.Health(context.Background()); !errors.As(err, &se) || se.Code != 503 {
		t.Errorf("health while starting: %v", err)
	}
	if _, err := c.Codes(context.Background()); err != nil {
		t.Errorf("the catalog needs no model: %v", err)
	}
}

func TestClientErrors(t *testing.T) {
	for _, s := range []string{"", "127.0.0.1:9800", "ftp://x", "http://", "http://[::1"} {
		if _, err := api.NewClient(s); err == nil {
			t.Errorf("NewClient(%q): no error", s)
		}
	}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { _, _ = io.WriteString(w, "[{not json") }))
	defer srv.Close()
	c, _ := api.NewClient(srv.URL + "/")
	if _, err := c.Diagnoses(context.Background(), api.Query{}); err == nil || !strings.Contains(err.Error(), "malformed answer") {
		t.Errorf("garbage answer: %v", err)
	}
	srv.Close()
	if _, err := c.Nodes(context.Background()); err == nil || !strings.Contains(err.Error(), "GET "+srv.URL+"/api/v1/nodes") {
		t.Errorf("closed server: %v", err)
	}
}

func TestNATSService(t *testing.T) {
	url, _ := natstest.RunTestServer(t)
	nc, _ := natstest.Connect(t, url)
	src := newFake()
	svc, err := api.NewService(nc, src)
	if err != nil {
		t.Fatal(err)
	}
	defer svc.Stop()
	ask := func(subject, body string) *nats.Msg {
		t.Helper()
		m, err := nc.Request(subject, []byte(body), 5*time.Second)
		if err != nil {
			t.Fatalf("%s: %v", subject, err)
		}
		return m
	}
	var ds []diagnosis.Diagnosis
	if err := json.Unmarshal(ask(api.SubjectDiagnoses, "").Data, &ds); err != nil || len(ds) != 1 || ds[0].ID != "aaaa" {
		t.Errorf("diagnoses: %v %+v", err, ds)
	}
	if err := json.Unmarshal(ask(api.SubjectDiagnoses, `{"state":"all"}`).Data, &ds); err != nil || len(ds) != 2 {
		t.Errorf("all diagnoses: %v %+v", err, ds)
	}
	var d diagnosis.Diagnosis
	if err := json.Unmarshal(ask(api.SubjectDiagnosis, `{"id":"bbbb"}`).Data, &d); err != nil || d.Code != "config-drift" {
		t.Errorf("one diagnosis: %v %+v", err, d)
	}
	var ns []api.Node
	if err := json.Unmarshal(ask(api.SubjectNodes, "").Data, &ns); err != nil || len(ns) != 1 {
		t.Errorf("nodes: %v %+v", err, ns)
	}
	var codes api.Codes
	if err := json.Unmarshal(ask(api.SubjectCodes, "").Data, &codes); err != nil || len(codes.Diagnoses) == 0 {
		t.Errorf("codes: %v", err)
	}
	for _, tc := range []struct{ subject, body, code, want string }{
		{api.SubjectDiagnoses, `{"state":"closed"}`, "400", "state must be"},
		{api.SubjectDiagnoses, `{"colour":"red"}`, "400", "unknown field"},
		{api.SubjectDiagnoses, `not json`, "400", "malformed JSON"},
		{api.SubjectDiagnosis, `{}`, "400", `want {"id"`},
		{api.SubjectDiagnosis, `{"id":"zzz"}`, "404", "no diagnosis with id zzz"},
	} {
		m := ask(tc.subject, tc.body)
		if m.Header.Get("Nats-Service-Error-Code") != tc.code || !strings.Contains(m.Header.Get("Nats-Service-Error"), tc.want) {
			t.Errorf("%s %s: code %q error %q, want %s %q", tc.subject, tc.body, m.Header.Get("Nats-Service-Error-Code"), m.Header.Get("Nats-Service-Error"), tc.code, tc.want)
		}
	}
	src.ready = false
	if m := ask(api.SubjectNodes, ""); m.Header.Get("Nats-Service-Error-Code") != "503" {
		t.Errorf("nodes while starting: %v", m.Header)
	}
}
