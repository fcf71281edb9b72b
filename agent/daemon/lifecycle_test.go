package daemon_test

import (
	"context"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	"go.uber.org/zap/zaptest"

	"github.com/esdoctor/esdoctor/agent/daemon"
	"github.com/esdoctor/esdoctor/internal/testkit/scenario"
	"github.com/esdoctor/esdoctor/shared/event"
	"github.com/esdoctor/esdoctor/shared/natsx"
	"github.com/esdoctor/esdoctor/shared/natsx/natstest"
)

// What a snapshot says of the running node follows its log: the yml was
// edited after the logged start (config-changed-since-start); ES then logs
// "stopping ..." (no node runs the old yml: the claim goes), then a new
// start (which read the new yml: still nothing to claim, and the new start
// is the snapshot's). No file changes in between: the agent re-inspects
// because of the log records alone.
func TestLoggedStopAndStartReinspect(t *testing.T) {
	w := scenario.New(t)
	w.Start = time.Now().UTC().Add(-2 * time.Hour).Truncate(time.Second)
	local := w.Cluster("local", "local-1@127.0.0.2")
	n := local.Node("local-1").Started()
	n.Touch("elasticsearch.yml", w.Start.Add(time.Hour))
	w.Build()

	url, _ := natstest.RunTestServer(t)
	nc, js := natstest.Connect(t, url)
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	if err := natsx.EnsureStreams(ctx, js, 1); err != nil {
		t.Fatal(err)
	}
	snaps := make(chan *event.Snapshot, 64)
	sub, err := nc.Subscribe(natsx.SubjectPrefix+"."+string(event.KindSnapshot)+".>", func(m *nats.Msg) {
		if e, err := event.Decode(m.Data); err == nil && e.Snapshot != nil {
			snaps <- e.Snapshot
		}
	})
	if err != nil {
		t.Fatal(err)
	}
	defer sub.Unsubscribe()

	cfg := &daemon.Config{}
	cfg.NATS.URL = url
	cfg.Node.PathConf, cfg.Node.PathLogs = n.Conf, n.Logs
	cfg.StateDir = filepath.Join(t.TempDir(), "state")
	cfg.FingerprintKeyFile = filepath.Join(t.TempDir(), "key")
	os.WriteFile(cfg.FingerprintKeyFile, []byte("scenario-site-key\n"), 0o600)
	cfg.Spool.MaxBytes = 16 << 20
	cfg.HeartbeatInterval = daemon.Duration(time.Hour)
	cfg.InspectInterval = daemon.Duration(time.Hour)
	cfg.Logs.Window = daemon.Duration(10 * time.Minute)
	cfg.Logs.RepeatFlush = daemon.Duration(500 * time.Millisecond)
	cfg.Logs.IdleAfter = daemon.Duration(200 * time.Millisecond)
	cfg.Logs.Timezone = "UTC"
	cfg.Metrics.Listen = "off"
	cfg.Probes.Disabled = true
	cfg.Agent = "agent-local-1"
	cfg.Host = daemon.Host{Hostname: "local-1", NoProcess: true}
	a, err := daemon.New(cfg, zaptest.NewLogger(t))
	if err != nil {
		t.Fatal(err)
	}
	runCtx, stop := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- a.Run(runCtx) }()
	defer func() {
		stop()
		if err := <-done; err != nil {
			t.Errorf("Run: %v", err)
		}
	}()

	claims := func(s *event.Snapshot) bool {
		for _, p := range s.Problems {
			if p.Code == "config-changed-since-start" {
				return true
			}
		}
		return false
	}
	wait := func(what string, ok func(*event.Snapshot) bool) {
		t.Helper()
		for {
			select {
			case s := <-snaps:
				if ok(s) {
					return
				}
			case <-ctx.Done():
				t.Fatalf("no snapshot %s", what)
			}
		}
	}
	wait("claiming the yml edit after the start", claims)

	n.AppendLog(scenario.Plain(w.Start.Add(90*time.Minute), "INFO", "o.e.n.Node", "local-1", "stopping ..."))
	wait("without the claim after the logged stop", func(s *event.Snapshot) bool { return !claims(s) })

	restart := w.Start.Add(100 * time.Minute)
	n.AppendLog(scenario.Plain(restart, "INFO", "o.e.n.Node", "local-1", "starting ..."))
	wait("with the new start", func(s *event.Snapshot) bool {
		return !claims(s) && s.StartedAt != nil && s.StartedAt.Equal(restart)
	})
}
