package e2e

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"go.uber.org/zap"
	"go.uber.org/zap/zaptest"

	"github.com/esdoctor/esdoctor/agent/daemon"
	"github.com/esdoctor/esdoctor/aggregator"
	"github.com/esdoctor/esdoctor/aggregator/api"
	"github.com/esdoctor/esdoctor/internal/testkit/scenario"
	"github.com/esdoctor/esdoctor/shared/diagnosis"
	"github.com/esdoctor/esdoctor/shared/secret"
)

// startAgents runs one real agent daemon per node (in-process), each with its
// own state dir, against the aggregator's NATS.
// Each agent is enrolled (its own credentials, allowed to publish only its
// node's subjects) and pins the aggregator's CA when its NATS uses TLS.
func startAgents(t *testing.T, agg *running, nodes []*scenario.Node) (stop func()) {
	t.Helper()
	return startAgentsWith(t, agg, nodes, nil)
}

type daemonConfig = daemon.Config

// startAgentsWith is startAgents with a hook that edits each agent's
// config.
func startAgentsWith(t *testing.T, agg *running, nodes []*scenario.Node, edit func(*daemon.Config, *scenario.Node)) (stop func()) {
	t.Helper()
	return startAgentsWithLogger(t, agg, nodes, edit, nil)
}

