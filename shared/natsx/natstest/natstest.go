// Package natstest starts real, embedded nats-servers for tests: 127.0.0.1,
// a random port, JetStream in a temporary directory, stopped by t.Cleanup.
// Set ESDOCTOR_NATS_LOG=debug (or trace) to see the server's log in the test
// output; by default it is silent.
//
//	url, _ := natstest.RunTestServer(t)
//	nc, js := natstest.Connect(t, url) // streams already created
package natstest

import (
	"context"
	"fmt"
	"net"
	"os"
	"testing"
	"time"

	"github.com/nats-io/nats-server/v2/server"
	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	"go.uber.org/zap"
	"go.uber.org/zap/zaptest"

	"github.com/esdoctor/esdoctor/shared/natsx"
)

// LogEnv is the environment variable that turns the servers' logs on.
const LogEnv = "ESDOCTOR_NATS_LOG"

// RunTestServer starts a server on 127.0.0.1 with a random port and
// JetStream in t.TempDir(); it is shut down when the test ends.
func RunTestServer(t testing.TB) (url string, s *server.Server) {
	t.Helper()
	s = RunServer(t, natsx.EmbeddedOptions{})
	return s.ClientURL(), s
}

// RunServer starts a server with o, filling in test defaults: Host
// 127.0.0.1, a random port when o.Port is 0, a fresh t.TempDir() when
// o.StoreDir is empty, and a test logger when ESDOCTOR_NATS_LOG is set.
// Reuse a stopped server's Port and StoreDir to "restart" it.
func RunServer(t testing.TB, o natsx.EmbeddedOptions) *server.Server {
	t.Helper()
	if o.Host == "" {
		o.Host = "127.0.0.1"
	}
	if o.Port == 0 {
		o.Port = -1
	}
	if o.StoreDir == "" {
		o.StoreDir = t.TempDir()
	}
	if lvl := os.Getenv(LogEnv); lvl != "" && o.Logger == nil {
		o.Logger = zaptest.NewLogger(t, zaptest.Level(zap.DebugLevel))
		o.Debug = lvl == "debug" || lvl == "trace"
		o.Trace = lvl == "trace"
	}
	var (
		s   *server.Server
		err error
	)
	// A restarted server may find its port briefly still in use.
	for attempt := 0; attempt < 50; attempt++ {
		s, err = natsx.StartEmbedded(o)
		if err == nil || o.Port <= 0 {
			break
		}
		time.Sleep(100 * time.Millisecond)
	}
	if err != nil {
		t.Fatalf("natstest: %v", err)
	}
	t.Cleanup(func() { Stop(s) })
	return s
}

// Stop shuts s down and waits until it is gone; stopping twice is fine.
func Stop(s *server.Server) {
	s.Shutdown()
	s.WaitForShutdown()
}

// Port is the client port s listens on.
func Port(s *server.Server) int {
	if a, ok := s.Addr().(*net.TCPAddr); ok {
		return a.Port
	}
	return 0
}

// Connect opens a client connection to url (fast reconnects, closed by
// t.Cleanup), creates the esdoctor streams with one replica and returns
// the connection with its JetStream context.
func Connect(t testing.TB, url string, opts ...nats.Option) (*nats.Conn, jetstream.JetStream) {
	t.Helper()
	nc, err := natsx.Connect(url, fmt.Sprintf("test-%s", t.Name()), testLogger(t), opts...)
	if err != nil {
		t.Fatalf("natstest: %v", err)
	}
	t.Cleanup(nc.Close)
	js, err := jetstream.New(nc)
	if err != nil {
		t.Fatalf("natstest: jetstream: %v", err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := natsx.EnsureStreams(ctx, js, 1); err != nil {
		t.Fatalf("natstest: %v", err)
	}
	return nc, js
}

func testLogger(t testing.TB) *zap.Logger {
	if os.Getenv(LogEnv) == "" {
		return zap.NewNop()
	}
	return zaptest.NewLogger(t)
}
