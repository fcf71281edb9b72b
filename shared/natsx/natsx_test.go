package natsx_test

import (
	"context"
	"fmt"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/esdoctor/esdoctor/shared/event"
	"github.com/esdoctor/esdoctor/shared/natsx"
	"github.com/esdoctor/esdoctor/shared/natsx/natstest"
)

func ctxT(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
	t.Cleanup(cancel)
	return ctx
}

func TestEveryKindHasOneStream(t *testing.T) {
	seen := map[string]string{}
	for _, cfg := range []jetstream.StreamConfig{natsx.EventsStreamConfig(1), natsx.StateStreamConfig(1)} {
		for _, s := range cfg.Subjects {
			if prev, dup := seen[s]; dup {
				t.Errorf("subject %s in %s and %s", s, prev, cfg.Name)
			}
			seen[s] = cfg.Name
		}
	}
	for _, k := range event.Kinds {
		e := event.Envelope{Kind: k, Cluster: "c", Node: "n"}
		sub := e.Subject()
		want := natsx.StreamFor(k)
		var got []string
		for pattern, stream := range seen {
			if strings.HasPrefix(sub, strings.TrimSuffix(pattern, ">")) {
				got = append(got, stream)
			}
		}
		if len(got) != 1 || got[0] != want {
			t.Errorf("kind %s (subject %s): streams %v, want [%s]", k, sub, got, want)
		}
	}
}

func TestEnsureStreams(t *testing.T) {
	url, _ := natstest.RunTestServer(t)
	_, js := natstest.Connect(t, url) // creates them once
	ctx := ctxT(t)
	if err := natsx.EnsureStreams(ctx, js, 1); err != nil { // and again: idempotent
		t.Fatalf("second EnsureStreams: %v", err)
	}
	ev, err := js.Stream(ctx, natsx.StreamEvents)
	if err != nil {
		t.Fatal(err)
	}
	c := ev.CachedInfo().Config
	if c.Storage != jetstream.FileStorage || c.MaxAge != 14*24*time.Hour || c.Duplicates != natsx.DuplicateWindow {
		t.Errorf("events stream config: storage %v, max age %v, duplicates %v", c.Storage, c.MaxAge, c.Duplicates)
	}
	st, err := js.Stream(ctx, natsx.StreamState)
	if err != nil {
		t.Fatal(err)
	}
	c = st.CachedInfo().Config
	if c.MaxMsgsPerSubject != 1 || c.Duplicates != natsx.DuplicateWindow {
		t.Errorf("state stream config: max msgs per subject %d, duplicates %v", c.MaxMsgsPerSubject, c.Duplicates)
	}
	for _, r := range []int{0, 2, 5} {
		err := natsx.EnsureStreams(ctx, js, r)
		if err == nil || !strings.Contains(err.Error(), "must be 1 or 3") {
			t.Errorf("replicas %d: err %v, want 'must be 1 or 3'", r, err)
		}
	}
	// Three replicas need a cluster: a single server refuses, with the stream named.
	err = natsx.EnsureStreams(ctx, js, 3)
	if err == nil || !strings.Contains(err.Error(), natsx.StreamEvents) {
		t.Errorf("replicas 3 on one server: err %v, want an error naming %s", err, natsx.StreamEvents)
	}
}

// The same Nats-Msg-Id published twice inside the window is stored once.
func TestDuplicateWindowDedupsByMsgID(t *testing.T) {
	url, _ := natstest.RunTestServer(t)
	_, js := natstest.Connect(t, url)
	ctx := ctxT(t)
	for i := 0; i < 2; i++ {
		ack, err := js.Publish(ctx, "esdoctor.v1.symptom.c.n", []byte(`{}`), jetstream.WithMsgID("same-id"))
		if err != nil {
			t.Fatal(err)
		}
		if ack.Duplicate != (i == 1) {
			t.Errorf("publish %d: duplicate=%v", i, ack.Duplicate)
		}
	}
	st, _ := js.Stream(ctx, natsx.StreamEvents)
	info, err := st.Info(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if info.State.Msgs != 1 {
		t.Errorf("stream holds %d messages, want 1", info.State.Msgs)
	}
}

func TestStartEmbeddedDontListen(t *testing.T) {
	s, err := natsx.StartEmbedded(natsx.EmbeddedOptions{StoreDir: t.TempDir(), DontListen: true})
	if err != nil {
		t.Fatal(err)
	}
	defer natstest.Stop(s)
	nc, err := nats.Connect("", nats.InProcessServer(s))
	if err != nil {
		t.Fatal(err)
	}
	defer nc.Close()
	js, err := jetstream.New(nc)
	if err != nil {
		t.Fatal(err)
	}
	if err := natsx.EnsureStreams(ctxT(t), js, 1); err != nil {
		t.Fatal(err)
	}
	if nc.MaxPayload() < event.MaxEventSize {
		t.Errorf("max payload %d is below event.MaxEventSize %d", nc.MaxPayload(), event.MaxEventSize)
	}
}

func TestStartEmbeddedErrors(t *testing.T) {
	_, err := natsx.StartEmbedded(natsx.EmbeddedOptions{})
	if err == nil || !strings.Contains(err.Error(), "no JetStream store directory") {
		t.Errorf("no store dir: %v", err)
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	port := l.Addr().(*net.TCPAddr).Port
	dir := t.TempDir()
	_, err = natsx.StartEmbedded(natsx.EmbeddedOptions{Port: port, StoreDir: dir})
	if err == nil || !strings.Contains(err.Error(), dir) {
		t.Errorf("port in use: err %v, want an error naming the store %s", err, dir)
	}
}

// Connect returns at once when no server is up and connects when one comes.
func TestConnectRetriesUntilServerComesUp(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := l.Addr().(*net.TCPAddr).Port
	l.Close()
	url := fmt.Sprintf("nats://127.0.0.1:%d", port)
	nc, err := natsx.Connect(url, "retry-test", nil, nats.CustomReconnectDelay(func(int) time.Duration { return 50 * time.Millisecond }))
	if err != nil {
		t.Fatalf("Connect with no server: %v", err)
	}
	defer nc.Close()
	if nc.IsConnected() {
		t.Fatal("connected to nothing")
	}
	natstest.RunServer(t, natsx.EmbeddedOptions{Port: port})
	deadline := time.Now().Add(10 * time.Second)
	for !nc.IsConnected() {
		if time.Now().After(deadline) {
			t.Fatal("never connected")
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func TestRedactURL(t *testing.T) {
	for in, want := range map[string]string{
		"nats://127.0.0.1:4222":                       "nats://127.0.0.1:4222",
		"nats://user:CANARY-SECRET-pw@h:4222":         "nats://user:xxxxx@h:4222",
		"nats://CANARY-SECRET-token@h:4222,nats://h2": "nats://xxxxx@h:4222,nats://h2",
	} {
		if got := natsx.RedactURL(in); got != want {
			t.Errorf("RedactURL(%q) = %q, want %q", in, got, want)
		}
	}
}
