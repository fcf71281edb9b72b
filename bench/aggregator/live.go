package main

// `bench-aggregator live` (make bench-live): real agent daemons, each its
// own process (bin/esdoctor-agent run) on its own node directory in the
// real formats (yml, keystore, PKCS#12 certificates, a saved cluster
// settings response, a plain-layout server log), and the real aggregator
// (its own process, embedded NATS). A writer appends symptom lines to the
// nodes' logs, one at a time; each line's clock starts just before its
// write() and stops when GET /api/v1/diagnoses/{id} first shows that
// node's evidence with a time at or after the line's own timestamp. The
// same run is repeated under the background load of bench-aggregator's
// simulated fleet (the same load generator). Idle agent CPU is read from
// /proc/<pid>/stat over a quiet window.

import (
	"bytes"
	"errors"
	"flag"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/prometheus/procfs"

	"github.com/esdoctor/esdoctor/aggregator/api"
	"github.com/esdoctor/esdoctor/shared/diagnosis"
)

// liveConfig is one bench-live run.
type liveConfig struct {
	Nodes      int           // agent daemons (half local, half remote)
	Lines      int           // measured lines per phase
	Idle       time.Duration // quiet window for the agents' CPU
	LoadAgents int           // background fleet (0: no loaded phase)
	LoadRate   float64       // events/s per simulated agent
	AggBin     string
	AgentBin   string
	Examples   string // examples/nodes
	Dir        string
	Legacy     bool // agents that predate metrics.listen
	Seed       uint64
	Timeout    time.Duration // per line
}

// interrupted is set by SIGINT/SIGTERM: the run stops after the current
// line and cleans up (agents, aggregator, temporary directory).
var interrupted atomic.Bool

const liveCode = "transport-port-instead-of-remote-cluster-port"

func liveMain(args []string) int {
	fs := flag.NewFlagSet("bench-aggregator live", flag.ContinueOnError)
	c := liveConfig{}
	fs.IntVar(&c.Nodes, "nodes", 20, "agent daemons (half local-cluster, half remote-cluster)")
	fs.IntVar(&c.Lines, "lines", 200, "symptom lines measured per phase")
	fs.DurationVar(&c.Idle, "idle", 30*time.Second, "quiet window over which the agents' CPU is measured")
	fs.IntVar(&c.LoadAgents, "load-agents", 1000, "simulated agents of the background load (0: skip the loaded phase)")
	fs.Float64Var(&c.LoadRate, "load-rate", 10, "events per second per simulated agent")
	fs.StringVar(&c.AggBin, "bin", "bin/esdoctor-aggregator", "esdoctor-aggregator binary")
	fs.StringVar(&c.AgentBin, "agent-bin", "bin/esdoctor-agent", "esdoctor-agent binary")
	fs.StringVar(&c.Examples, "examples", "examples/nodes", "the example node directories to replicate")
	fs.StringVar(&c.Dir, "dir", "", "work directory, kept (default: a temporary one, removed)")
	fs.BoolVar(&c.Legacy, "legacy-agent", false, "write agent.yml without the keys older agents reject (metrics)")
	fs.Uint64Var(&c.Seed, "seed", 1, "random seed (gaps between lines, load)")
	fs.DurationVar(&c.Timeout, "timeout", 10*time.Second, "how long one line may take to show before it counts as lost")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	if c.Nodes < 4 || c.Nodes%2 != 0 || c.Nodes > 200 || c.Lines < 1 {
		fmt.Fprintln(os.Stderr, "bench-live: --nodes must be even, 4..200; --lines at least 1")
		return 2
	}
	sig := make(chan os.Signal, 1)
	signal.Notify(sig, os.Interrupt, syscall.SIGTERM)
	go func() { <-sig; interrupted.Store(true) }()
	res, err := runLive(c)
	if res != nil {
		res.print(os.Stdout)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "bench-live:", err)
		return 1
	}
	return 0
}

type livePhase struct {
	Name             string
	First, Repeat    []time.Duration // by whether the line was its node's first since the start
	Lost             int             // never visible within the timeout
	Wall             time.Duration
	AggCPU, AgentCPU time.Duration
}

type liveResult struct {
	Cfg      liveConfig
	Measured []string // nodes whose evidence the diagnosis shows
	// Probe is one line per node, its first occurrence since the node's
	// last start (every later line is a repeat, sent on the fold timer).
	Probe      []time.Duration
	Idle       []float64
	IdleWindow time.Duration
	Phases     []*livePhase
}

