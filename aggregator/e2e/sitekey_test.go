package e2e

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/nats-io/nats.go/jetstream"
	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"

	"github.com/esdoctor/esdoctor/agent/collector/keystore"
	"github.com/esdoctor/esdoctor/agent/daemon"
	"github.com/esdoctor/esdoctor/aggregator"
	"github.com/esdoctor/esdoctor/internal/testkit/scenario"
	"github.com/esdoctor/esdoctor/shared/natsx"
	"github.com/esdoctor/esdoctor/shared/natsx/natstest"
	"github.com/esdoctor/esdoctor/shared/secret"
	"github.com/esdoctor/esdoctor/shared/sitekey"
)

// syncBuffer is a log sink shared by goroutines.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) Sync() error { return nil }

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// Agents enrolled by the aggregator get the site fingerprint key in their
// enrolment file and fingerprint keystore values with it, without asking
// anyone: two nodes holding the same S3 secret show the same keyed
// fingerprint, a node holding a stale one another, and the key itself
// appears in no event, no stream message and no log line.
func TestEnrolledAgentsShareTheSiteKey(t *testing.T) {
	w := scenario.New(t)
	c := w.Cluster("s3", "s3-1@127.0.4.2", "s3-2@127.0.4.3", "s3-3@127.0.4.4")
	c.Each(func(n *scenario.Node) {
		n.Started().Secure("s3.client.default.access_key", "CANARY-SECRET-s3-access")
		n.Secure("s3.client.default.secret_key", "CANARY-SECRET-s3-current")
	})
	c.Node("s3-3").Secure("s3.client.default.secret_key", "CANARY-SECRET-s3-stale")
	w.Build()

	logs := &syncBuffer{}
	log := zap.New(zapcore.NewCore(zapcore.NewJSONEncoder(zap.NewProductionEncoderConfig()), logs, zap.DebugLevel))
	dataDir := t.TempDir()
	agg := start(t, aggregator.Options{Durable: "sitekey", DataDir: dataDir, Logger: log.Named("aggregator")})
	auth := agg.Authority()
	if auth == nil {
		t.Fatal("the embedded NATS runs without authentication")
	}
	siteKey, err := sitekey.Load(filepath.Join(dataDir, sitekey.FileName))
	if err != nil {
		t.Fatal(err)
	}

	var stateDirs []string
	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	defer func() { cancel(); wg.Wait() }()
	for _, n := range c.Nodes {
		creds, err := auth.Enroll(c.Name, n.Name)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Contains(creds, siteKey) {
			t.Fatalf("the enrolment file of %s does not carry the site key", n.Name)
		}
		cfg := &daemon.Config{}
		cfg.NATS.URL = agg.NATSURL()
		cfg.NATS.CredsFile = filepath.Join(t.TempDir(), "agent.creds")
		if err := os.WriteFile(cfg.NATS.CredsFile, creds, 0o600); err != nil {
			t.Fatal(err)
		}
		cfg.Node.PathConf, cfg.Node.PathLogs, cfg.Node.Name = n.Conf, n.Logs, n.Name
		cfg.StateDir = t.TempDir()
		stateDirs = append(stateDirs, cfg.StateDir)
		cfg.HeartbeatInterval = daemon.Duration(time.Second)
		cfg.InspectInterval = daemon.Duration(time.Hour)
		cfg.Logs.Timezone = "UTC"
		cfg.Probes.Disabled = true
		cfg.Agent = "agent-" + n.Name
		a, err := daemon.New(cfg, log.Named(n.Name))
		if err != nil {
			t.Fatal(err)
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			if err := a.Run(ctx); err != nil {
				t.Errorf("agent %s: %v", cfg.Agent, err)
			}
		}()
	}

	fps := map[string]string{}
	waitFor(t, 30*time.Second, func() bool {
		clear(fps)
		for _, n := range agg.Store().Nodes() {
			if n.Snapshot == nil || n.Snapshot.Keystore == nil {
				continue
			}
			for _, e := range n.Snapshot.Keystore.Entries {
				if e.Name == "s3.client.default.secret_key" {
					fps[n.Key.Node] = e.Fingerprint
				}
			}
		}
		return len(fps) == 3
	}, func() string { return "not every node's keystore reached the aggregator" })

	fp := keystore.NewFingerprinter(siteKey)
	current, stale := fp.Fingerprint(secret.FromString("CANARY-SECRET-s3-current")), fp.Fingerprint(secret.FromString("CANARY-SECRET-s3-stale"))
	if !strings.HasPrefix(current, "hmac-sha256:") {
		t.Fatalf("fingerprint %q", current)
	}
	if fps["s3-1"] != current || fps["s3-2"] != current {
		t.Errorf("nodes holding the same secret: %q and %q, want %q (keyed with the site key)", fps["s3-1"], fps["s3-2"], current)
	}
	if fps["s3-3"] != stale || stale == current {
		t.Errorf("the node with the stale secret: %q, want %q", fps["s3-3"], stale)
	}
	// The key came with the enrolment: not asked of the aggregator (a
	// fetched key is cached in the state dir), not made up by the agent.
	for _, d := range stateDirs {
		if _, err := os.Stat(filepath.Join(d, sitekey.FileName)); !errors.Is(err, os.ErrNotExist) {
			t.Errorf("the agent fetched or made its own site key (%s): %v", d, err)
		}
	}

	// Neither the key nor a secret value is in any stored message or log line.
	cancel()
	wg.Wait()
	nc, err := connectAs(agg.NATSURL(), agg.NATSCredsFile(), agg.NATSCAFile())
	if err != nil {
		t.Fatal(err)
	}
	defer nc.Close()
	js, err := jetstream.New(nc)
	if err != nil {
		t.Fatal(err)
	}
	scanned := 0
	for _, stream := range []string{natsx.StreamEvents, natsx.StreamState} {
		sctx, scancel := context.WithTimeout(context.Background(), 10*time.Second)
		st, err := js.Stream(sctx, stream)
		if err != nil {
			scancel()
			t.Fatal(err)
		}
		state := st.CachedInfo().State
		for seq := state.FirstSeq; seq <= state.LastSeq && state.Msgs > 0; seq++ {
			m, err := st.GetMsg(sctx, seq)
			if err != nil {
				continue // superseded (ESDOCTOR_STATE keeps the latest per subject)
			}
			scanned++
			for _, bad := range [][]byte{siteKey, []byte("CANARY-SECRET")} {
				if bytes.Contains(m.Data, bad) {
					t.Errorf("%s: message on %s holds %q", stream, m.Subject, bad)
				}
			}
		}
		scancel()
	}
	if scanned < 6 {
		t.Errorf("only %d stored messages scanned", scanned)
	}
	agg.stop()
	if out := logs.String(); out == "" {
		t.Error("no log line was captured")
	} else {
		for _, bad := range []string{string(siteKey), "CANARY-SECRET"} {
			if strings.Contains(out, bad) {
				t.Errorf("the logs hold %q", bad)
			}
		}
	}
}

