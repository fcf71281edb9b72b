// Package live plays node directories through the running system — one
// real agent daemon per node (agent/daemon, in process), the real
// aggregator with its embedded NATS JetStream, the HTTP API — with the
// nodes' server logs written over time, and compares the open diagnoses
// with what `esdoctor analyze` says about the same nodes' bundles.
//
// The logs are not there all at once: rotated files and the first part of
// each growing log are on disk when the agents start; the rest is appended
// in two more parts, record by record, while they run. The comparison
// waits for the whole system to be quiet (every line read, every event
// acknowledged by JetStream and applied, the model evaluated, nothing
// changing) and then wants, per diagnosis, the same code, clusters, alias,
// nodes and fix nodes as offline.
package live

import (
	"bytes"
	"context"
	"fmt"
	"hash/fnv"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	dto "github.com/prometheus/client_model/go"
	"go.uber.org/zap"
	"go.uber.org/zap/zaptest"

	"github.com/esdoctor/esdoctor/agent/daemon"
	"github.com/esdoctor/esdoctor/agent/mesh"
	"github.com/esdoctor/esdoctor/aggregator"
	"github.com/esdoctor/esdoctor/aggregator/api"
	"github.com/esdoctor/esdoctor/aggregator/rules"
	"github.com/esdoctor/esdoctor/shared/diagnosis"
)

// Node is one node directory and what its agent is told (agent.yml).
type Node struct {
	// Conf and Logs are path.conf and path.logs.
	Conf, Logs string
	// Cluster and Name override cluster.name / node.name (node.cluster,
	// node.name in agent.yml); "" reads them from the yml.
	Cluster, Name string
	// ClusterSettings is a saved GET _cluster/settings response.
	ClusterSettings string
	// KeystorePassword is given in a keystore_password_file.
	KeystorePassword string
	// Hostname is the machine's host name (the default node.name).
	Hostname string
	// Env resolves ${VAR} in the yml (nil: the process environment).
	Env map[string]string
	// Timezone of plain timestamps ("": the machine's).
	Timezone string
	// Mesh is the node's mesh: section (nil: off).
	Mesh *mesh.Config
}

// Play is one set of nodes played live.
type Play struct {
	Nodes []Node
	// FingerprintKey is the site key every agent is given.
	FingerprintKey []byte
	// Rules as the offline analysis used them.
	Rules rules.Options
	// Then, when set, runs once the system is quiet, with the base URL of
	// the aggregator's HTTP API (before everything stops).
	Then func(base string)
}

// Key renders a diagnosis as what live and offline must agree on.
func Key(d diagnosis.Diagnosis) string {
	var fix, nodes []string
	for _, r := range d.Fix.Nodes {
		fix = append(fix, r.Cluster+"/"+r.Node)
	}
	for _, r := range d.Nodes {
		nodes = append(nodes, r.Cluster+"/"+r.Node)
	}
	sort.Strings(fix)
	sort.Strings(nodes)
	return fmt.Sprintf("%s [%s] alias=%s fix=%s nodes=%s", d.Code, strings.Join(d.Clusters, ","), d.Alias, strings.Join(fix, ","), strings.Join(nodes, ","))
}

// Keys renders diagnoses sorted.
func Keys(ds []diagnosis.Diagnosis) string {
	var out []string
	for _, d := range ds {
		out = append(out, Key(d))
	}
	sort.Strings(out)
	return strings.Join(out, "\n")
}

// Deadline bounds each wait of a play (generous: the machine may be
// loaded).
var Deadline = 90 * time.Second

// Check plays the nodes live and fails t unless the open diagnoses equal
// offline (what esdoctor analyze said over the same nodes' bundles). The
// node directories must be built (as offline read them); their logs are
// rewritten over time and end as they were.
func Check(t testing.TB, p Play, offline []diagnosis.Diagnosis) {
	t.Helper()
	want := Keys(offline)
	got, err := Run(t, p, want)
	if err != nil {
		t.Fatalf("live play: %v", err)
	}
	if got != want {
		t.Errorf("live differs from esdoctor analyze over the same nodes:\n  live:\n    %s\n  analyze:\n    %s",
			strings.ReplaceAll(got, "\n", "\n    "), strings.ReplaceAll(want, "\n", "\n    "))
	}
}