// startAgentsWithLogger is startAgentsWith logging to log (nil: the test's
// log).
func startAgentsWithLogger(t *testing.T, agg *running, nodes []*scenario.Node, edit func(*daemon.Config, *scenario.Node), log *zap.Logger) (stop func()) {
	t.Helper()
	natsURL := agg.NATSURL()
	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	keyFile := filepath.Join(t.TempDir(), "fingerprint.key")
	os.WriteFile(keyFile, []byte("scenario-site-key\n"), 0o600)
	for _, n := range nodes {
		cfg := &daemon.Config{}
		cfg.NATS.URL = natsURL
		if auth := agg.Authority(); auth != nil && agg.NATSCredsFile() != "" {
			creds, err := auth.Enroll(n.C.Name, n.Name)
			if err != nil {
				t.Fatal(err)
			}
			cfg.NATS.CredsFile = filepath.Join(t.TempDir(), "agent.creds")
			if err := os.WriteFile(cfg.NATS.CredsFile, creds, 0o600); err != nil {
				t.Fatal(err)
			}
			cfg.NATS.CAFile = agg.NATSCAFile()
		}
		cfg.Node.PathConf, cfg.Node.PathLogs, cfg.Node.Name = n.Conf, n.Logs, n.Name
		if o := n.Options(); o.ClusterSettings != "" {
			cfg.Node.ClusterSettingsFile = o.ClusterSettings
		}
		cfg.FingerprintKeyFile = keyFile
		cfg.StateDir = t.TempDir()
		cfg.Spool.MaxBytes = 64 << 20
		cfg.HeartbeatInterval = daemon.Duration(time.Second)
		cfg.InspectInterval = daemon.Duration(time.Hour)
		cfg.Logs.Window = daemon.Duration(10 * time.Minute)
		cfg.Logs.Timezone = "UTC"
		cfg.Agent = "agent-" + n.Name
		if edit != nil {
			edit(cfg, n)
		}
		l := log
		if l == nil {
			l = zaptest.NewLogger(t)
		}
		a, err := daemon.New(cfg, l.Named(n.Name))
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
	stop = func() { cancel(); wg.Wait() }
	t.Cleanup(stop)
	return stop
}

// waitDiagnosis waits until the open diagnoses satisfy cond.
func waitDiagnosis(t *testing.T, r *running, what string, cond func([]diagnosis.Diagnosis) bool) []diagnosis.Diagnosis {
	t.Helper()
	var last []diagnosis.Diagnosis
	waitFor(t, 30*time.Second, func() bool {
		last = r.Diagnoses(api.Query{})
		return cond(last)
	}, func() string { return what + "; open now: " + strings.Join(scenario.Summary(last), " | ") })
	return last
}

func has(ds []diagnosis.Diagnosis, summary string) bool {
	for _, s := range scenario.Summary(ds) {
		if s == summary {
			return true
		}
	}
	return false
}

// Four real agents on four node directories, one aggregator with its
// embedded NATS: a configuration fault and a log fault appear as diagnoses,
// and each resolves after its fix, while everything runs.
func TestLiveAgentsFaultsAppearAndResolve(t *testing.T) {
	w := scenario.New(t)
	local := w.Cluster("local", "local-1@127.0.0.2", "local-2@127.0.0.3")
	remote := w.Cluster("remote", "remote-1@127.0.1.2", "remote-2@127.0.1.3")
	local.TransportTLS()
	remote.TransportTLS().RemoteClusterServer()
	local.Link(remote, "my", key, 9300) // fault 1: seeds on the transport port
	for _, c := range []*scenario.Cluster{local, remote} {
		c.Each(func(n *scenario.Node) { n.Started() })
	}
	w.Build()

	agg := start(t, aggregator.Options{Durable: "live", NATSTLS: true})
	startAgents(t, agg, append(append([]*scenario.Node{}, local.Nodes...), remote.Nodes...))

	const fault1 = "transport-port-instead-of-remote-cluster-port [local,remote] alias=my fix=local/local-1,local/local-2"
	waitDiagnosis(t, agg, "the transport-port diagnosis", func(ds []diagnosis.Diagnosis) bool { return has(ds, fault1) })

	// Fix 1: the operator points the seeds at 9443 (the saved cluster settings change).
	local.Link(remote, "my", key, 9443)
	local.Each(func(n *scenario.Node) { n.Rebuild() })
	waitDiagnosis(t, agg, "fault 1 resolved", func(ds []diagnosis.Diagnosis) bool { return len(ds) == 0 })
	if resolved := agg.Diagnoses(api.Query{State: diagnosis.StateResolved}); !has(resolved, fault1) {
		t.Errorf("fault 1 not kept as resolved: %v", scenario.Summary(resolved))
	}

	// Fault 2, written by ES into the logs while the agents tail them: the
	// key is invalid (both sides log its id).
	now := time.Now().UTC()
	local.Node("local-1").AppendLog(scenario.UnableToAuthenticate(now, "local-1", "sniff", "my", "remote-1", "127.0.1.2:9443", key.ID))
	remote.Node("remote-1").AppendLog(scenario.InvalidCredentials(now, "remote-1", key.ID))
	const fault2 = "invalid-api-key [local,remote] alias=my fix=local/local-1,local/local-2"
	// The two agents' lines arrive independently: wait for the diagnosis
	// that pairs both sides.
	sidesOf := func(ds []diagnosis.Diagnosis) map[string]bool {
		sides := map[string]bool{}
		for _, d := range ds {
			for _, e := range d.Evidence {
				sides[e.Side] = true
			}
		}
		return sides
	}
	waitDiagnosis(t, agg, "the invalid-api-key diagnosis with both sides' evidence", func(ds []diagnosis.Diagnosis) bool {
		sides := sidesOf(ds)
		return has(ds, fault2) && sides["local"] && sides["remote"]
	})

	// Fix 2: a new cross-cluster key in every local keystore. The running
	// nodes use it only once reloaded (ES does not log a reload): the
	// evidence stays, and the diagnosis says "until reloaded".
	fresh := scenario.APIKey{ID: "NewKeyIdForTheTest01", Secret: "CANARY-SECRET-new-secret"}
	edited := time.Now()
	local.Each(func(n *scenario.Node) {
		n.Secure("cluster.remote.my.credentials", fresh.Encoded()).Touch("elasticsearch.keystore", edited)
		n.Rebuild()
	})
	waitDiagnosis(t, agg, "fault 2 still open, until reloaded", func(ds []diagnosis.Diagnosis) bool {
		for _, d := range ds {
			if d.Code == "invalid-api-key" && strings.Contains(d.Explanation, "until reloaded") {
				return true
			}
		}
		return false
	})
	// The node restarts (a new start in its log): the old key's evidence
	// ends with the process that logged it.
	restart := time.Now().UTC().Add(time.Second)
	local.Node("local-1").AppendLog(scenario.Plain(restart, "INFO", "o.e.n.Node", "local-1", "version[8.13.4], pid[4343], build[tar/da95df118650b55a500dcc181889ac35c6d8da7c/2024-05-06T22:04:45.107454559Z], OS[Linux/6.1.0/amd64], JVM[Oracle Corporation/OpenJDK 64-Bit Server VM/21.0.2/21.0.2+13-58]"),
		scenario.Plain(restart, "INFO", "o.e.n.Node", "local-1", "starting ..."))
	waitDiagnosis(t, agg, "fault 2 resolved after the restart", func(ds []diagnosis.Diagnosis) bool { return len(ds) == 0 })

	// Heartbeats and nodes are visible; no secret reached the aggregator.
	nodes := agg.Nodes()
	if len(nodes) != 4 {
		t.Errorf("nodes: %d, want 4", len(nodes))
	}
	all := agg.Diagnoses(api.Query{State: "all"})
	b := []byte(strings.Join(scenario.Summary(all), "\n"))
	for _, d := range all {
		for _, e := range d.Evidence {
			b = append(b, e.Text...)
		}
	}
	if leak, ok := secret.ContainsAny(b, []byte(key.Secret), []byte(fresh.Secret), []byte(secret.CanaryPrefix)); ok {
		t.Errorf("secret in diagnoses: %q", leak)
	}
}