// Two aggregators on one NATS with different data dirs hold different site
// keys: the second says so at start (log and esdoctor_site_key_conflict);
// with a copy of the first one's key it does not.
func TestSecondAggregatorWithAnotherSiteKeyIsFlagged(t *testing.T) {
	url, _ := natstest.RunTestServer(t)
	dirA := t.TempDir()
	a := start(t, aggregator.Options{NATSURL: url, Durable: "key-a", DataDir: dirA})
	if got := metric(t, a, "esdoctor_site_key_conflict"); got != "0" {
		t.Errorf("first aggregator: conflict %s", got)
	}
	logs := &syncBuffer{}
	log := zap.New(zapcore.NewCore(zapcore.NewJSONEncoder(zap.NewProductionEncoderConfig()), logs, zap.DebugLevel))
	b := start(t, aggregator.Options{NATSURL: url, Durable: "key-b", Logger: log})
	if got := metric(t, b, "esdoctor_site_key_conflict"); got != "1" {
		t.Errorf("second aggregator with its own key: conflict %s", got)
	}
	if !strings.Contains(logs.String(), "serves a different site key") {
		t.Errorf("no error logged: %s", logs.String())
	}
	keyA, err := os.ReadFile(filepath.Join(dirA, sitekey.FileName))
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(logs.String(), strings.TrimSpace(string(keyA))) {
		t.Error("the log holds the site key")
	}
	b.stop() // else C may hear B's other key first, rightly
	dirC := t.TempDir()
	if err := os.WriteFile(filepath.Join(dirC, sitekey.FileName), keyA, 0o600); err != nil {
		t.Fatal(err)
	}
	c := start(t, aggregator.Options{NATSURL: url, Durable: "key-c", DataDir: dirC})
	if got := metric(t, c, "esdoctor_site_key_conflict"); got != "0" {
		t.Errorf("aggregator with a copy of the key: conflict %s", got)
	}
}