type liveNode struct {
	name, cluster, host string
	dir, log            string
	line                string // template symptom line, "{TS}" for the timestamp
	cmd                 *exec.Cmd
	proc                procfs.Proc
	exited              chan struct{}
	written             int
}

func runLive(c liveConfig) (res *liveResult, err error) {
	res = &liveResult{Cfg: c}
	say := func(format string, args ...any) { fmt.Fprintf(os.Stderr, "bench-live: "+format+"\n", args...) }
	dir := c.Dir
	if dir == "" {
		if dir, err = os.MkdirTemp("", "bench-live-"); err != nil {
			return nil, err
		}
		defer os.RemoveAll(dir)
	} else if err := os.MkdirAll(dir, 0o750); err != nil {
		return nil, err
	}
	agg, err := startAggregator(c.AggBin, dir, false)
	if err != nil {
		return nil, err
	}
	defer agg.stop()
	say("aggregator pid %d: API %s, NATS %s", agg.cmd.Process.Pid, agg.httpURL, agg.natsURL)

	nodes, err := layoutNodes(c, dir, agg.natsURL)
	if err != nil {
		return nil, err
	}
	defer stopAgents(nodes)
	for _, n := range nodes {
		if err := n.start(c.AgentBin); err != nil {
			return nil, err
		}
	}
	say("%d agents started (%s)", len(nodes), c.AgentBin)

	// The fault of examples/nodes is diagnosed once every agent sent its
	// snapshot and read its log.
	id, err := waitFor(60*time.Second, func() (string, bool) {
		var ns []api.Node
		if getJSON(agg.httpURL+api.PathNodes, &ns) != nil || len(ns) < len(nodes) {
			return "", false
		}
		d, ok := findDiagnosis(agg.httpURL)
		return d.ID, ok
	})
	if err != nil {
		return res, fmt.Errorf("the example fault was not diagnosed with all %d nodes known: %w", len(nodes), err)
	}
	say("diagnosis %s open", id)

	// Idle CPU: nothing written, nothing loaded.
	time.Sleep(3 * time.Second)
	c0 := agentCPUs(nodes)
	w0 := time.Now()
	time.Sleep(c.Idle)
	c1 := agentCPUs(nodes)
	res.IdleWindow = time.Since(w0)
	for i := range nodes {
		res.Idle = append(res.Idle, 100*float64(c1[i]-c0[i])/float64(res.IdleWindow))
	}

	// Which nodes does the diagnosis list? One line each, then measure
	// those.
	rng := rand.New(rand.NewPCG(c.Seed, 3))
	var measured []*liveNode
	for _, n := range nodes {
		if d, ok := n.measure(agg.httpURL, id, c.Timeout); ok {
			res.Probe = append(res.Probe, d)
			measured = append(measured, n)
			res.Measured = append(res.Measured, n.name)
		} else {
			say("node %s: its line never showed in the diagnosis; not measured", n.name)
		}
	}
	if len(measured) == 0 {
		return res, errors.New("no node's evidence reached the diagnosis")
	}

	phase := func(name string) {
		p := &livePhase{Name: name}
		a0, _ := agg.stats()
		g0 := sum(agentCPUs(nodes))
		t0 := time.Now()
		for i := 0; i < c.Lines && !interrupted.Load(); i++ {
			n := measured[i%len(measured)]
			first := n.written == 0
			d, ok := n.measure(agg.httpURL, id, c.Timeout)
			switch {
			case !ok:
				p.Lost++
			case first:
				p.First = append(p.First, d)
			default:
				p.Repeat = append(p.Repeat, d)
			}
			time.Sleep(time.Duration(50+rng.IntN(200)) * time.Millisecond)
		}
		p.Wall = time.Since(t0)
		a1, _ := agg.stats()
		p.AggCPU, p.AgentCPU = a1.CPU-a0.CPU, sum(agentCPUs(nodes))-g0
		res.Phases = append(res.Phases, p)
		say("%s: %d lines in %s", name, c.Lines, p.Wall.Round(time.Second))
	}
	phase("no background load")

	if c.LoadAgents > 0 && !interrupted.Load() {
		stop, err := startLoad(c, agg, say)
		if err != nil {
			return res, err
		}
		phase(fmt.Sprintf("background load %d agents x %g events/s", c.LoadAgents, c.LoadRate))
		stop()
	}
	return res, nil
}

