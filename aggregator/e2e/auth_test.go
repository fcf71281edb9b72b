package e2e

import (
	"context"
	"errors"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/esdoctor/esdoctor/aggregator"
	"github.com/esdoctor/esdoctor/aggregator/natsauth"
	"github.com/esdoctor/esdoctor/shared/event"
	"github.com/esdoctor/esdoctor/shared/natsx"
)

// heartbeat is a valid event of cluster/node.
func heartbeat(cluster, node, id string) *event.Envelope {
	now := time.Now().UTC()
	return &event.Envelope{Schema: event.SchemaVersion, ID: id, Kind: event.KindHeartbeat, Cluster: cluster, Node: node,
		Agent: "intruder", Time: now, Heartbeat: &event.Heartbeat{Version: "test", Started: now, Interval: "30s"}}
}

func writeCreds(t *testing.T, creds []byte) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "agent.creds")
	if err := os.WriteFile(p, creds, 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

// connectAs opens a plain client connection (no retries) with the given
// credentials file (may be empty) and the aggregator's CA.
func connectAs(url, creds, ca string) (*nats.Conn, error) {
	opts, _, err := natsx.ClientOptions(creds, ca)
	if err != nil {
		return nil, err
	}
	opts = append(opts, nats.Timeout(3*time.Second), nats.NoReconnect())
	return nats.Connect(url, opts...)
}

// publishEvent publishes e on subject as an agent does and returns the
// JetStream error, if any.
func publishEvent(nc *nats.Conn, subject string, e *event.Envelope, wait time.Duration) error {
	js, err := jetstream.New(nc)
	if err != nil {
		return err
	}
	b, err := event.Encode(e)
	if err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(context.Background(), wait)
	defer cancel()
	_, err = js.Publish(ctx, subject, b, jetstream.WithMsgID(e.ID))
	return err
}

func metric(t *testing.T, r *running, name string) string {
	t.Helper()
	resp, err := http.Get("http://" + r.HTTPAddr() + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	m := regexp.MustCompile(`(?m)^` + regexp.QuoteMeta(name) + ` (\S+)$`).FindStringSubmatch(string(b))
	if m == nil {
		t.Fatalf("metric %s not in /metrics", name)
	}
	return m[1]
}

func nodeNames(r *running) []string {
	var out []string
	for _, n := range r.Nodes() {
		out = append(out, n.Cluster+"/"+n.Node)
	}
	return out
}

// The embedded NATS refuses an anonymous client, a foreign credential and
// a client that does not trust the pinned CA; an enrolled agent may publish
// only its own node's events and read nothing; an event whose payload names
// another node than its subject is rejected and counted; a revoked agent is
// disconnected and stays refused after the aggregator restarts.
func TestNATSAuthentication(t *testing.T) {
	dir := t.TempDir()
	agg := start(t, aggregator.Options{DataDir: dir, Durable: "auth", NATSTLS: true})
	url, ca := agg.NATSURL(), agg.NATSCAFile()
	auth := agg.Authority()
	credsA, err := auth.Enroll("local", "local-1")
	if err != nil {
		t.Fatal(err)
	}
	fileA := writeCreds(t, credsA)

	// Anonymous: refused.
	if nc, err := connectAs(url, "", ca); err == nil {
		nc.Close()
		t.Error("an anonymous client was accepted")
	} else if !strings.Contains(strings.ToLower(err.Error()), "authorization") {
		t.Errorf("anonymous client: %v, want an authorization violation", err)
	}
	// A credential from another authority (another aggregator's data dir): refused.
	other, err := natsauth.Open(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	foreign, err := other.Enroll("local", "local-1")
	if err != nil {
		t.Fatal(err)
	}
	if nc, err := connectAs(url, writeCreds(t, foreign), ca); err == nil {
		nc.Close()
		t.Error("a credential signed by another account was accepted")
	}
	// A tampered credential (the seed of one user with the JWT of another): refused.
	credsB, err := auth.Enroll("local", "local-2")
	if err != nil {
		t.Fatal(err)
	}
	jwtB := regexp.MustCompile(`(?s)-----BEGIN NATS USER JWT-----.*?------END NATS USER JWT------`).Find(credsB)
	tampered := regexp.MustCompile(`(?s)-----BEGIN NATS USER JWT-----.*?------END NATS USER JWT------`).ReplaceAll(credsA, jwtB)
	if nc, err := connectAs(url, writeCreds(t, tampered), ca); err == nil {
		nc.Close()
		t.Error("a credential whose seed does not match its JWT was accepted")
	}
	// The right credential without the pinned CA: the TLS handshake fails.
	if nc, err := connectAs(url, fileA, ""); err == nil {
		nc.Close()
		t.Error("connected without trusting the aggregator's CA")
	}

	// The enrolled agent local/local-1.
	var (
		mu        sync.Mutex
		asyncErrs []error
	)
	opts, _, err := natsx.ClientOptions(fileA, ca)
	if err != nil {
		t.Fatal(err)
	}
	opts = append(opts, nats.Timeout(3*time.Second), nats.NoReconnect(), nats.ErrorHandler(func(_ *nats.Conn, _ *nats.Subscription, err error) {
		mu.Lock()
		asyncErrs = append(asyncErrs, err)
		mu.Unlock()
	}))
	nc, err := nats.Connect(url, opts...)
	if err != nil {
		t.Fatalf("enrolled agent refused: %v", err)
	}
	defer nc.Close()
	// Its own events are accepted (the control).
	if err := publishEvent(nc, "esdoctor.v1.heartbeat.local.local-1", heartbeat("local", "local-1", "own-1"), 5*time.Second); err != nil {
		t.Fatalf("own heartbeat: %v", err)
	}
	// Publishing as another node is refused by the server.
	for _, kind := range []string{"heartbeat", "symptom", "snapshot"} {
		subj := "esdoctor.v1." + kind + ".local.local-2"
		if err := publishEvent(nc, subj, heartbeat("local", "local-2", "forged-"+kind), 500*time.Millisecond); err == nil {
			t.Errorf("publish on %s as local/local-1 was acknowledged", subj)
		}
	}
	// Its own subject with another node's payload: stored by NATS, rejected by the aggregator.
	if err := publishEvent(nc, "esdoctor.v1.heartbeat.local.local-1", heartbeat("local", "local-2", "forged-payload"), 5*time.Second); err != nil {
		t.Fatalf("own subject, another node's payload: %v (NATS cannot see payloads; the aggregator must be the one to reject it)", err)
	}
	// Reading anything is refused: events, diagnoses, the JetStream API, other inboxes.
	for _, subj := range []string{"esdoctor.v1.>", "esdoctor.v1.diagnosis.>", "_INBOX.>", natsx.InboxPrefix("local", "local-2") + ".>"} {
		sub, err := nc.SubscribeSync(subj)
		if err == nil {
			_ = nc.Flush()
			if _, err := sub.NextMsg(300 * time.Millisecond); !errors.Is(err, nats.ErrTimeout) && !errors.Is(err, nats.ErrPermissionViolation) {
				t.Errorf("subscribe %s: %v", subj, err)
			}
		}
	}
	if _, err := nc.Request("$JS.API.STREAM.INFO."+natsx.StreamEvents, nil, 300*time.Millisecond); err == nil {
		t.Error("the agent could call the JetStream API")
	}
	if _, err := nc.Request("esdoctor.v1.api.diagnoses", nil, 300*time.Millisecond); err == nil {
		t.Error("the agent could read the diagnoses over the NATS API")
	}
	time.Sleep(200 * time.Millisecond)
	mu.Lock()
	perms := 0
	for _, e := range asyncErrs {
		if errors.Is(e, nats.ErrPermissionViolation) || strings.Contains(strings.ToLower(e.Error()), "permissions violation") {
			perms++
		}
	}
	mu.Unlock()
	if perms < 4 {
		t.Errorf("want the server to report a permissions violation per forbidden subscription, got %d: %v", perms, asyncErrs)
	}

	// Nothing forged reached the store: only local/local-1, one event.
	waitFor(t, 10*time.Second, func() bool {
		return agg.Stats().Store.Applied >= 1 && metric(t, agg, `esdoctor_ingest_rejected_total{reason="subject_mismatch"}`) == "1"
	},
		func() string {
			return "the own heartbeat applied and the forged payload rejected: " + agg.Stats().Ingest.String()
		})
	time.Sleep(300 * time.Millisecond)
	if got := nodeNames(agg); strings.Join(got, ",") != "local/local-1" {
		t.Errorf("nodes in the store: %v, want only local/local-1", got)
	}
	if n := agg.Stats().Store.Applied; n != 1 {
		t.Errorf("store applied %d events, want 1", n)
	}

	// Revocation: the connected agent is cut off at once, and refused.
	closed := make(chan struct{})
	nc.SetClosedHandler(func(*nats.Conn) { close(closed) })
	if _, err := auth.Revoke("local", "local-1"); err != nil {
		t.Fatal(err)
	}
	select {
	case <-closed:
	case <-time.After(10 * time.Second):
		t.Error("the revoked agent's connection was not closed")
	}
	if nc, err := connectAs(url, fileA, ca); err == nil {
		nc.Close()
		t.Error("a revoked agent could connect")
	}
	agg.stop()

	// After a restart (reload) on the same data directory: still refused;
	// a new enrolment of the same node works.
	agg2 := start(t, aggregator.Options{DataDir: dir, Durable: "auth", NATSTLS: true})
	if nc, err := connectAs(agg2.NATSURL(), fileA, agg2.NATSCAFile()); err == nil {
		nc.Close()
		t.Error("a revoked agent could connect after the aggregator restarted")
	} else if !strings.Contains(strings.ToLower(err.Error()), "authorization") && !strings.Contains(strings.ToLower(err.Error()), "revoked") {
		t.Errorf("revoked agent after restart: %v", err)
	}
	again, err := agg2.Authority().Enroll("local", "local-1")
	if err != nil {
		t.Fatal(err)
	}
	nc2, err := connectAs(agg2.NATSURL(), writeCreds(t, again), agg2.NATSCAFile())
	if err != nil {
		t.Fatalf("re-enrolled agent refused: %v", err)
	}
	defer nc2.Close()
	if err := publishEvent(nc2, "esdoctor.v1.heartbeat.local.local-1", heartbeat("local", "local-1", "own-2"), 5*time.Second); err != nil {
		t.Errorf("re-enrolled agent's heartbeat: %v", err)
	}
}
