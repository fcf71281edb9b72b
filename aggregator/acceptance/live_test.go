package acceptance_test

import (
	"context"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"time"

	"go.uber.org/zap"

	"github.com/esdoctor/esdoctor/agent/daemon"
	"github.com/esdoctor/esdoctor/aggregator"
	"github.com/esdoctor/esdoctor/aggregator/api"
	"github.com/esdoctor/esdoctor/shared/diagnosis"
)

// agreeLive runs the live system on the site's node directories — one real
// agent daemon per node, an aggregator with its embedded NATS (JetStream)
// on 127.0.0.1 — and checks that it reaches the diagnoses esdoctor analyze
// gave (want: the offline result), as "code [clusters] alias=A fix=...".
func (s *site) agreeLive(want []diagnosis.Diagnosis) {
	t := s.t
	t.Helper()
	s.build()
	dir := t.TempDir()
	a, err := aggregator.New(aggregator.Options{Listen: "127.0.0.1:0", NATSListen: "127.0.0.1:0", DataDir: filepath.Join(dir, "agg"),
		NATSNoAuth: true, Durable: "acceptance", EvalInterval: 20 * time.Millisecond, CatchUpTimeout: 10 * time.Second, Logger: zap.NewNop()})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	defer func() { cancel(); wg.Wait() }()
	wg.Add(1)
	go func() {
		defer wg.Done()
		if err := a.Run(ctx); err != nil {
			t.Errorf("aggregator: %v", err)
		}
	}()
	rctx, rcancel := context.WithTimeout(ctx, 20*time.Second)
	defer rcancel()
	if err := a.WaitReady(rctx); err != nil {
		t.Fatalf("aggregator not ready: %v", err)
	}
	keyFile := filepath.Join(dir, "site.key")
	if err := os.WriteFile(keyFile, s.fpKey, 0o600); err != nil {
		t.Fatal(err)
	}
	for _, n := range s.nodes {
		cfg := &daemon.Config{}
		cfg.NATS.URL = a.NATSURL()
		cfg.Node.PathConf, cfg.Node.PathLogs, cfg.Node.Name = n.conf, n.logs, n.name
		if n.settings != "" {
			cfg.Node.ClusterSettingsFile = n.settingsPath()
		}
		pw := n.ksPassword
		if n.agentPassword != nil {
			pw = *n.agentPassword
		}
		if pw != "" {
			cfg.Node.KeystorePasswordFile = filepath.Join(dir, n.cluster+"-"+n.name+".kspw")
			if err := os.WriteFile(cfg.Node.KeystorePasswordFile, []byte(pw+"\n"), 0o600); err != nil {
				t.Fatal(err)
			}
		}
		cfg.FingerprintKeyFile = keyFile
		cfg.StateDir = filepath.Join(dir, "agent", n.cluster, n.name)
		cfg.Spool.MaxBytes = 16 << 20
		cfg.HeartbeatInterval = daemon.Duration(time.Second)
		cfg.InspectInterval = daemon.Duration(time.Hour)
		cfg.Logs.Timezone = "UTC"
		cfg.Agent = "esdoctor-agent@" + n.name
		ag, err := daemon.New(cfg, zap.NewNop())
		if err != nil {
			t.Fatalf("agent %s/%s: %v", n.cluster, n.name, err)
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			if err := ag.Run(ctx); err != nil {
				t.Errorf("agent %s: %v", cfg.Agent, err)
			}
		}()
	}
	w := lines(want)
	sort.Strings(w)
	var got []string
	deadline := time.Now().Add(45 * time.Second)
	for {
		got = lines(a.Diagnoses(api.Query{}))
		sort.Strings(got)
		if strings.Join(got, "\n") == strings.Join(w, "\n") && snapshots(a) == len(s.nodes) {
			// Stable over many evaluations (every agent's evidence arrived).
			time.Sleep(time.Second)
			again := lines(a.Diagnoses(api.Query{}))
			sort.Strings(again)
			if strings.Join(again, "\n") == strings.Join(w, "\n") {
				return
			}
		}
		if time.Now().After(deadline) {
			break
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Errorf("live and analyze differ:\n  live:\n    %s\n  analyze:\n    %s", strings.Join(got, "\n    "), strings.Join(w, "\n    "))
}

// snapshots counts the nodes whose snapshot the aggregator holds.
func snapshots(a *aggregator.Aggregator) int {
	n := 0
	for _, x := range a.Nodes() {
		if x.LastSnapshot != nil {
			n++
		}
	}
	return n
}