// startLoad runs bench-aggregator's simulated fleet against the
// aggregator until stop is called.
func startLoad(c liveConfig, agg *aggProc, say func(string, ...any)) (stop func(), err error) {
	tpl, err := loadTemplates()
	if err != nil {
		return nil, err
	}
	rng := rand.New(rand.NewPCG(c.Seed, 1))
	fleet, err := BuildFleet(tpl, c.LoadAgents, 0.05, rng, time.Now())
	if err != nil {
		return nil, err
	}
	ld, err := newLoader(agg.natsURL, 8)
	if err != nil {
		return nil, err
	}
	var first []agentEvent
	for _, a := range fleet.Agents {
		for _, e := range a.initialEvents() {
			first = append(first, agentEvent{a, e})
		}
	}
	if err := ld.publishAll(first, 32); err != nil {
		ld.close()
		return nil, err
	}
	if err := waitApplied(agg, ld.published.Load(), 90*time.Second); err != nil {
		say("%v", err)
	}
	done := make(chan struct{})
	var wg sync.WaitGroup
	begin := time.Now().Add(50 * time.Millisecond)
	for _, a := range fleet.Agents {
		wg.Add(1)
		go func() {
			defer wg.Done()
			ld.runAgent(done, fleet, a, c.LoadRate, begin, c.Seed)
		}()
	}
	say("background load: %d agents x %g events/s; 10 s warm-up", c.LoadAgents, c.LoadRate)
	time.Sleep(10 * time.Second)
	return func() {
		close(done)
		wg.Wait()
		ld.close()
	}, nil
}

// findDiagnosis returns the open diagnosis of the example fault.
func findDiagnosis(httpURL string) (diagnosis.Diagnosis, bool) {
	var ds []diagnosis.Diagnosis
	if getJSON(httpURL+api.PathDiagnoses, &ds) != nil {
		var wrapped struct {
			Diagnoses []diagnosis.Diagnosis `json:"diagnoses"`
		}
		if getJSON(httpURL+api.PathDiagnoses, &wrapped) != nil {
			return diagnosis.Diagnosis{}, false
		}
		ds = wrapped.Diagnoses
	}
	for _, d := range ds {
		if d.Code == liveCode {
			return d, true
		}
	}
	return diagnosis.Diagnosis{}, false
}

// measure appends the node's symptom line and waits until the diagnosis
// shows the node's evidence at or after the line's timestamp.
func (n *liveNode) measure(httpURL, id string, timeout time.Duration) (time.Duration, bool) {
	now := time.Now().UTC().Truncate(time.Millisecond)
	ts := strings.Replace(now.Format("2006-01-02T15:04:05.000"), ".", ",", 1)
	line := strings.Replace(n.line, "{TS}", ts, 1) + "\n"
	f, err := os.OpenFile(n.log, os.O_WRONLY|os.O_APPEND, 0)
	if err != nil {
		return 0, false
	}
	t0 := time.Now()
	_, err = f.Write([]byte(line))
	f.Close()
	if err != nil {
		return 0, false
	}
	n.written++
	url := httpURL + api.PathDiagnoses + "/" + id
	for time.Since(t0) < timeout {
		var d diagnosis.Diagnosis
		if getJSON(url, &d) == nil {
			for _, e := range d.Evidence {
				if e.Node == n.name && e.Time != nil && !e.Time.Before(now) {
					return time.Since(t0), true
				}
			}
		}
		time.Sleep(10 * time.Millisecond)
	}
	return 0, false
}

