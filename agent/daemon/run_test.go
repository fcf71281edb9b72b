package daemon_test

import (
	"context"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
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

// A real agent on a real node directory against a real NATS: it serves
// /metrics on its configured address (lines read, symptoms by code, bytes
// behind, spool fill and drops, publish and inspection errors), and its
// heartbeats carry the spool's fill and drops.
func TestAgentServesMetricsAndHeartbeats(t *testing.T) {
	w := scenario.New(t)
	local := w.Cluster("local", "local-1@127.0.0.2")
	local.Each(func(n *scenario.Node) { n.Started() })
	w.Build()
	n := local.Node("local-1")

	url, _ := natstest.RunTestServer(t)
	nc, js := natstest.Connect(t, url)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := natsx.EnsureStreams(ctx, js, 1); err != nil {
		t.Fatal(err)
	}
	beats := make(chan *event.Envelope, 16)
	sub, err := nc.Subscribe(natsx.SubjectPrefix+"."+string(event.KindHeartbeat)+".>", func(m *nats.Msg) {
		if e, err := event.Decode(m.Data); err == nil {
			beats <- e
		}
	})
	if err != nil {
		t.Fatal(err)
	}
	defer sub.Unsubscribe()

	cfgFile := filepath.Join(t.TempDir(), "agent.yml")
	yml := "nats:\n  url: " + url + "\nnode:\n  path_conf: " + n.Conf + "\n  path_logs: " + n.Logs + "\n" +
		"state_dir: " + filepath.Join(t.TempDir(), "state") + "\nheartbeat_interval: 1s\nlogs:\n  timezone: UTC\n" +
		"metrics:\n  listen: 127.0.0.1:0\nagent: agent-local-1\n"
	if err := os.WriteFile(cfgFile, []byte(yml), 0o600); err != nil {
		t.Fatal(err)
	}
	cfg, err := daemon.LoadConfig(cfgFile)
	if err != nil {
		t.Fatal(err)
	}
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

	select {
	case e := <-beats:
		h := e.Heartbeat
		if h.SpoolMaxBytes != cfg.Spool.MaxBytes || h.Started.IsZero() || e.Node != "local-1" {
			t.Errorf("heartbeat %+v from %s", h, e.Node)
		}
	case <-ctx.Done():
		t.Fatal("no heartbeat")
	}

	n.AppendLog(scenario.UnableToAuthenticate(time.Now().UTC(), "local-1", "sniff", "my", "remote-1", "127.0.1.2:9443", "KeyIdOfTheTest000001"))
	var body string
	for {
		if addr := a.MetricsAddr(); addr != "" {
			body = scrape(t, "http://"+addr+"/metrics")
			if strings.Contains(body, `esdoctor_log_symptoms_total{code="api-key-unable-to-authenticate"} 1`) {
				break
			}
		}
		if ctx.Err() != nil {
			t.Fatalf("the symptom never reached /metrics:\n%s", body)
		}
		time.Sleep(50 * time.Millisecond)
	}
	for _, name := range []string{"esdoctor_log_lines_total", "esdoctor_log_bytes_behind", "esdoctor_spool_bytes", "esdoctor_spool_full_total",
		"esdoctor_publish_errors_total", "esdoctor_published_total", "esdoctor_agent_inspection_errors_total", "esdoctor_agent_inspections_total"} {
		if !strings.Contains(body, "\n"+name+" ") {
			t.Errorf("/metrics lacks %s", name)
		}
	}
	if !strings.HasPrefix(a.MetricsAddr(), "127.0.0.1:") {
		t.Errorf("metrics served on %s, want loopback", a.MetricsAddr())
	}
}

func scrape(t *testing.T, url string) string {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != 200 {
		t.Fatalf("GET %s: %s", url, resp.Status)
	}
	return string(b)
}

// The default listen address is on loopback; a bad one is a config error
// naming the file and the key.
func TestMetricsListenConfig(t *testing.T) {
	dir := t.TempDir()
	f := filepath.Join(dir, "agent.yml")
	os.WriteFile(f, []byte("agent: a\n"), 0o600)
	cfg, err := daemon.LoadConfig(f)
	if err != nil {
		t.Fatal(err)
	}
	if cfg.Metrics.Listen != daemon.DefaultMetricsListen || !strings.HasPrefix(cfg.Metrics.Listen, "127.0.0.1:") {
		t.Errorf("default metrics.listen %q", cfg.Metrics.Listen)
	}
	for yml, want := range map[string]string{
		"metrics:\n  listen: nonsense\n": "metrics.listen",
		"logs:\n  repeat_flush: 1h\n":    "logs.repeat_flush",
		"logs:\n  idle_after: 1ns\n":     "logs.idle_after",
		"metrics:\n  listen: [1, 2]\n":   "agent.yml",
	} {
		os.WriteFile(f, []byte(yml), 0o600)
		_, err := daemon.LoadConfig(f)
		if err == nil || !strings.Contains(err.Error(), want) || !strings.Contains(err.Error(), f) {
			t.Errorf("%q: error %v, want one naming %s and %s", yml, err, f, want)
		}
	}
}