// logFile is one file of a node's log directory (or a mesh log).
type logFile struct {
	path    string
	mode    fs.FileMode
	mtime   time.Time
	parts   [][]byte // growing files: written part by part
	growing bool
}

// rolled matches rotated names: log4j's <cluster>-2024-05-01-1.log,
// logrotate's x.log.1, compressed files.
var rolled = regexp.MustCompile(`(-\d{4}-\d{2}-\d{2}-\d+\.(log|json)|\.\d+|\.gz)$`)

// Run plays the nodes and returns the open diagnoses (Keys) once the
// system is quiet and they equal want, or once it is quiet and Deadline
// passed.
func Run(t testing.TB, p Play, want string) (string, error) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	dir := t.TempDir()

	// The logs, put aside: rotated files stay, growing ones are cut to
	// their first part.
	var files []*logFile
	seen := map[string]bool{} // a directory shared by nodes
	for _, n := range p.Nodes {
		fs, err := logFiles(n)
		if err != nil {
			return "", err
		}
		for _, f := range fs {
			if !seen[f.path] {
				seen[f.path] = true
				files = append(files, f)
			}
		}
	}
	for _, f := range files {
		if f.growing {
			if err := os.WriteFile(f.path, f.parts[0], f.mode); err != nil {
				return "", err
			}
		}
	}

	logger := func(name string) *zap.Logger {
		return zaptest.NewLogger(t, zaptest.Level(zap.WarnLevel)).Named(name)
	}
	agg, err := aggregator.New(aggregator.Options{
		Listen: "127.0.0.1:0", NATSListen: "127.0.0.1:0", DataDir: filepath.Join(dir, "aggregator"), NATSNoAuth: true,
		EvalInterval: 20 * time.Millisecond, CatchUpTimeout: 10 * time.Second, Rules: p.Rules, Logger: logger("aggregator"),
	})
	if err != nil {
		return "", err
	}
	var wg sync.WaitGroup
	aggErr := make(chan error, 1)
	wg.Add(1)
	go func() { defer wg.Done(); aggErr <- agg.Run(ctx) }()
	defer func() { cancel(); wg.Wait() }()
	rctx, rcancel := context.WithTimeout(ctx, Deadline)
	err = agg.WaitReady(rctx)
	rcancel()
	if err != nil {
		return "", fmt.Errorf("aggregator not ready: %w", err)
	}
	client, err := api.NewClient("http://" + agg.HTTPAddr())
	if err != nil {
		return "", err
	}

	keyFile := filepath.Join(dir, "site.key")
	if err := os.WriteFile(keyFile, append(append([]byte{}, p.FingerprintKey...), '\n'), 0o600); err != nil {
		return "", err
	}
	var agents []*daemon.Agent
	for i, n := range p.Nodes {
		cfg := &daemon.Config{}
		cfg.NATS.URL = agg.NATSURL()
		cfg.Node.PathConf, cfg.Node.PathLogs = n.Conf, n.Logs
		cfg.Node.Cluster, cfg.Node.Name = n.Cluster, n.Name
		cfg.Node.ClusterSettingsFile = n.ClusterSettings
		if n.KeystorePassword != "" {
			cfg.Node.KeystorePasswordFile = filepath.Join(dir, fmt.Sprintf("ks-%d.pw", i))
			if err := os.WriteFile(cfg.Node.KeystorePasswordFile, []byte(n.KeystorePassword+"\n"), 0o600); err != nil {
				return "", err
			}
		}
		cfg.FingerprintKeyFile = keyFile
		cfg.StateDir = filepath.Join(dir, fmt.Sprintf("agent-%d", i))
		cfg.Spool.MaxBytes = 64 << 20
		cfg.HeartbeatInterval = daemon.Duration(time.Hour)
		cfg.InspectInterval = daemon.Duration(time.Hour)
		cfg.Logs.Window = daemon.Duration(10 * time.Minute)
		cfg.Logs.RepeatFlush = daemon.Duration(500 * time.Millisecond)
		cfg.Logs.IdleAfter = daemon.Duration(200 * time.Millisecond)
		cfg.Logs.Timezone = n.Timezone
		if n.Mesh != nil {
			cfg.Mesh = *n.Mesh
		}
		cfg.Metrics.Listen = "off"
		cfg.Probes.Disabled = true
		cfg.Agent = fmt.Sprintf("agent-%d", i)
		cfg.Host = daemon.Host{Hostname: n.Hostname, NoProcess: true}
		if env := n.Env; env != nil {
			cfg.Host.LookupEnv = func(k string) (string, bool) { v, ok := env[k]; return v, ok }
		}
		a, err := daemon.New(cfg, logger(cfg.Agent))
		if err != nil {
			return "", fmt.Errorf("agent for %s: %w", n.Conf, err)
		}
		agents = append(agents, a)
		wg.Add(1)
		go func() {
			defer wg.Done()
			if err := a.Run(ctx); err != nil {
				t.Errorf("agent for %s: %v", n.Conf, err)
			}
		}()
	}
	for _, a := range agents {
		select {
		case <-a.Ready():
		case <-time.After(Deadline):
			return "", fmt.Errorf("an agent did not inspect its node within %v", Deadline)
		}
	}

	diagnoses := func() (string, error) {
		qctx, qcancel := context.WithTimeout(ctx, 10*time.Second)
		defer qcancel()
		ds, err := client.Diagnoses(qctx, api.Query{})
		if err != nil {
			return "", err
		}
		return Keys(ds), nil
	}
	// The rest of the logs, part by part, each once the agents read the
	// previous one.
	for part := 1; part < parts; part++ {
		if err := waitRead(agents, Deadline); err != nil {
			return "", err
		}
		for _, f := range files {
			if f.growing && len(f.parts[part]) > 0 {
				if err := appendFile(f.path, f.parts[part]); err != nil {
					return "", err
				}
			}
		}
	}
	for _, f := range files {
		if f.growing {
			_ = os.Chtimes(f.path, f.mtime, f.mtime)
		}
	}

	// Quiet: every line read, the spools empty, everything published
	// applied and evaluated, and nothing changed for a while.
	deadline := time.Now().Add(Deadline)
	var last, got string
	var since time.Time
	for {
		select {
		case err := <-aggErr:
			return "", fmt.Errorf("aggregator stopped: %v", err)
		default:
		}
		st, busy := state(agents, agg)
		if got, err = diagnoses(); err != nil {
			return "", err
		}
		st += "\n" + got
		if st != last || busy {
			last, since = st, time.Now()
		}
		quiet := !busy && time.Since(since) >= quietFor
		if quiet && (got == want || time.Now().After(deadline)) {
			if p.Then != nil {
				p.Then("http://" + agg.HTTPAddr())
			}
			return got, nil
		}
		if time.Now().After(deadline.Add(Deadline)) {
			return got, fmt.Errorf("the system never became quiet: %s", st)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// parts is how many parts a growing log is written in; quietFor how long
// nothing may change before the system counts as quiet (well above the
// agents' idle_after and repeat_flush).
const (
	parts    = 3
	quietFor = 1500 * time.Millisecond
)

// logFiles reads a node's log files (and mesh logs) and splits the
// growing ones into parts at record starts.
func logFiles(n Node) ([]*logFile, error) {
	var paths []string
	if n.Logs != "" {
		_ = filepath.WalkDir(n.Logs, func(p string, d fs.DirEntry, err error) error {
			if err == nil && d.Type().IsRegular() {
				paths = append(paths, p)
			}
			return nil
		})
	}
	if n.Mesh != nil {
		for _, g := range n.Mesh.Logs {
			ms, _ := filepath.Glob(g)
			paths = append(paths, ms...)
		}
	}
	var out []*logFile
	for _, p := range paths {
		st, err := os.Stat(p)
		if err != nil || !st.Mode().IsRegular() {
			continue
		}
		f := &logFile{path: p, mode: st.Mode().Perm(), mtime: st.ModTime()}
		if !rolled.MatchString(filepath.Base(p)) {
			b, err := os.ReadFile(p)
			if err != nil {
				return nil, err
			}
			f.growing, f.parts = true, Split(b, parts)
		}
		out = append(out, f)
	}
	return out, nil
}

// Split cuts text into n parts of about as many records each, only
// before a line that starts a record (a timestamp or a JSON object: not a
// stack frame, a "Caused by" or an exception line).
func Split(b []byte, n int) [][]byte {
	var starts []int
	for off := 0; off < len(b); {
		if recordStart(b[off:]) {
			starts = append(starts, off)
		}
		i := bytes.IndexByte(b[off:], '\n')
		if i < 0 {
			break
		}
		off += i + 1
	}
	out := make([][]byte, n)
	if len(starts) < n {
		out[0] = b
		return out
	}
	prev := 0
	for k := 1; k < n; k++ {
		cut := starts[k*len(starts)/n]
		if cut < prev {
			cut = prev
		}
		out[k-1] = b[prev:cut]
		prev = cut
	}
	out[n-1] = b[prev:]
	return out
}

func recordStart(line []byte) bool {
	if len(line) == 0 {
		return false
	}
	switch c := line[0]; {
	case c == '{', c >= '0' && c <= '9':
		return true
	case c == '[':
		return len(line) > 1 && line[1] >= '0' && line[1] <= '9'
	}
	return false
}

func appendFile(path string, b []byte) error {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_APPEND, 0)
	if err != nil {
		return err
	}
	if _, err := f.Write(b); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

// waitRead waits until no agent is behind on its plain logs.
func waitRead(agents []*daemon.Agent, d time.Duration) error {
	deadline := time.Now().Add(d)
	for {
		behind := 0.0
		for _, a := range agents {
			behind += gauge(a, "esdoctor_log_bytes_behind")
		}
		if behind == 0 {
			return nil
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("agents still %v bytes behind their logs after %v", behind, d)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// state renders what changes while the system works, and whether work is
// visibly pending (bytes not read, events not acknowledged, a model not
// evaluated).
func state(agents []*daemon.Agent, agg *aggregator.Aggregator) (string, bool) {
	var b strings.Builder
	busy := false
	for _, a := range agents {
		lines, behind := gauge(a, "esdoctor_log_lines_total"), gauge(a, "esdoctor_log_bytes_behind")
		spooled, published := gauge(a, "esdoctor_spool_events"), gauge(a, "esdoctor_published_total")
		busy = busy || behind > 0 || spooled > 0
		fmt.Fprintf(&b, "%v/%v/%v/%v ", lines, behind, spooled, published)
	}
	s := agg.Stats()
	busy = busy || s.EvaluatedVersion != s.StoreVersion
	fmt.Fprintf(&b, "applied %d version %d evaluated %d", s.Store.Applied, s.StoreVersion, s.EvaluatedVersion)
	return b.String(), busy
}

// gauge sums a metric (counter or gauge, all labels) of an agent.
func gauge(a *daemon.Agent, name string) float64 {
	mfs, err := a.Registry().Gather()
	if err != nil {
		return 0
	}
	var v float64
	for _, mf := range mfs {
		if mf.GetName() != name {
			continue
		}
		for _, m := range mf.GetMetric() {
			v += value(m)
		}
	}
	return v
}

func value(m *dto.Metric) float64 {
	switch {
	case m.Counter != nil:
		return m.Counter.GetValue()
	case m.Gauge != nil:
		return m.Gauge.GetValue()
	}
	return 0
}

// Enabled reports whether the scenario kits play t's world live too:
// ESDOCTOR_LIVE=1 (make test-live) plays every world, ESDOCTOR_LIVE=0 or
// -short none; unset (make test), the tests whose name hashes to one in
// Sample, so that the quick suite plays a fixed share of them.
func Enabled(t testing.TB) bool {
	switch v := os.Getenv("ESDOCTOR_LIVE"); {
	case testing.Short() || v == "0":
		return false
	case v != "":
		return true
	}
	h := fnv.New32a()
	h.Write([]byte(t.Name()))
	return h.Sum32()%Sample == 0
}

// Sample: make test plays one test in Sample live.
const Sample = 32