// layoutNodes replicates examples/nodes into c.Nodes node directories:
// local-1..k copy local-1 (host 127.0.2.i from the third on), remote-1..k
// copy remote-1 (host 127.0.3.i from the third on); the saved cluster
// settings seed every remote node's transport port (the example fault).
func layoutNodes(c liveConfig, dir, natsURL string) ([]*liveNode, error) {
	key := filepath.Join(dir, "fingerprint.key")
	if err := os.WriteFile(key, []byte("bench-live-site-key\n"), 0o600); err != nil {
		return nil, err
	}
	half := c.Nodes / 2
	host := func(side string, i int) string {
		if i <= 2 { // the examples' own hosts
			if side == "local" {
				return fmt.Sprintf("127.0.0.%d", i)
			}
			return fmt.Sprintf("127.0.0.%d", i+2)
		}
		if side == "local" {
			return fmt.Sprintf("127.0.2.%d", i)
		}
		return fmt.Sprintf("127.0.3.%d", i)
	}
	var seeds []string
	for i := 1; i <= half; i++ {
		seeds = append(seeds, fmt.Sprintf("%q", host("remote", i)+":9300"))
	}
	settings := filepath.Join(dir, "local-cluster", "cluster-settings.json")
	if err := os.MkdirAll(filepath.Dir(settings), 0o750); err != nil {
		return nil, err
	}
	js := `{"persistent":{"cluster":{"remote":{"my_remote":{"seeds":[` + strings.Join(seeds, ",") + `]}}}},"transient":{}}`
	if err := os.WriteFile(settings, []byte(js), 0o600); err != nil {
		return nil, err
	}
	var nodes []*liveNode
	for _, side := range []string{"local", "remote"} {
		cluster := side + "-cluster"
		src := filepath.Join(c.Examples, cluster, side+"-1")
		tplLog, err := os.ReadFile(filepath.Join(src, "logs", cluster+".log"))
		if err != nil {
			return nil, err
		}
		symptomLine := templateLine(tplLog, map[string]string{"local": "failed to establish trust with server", "remote": "client did not trust this server"}[side])
		if symptomLine == "" {
			return nil, fmt.Errorf("%s: no symptom line to replay", src)
		}
		for i := 1; i <= half; i++ {
			name := fmt.Sprintf("%s-%d", side, i)
			n := &liveNode{name: name, cluster: cluster, host: host(side, i), dir: filepath.Join(dir, cluster, name)}
			if err := copyTree(src, n.dir); err != nil {
				return nil, err
			}
			yml := filepath.Join(n.dir, "config", "elasticsearch.yml")
			b, err := os.ReadFile(yml)
			if err != nil {
				return nil, err
			}
			b = bytes.ReplaceAll(b, []byte("node.name: "+side+"-1"), []byte("node.name: "+name))
			b = bytes.ReplaceAll(b, []byte(host(side, 1)), []byte(n.host))
			if err := os.WriteFile(yml, b, 0o600); err != nil {
				return nil, err
			}
			n.log = filepath.Join(n.dir, "logs", cluster+".log")
			lg := bytes.ReplaceAll(tplLog, []byte("["+side+"-1]"), []byte("["+name+"]"))
			if err := os.WriteFile(n.log, lg, 0o644); err != nil {
				return nil, err
			}
			n.line = strings.ReplaceAll(strings.ReplaceAll(symptomLine, "["+side+"-1]", "["+name+"]"), "/"+host(side, 1)+":", "/"+n.host+":")
			if side == "local" {
				n.line = strings.Replace(n.line, "server at ["+host("remote", 1)+"]", "server at ["+host("remote", 1+(i-1)%half)+"]", 1)
			}
			// The agents share the aggregator's own NATS identity, as
			// bench-aggregator's simulated agents do (no enrollment).
			conf := fmt.Sprintf("nats:\n  url: %s\n  creds_file: %s\nnode:\n  path_conf: %s\n  path_logs: %s\n", natsURL, filepath.Join(dir, "data", "auth", "aggregator.creds"), filepath.Join(n.dir, "config"), filepath.Join(n.dir, "logs"))
			if side == "local" {
				conf += "  cluster_settings_file: " + settings + "\n"
			}
			conf += fmt.Sprintf("fingerprint_key_file: %s\nstate_dir: %s\nheartbeat_interval: 30s\nlogs:\n  timezone: UTC\nagent: agent-%s\nlog_level: info\n",
				key, filepath.Join(n.dir, "state"), name)
			if !c.Legacy {
				conf += "metrics:\n  listen: 127.0.0.1:0\n"
			}
			if err := os.WriteFile(filepath.Join(n.dir, "agent.yml"), []byte(conf), 0o600); err != nil {
				return nil, err
			}
			nodes = append(nodes, n)
		}
	}
	return nodes, nil
}

// templateLine is the first line of log holding substr, its timestamp
// replaced by "{TS}".
func templateLine(log []byte, substr string) string {
	for _, l := range strings.Split(string(log), "\n") {
		if strings.Contains(l, substr) && strings.HasPrefix(l, "[") {
			if i := strings.IndexByte(l, ']'); i > 0 {
				return "[{TS}" + l[i:]
			}
		}
	}
	return ""
}

func copyTree(src, dst string) error {
	return filepath.Walk(src, func(p string, fi os.FileInfo, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(src, p)
		t := filepath.Join(dst, rel)
		if fi.IsDir() {
			return os.MkdirAll(t, 0o750)
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		return os.WriteFile(t, b, 0o600)
	})
}

func (n *liveNode) start(bin string) error {
	out, err := os.Create(filepath.Join(n.dir, "agent.log"))
	if err != nil {
		return err
	}
	n.cmd = exec.Command(bin, "run", "--config", filepath.Join(n.dir, "agent.yml"))
	n.cmd.Stdout, n.cmd.Stderr = out, out
	if err := n.cmd.Start(); err != nil {
		out.Close()
		return fmt.Errorf("start %s: %w", bin, err)
	}
	n.exited = make(chan struct{})
	go func() { _ = n.cmd.Wait(); out.Close(); close(n.exited) }()
	n.proc, err = procfs.NewProc(n.cmd.Process.Pid)
	return err
}

func stopAgents(nodes []*liveNode) {
	for _, n := range nodes {
		if n.cmd != nil && n.cmd.Process != nil {
			_ = n.cmd.Process.Signal(syscall.SIGTERM)
		}
	}
	for _, n := range nodes {
		if n.exited == nil {
			continue
		}
		select {
		case <-n.exited:
		case <-time.After(15 * time.Second):
			_ = n.cmd.Process.Kill()
			<-n.exited
		}
	}
}

// agentCPUs is each agent's CPU time (user + system) so far.
func agentCPUs(nodes []*liveNode) []time.Duration {
	out := make([]time.Duration, len(nodes))
	for i, n := range nodes {
		if st, err := n.proc.Stat(); err == nil {
			out[i] = time.Duration(st.CPUTime() * float64(time.Second))
		}
	}
	return out
}

func sum(ds []time.Duration) (t time.Duration) {
	for _, d := range ds {
		t += d
	}
	return t
}

func waitFor(d time.Duration, f func() (string, bool)) (string, error) {
	deadline := time.Now().Add(d)
	for {
		if v, ok := f(); ok {
			return v, nil
		}
		if time.Now().After(deadline) {
			return "", fmt.Errorf("not within %s", d)
		}
		time.Sleep(200 * time.Millisecond)
	}
}

func pct(ds []time.Duration, q float64) time.Duration {
	if len(ds) == 0 {
		return 0
	}
	s := slices.Clone(ds)
	slices.Sort(s)
	i := int(q*float64(len(s))+0.5) - 1
	return s[min(max(i, 0), len(s)-1)]
}

func (r *liveResult) print(w io.Writer) {
	c := r.Cfg
	fmt.Fprintf(w, "bench-live: %d agent daemons (%s) + esdoctor-aggregator (embedded NATS), %d CPU cores (GOMAXPROCS %d), load average %.1f\n",
		c.Nodes, c.AgentBin, runtime.NumCPU(), runtime.GOMAXPROCS(0), loadAvg())
	fmt.Fprintf(w, "  clock: from just before the write() of one log line to the first GET /api/v1/diagnoses/{id} (polled every 10 ms)\n")
	fmt.Fprintf(w, "         that shows the node's evidence at or after the line's timestamp; lines one at a time, 50-250 ms apart\n")
	fmt.Fprintf(w, "  nodes measured: %d of %d; first occurrences (one line per node, no load): N=%d p50 %s max %s\n", len(r.Measured), c.Nodes,
		len(r.Probe), pct(r.Probe, .5).Round(time.Millisecond), pct(r.Probe, 1).Round(time.Millisecond))
	if len(r.Idle) > 0 {
		s := 0.0
		for _, v := range r.Idle {
			s += v
		}
		fmt.Fprintf(w, "  idle agent CPU over %s (/proc/<pid>/stat user+system): mean %.2f%% of a core, max %.2f%%\n",
			r.IdleWindow.Round(time.Second), s/float64(len(r.Idle)), slices.Max(r.Idle))
	}
	for _, p := range r.Phases {
		all := append(slices.Clone(p.First), p.Repeat...)
		fmt.Fprintf(w, "  %s: N=%d  p50 %s  p99 %s  max %s  (lost %d)\n", p.Name, len(all),
			pct(all, .5).Round(time.Millisecond), pct(all, .99).Round(time.Millisecond), pct(all, 1).Round(time.Millisecond), p.Lost)
		if len(p.First) > 0 {
			fmt.Fprintf(w, "    first occurrences N=%d p50 %s p99 %s; repeats N=%d p50 %s p99 %s\n",
				len(p.First), pct(p.First, .5).Round(time.Millisecond), pct(p.First, .99).Round(time.Millisecond),
				len(p.Repeat), pct(p.Repeat, .5).Round(time.Millisecond), pct(p.Repeat, .99).Round(time.Millisecond))
		}
		fmt.Fprintf(w, "    CPU over the phase (%s wall): aggregator %s, all agents %s\n", p.Wall.Round(time.Second),
			p.AggCPU.Round(10*time.Millisecond), p.AgentCPU.Round(10*time.Millisecond))
	}
}
