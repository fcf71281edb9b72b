// Command livedemo is `make demo`: it generates two simulated clusters
// (3 + 3 nodes on 127.0.1.x and 127.0.2.x, node directories in the real ES
// formats), starts the real aggregator (embedded NATS with authentication
// and TLS) and one real agent daemon per node (each enrolled with its own
// credentials), prints the console URL, then plays faults from the guides —
// seeds on the transport port, a node missing the cross-cluster key, an
// untrusted CA, stale S3 keys on one node — printing each diagnosis as the
// aggregator opens it and fixing each until it resolves. Ctrl-C (or, with
// DEMO_EXIT=1, the end of the script) stops every process it started.
//
//	go run ./scripts/livedemo -bin bin -dir .demo
package main

import (
	"bufio"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/esdoctor/esdoctor/aggregator/api"
	"github.com/esdoctor/esdoctor/internal/testkit/certgen"
	"github.com/esdoctor/esdoctor/internal/testkit/scenario"
	"github.com/esdoctor/esdoctor/shared/diagnosis"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGINT, syscall.SIGTERM)
	defer stop()
	o := Options{Out: os.Stdout, Exit: os.Getenv("DEMO_EXIT") == "1"}
	flag.StringVar(&o.Bin, "bin", "bin", "directory of esdoctor-aggregator and esdoctor-agent")
	flag.StringVar(&o.Dir, "dir", ".demo", "work directory (emptied first): node directories, agent configs, logs")
	flag.StringVar(&o.Listen, "listen", "127.0.0.1:9800", "the aggregator's HTTP address (console and API)")
	flag.StringVar(&o.NATSListen, "nats-listen", "127.0.0.1:4222", "the embedded NATS server's address")
	flag.DurationVar(&o.StepTimeout, "step-timeout", 45*time.Second, "longest wait for a diagnosis to open or resolve")
	flag.DurationVar(&o.Pause, "pause", 3*time.Second, "pause before each fault and each fix")
	flag.Parse()
	if err := Run(ctx, o); err != nil {
		fmt.Fprintln(os.Stderr, "demo:", err)
		os.Exit(1)
	}
}

// Options of one demo run.
type Options struct {
	Bin, Dir           string
	Listen, NATSListen string
	// Exit ends the demo after the script instead of waiting for Ctrl-C.
	Exit        bool
	StepTimeout time.Duration
	// Pause before each fault and each fix, for the watcher.
	Pause time.Duration
	Out   io.Writer
}

var key = scenario.APIKey{ID: "demoCrossClusterKey1", Secret: "demo-not-a-real-secret"}

// Run plays the demo until the script ends (o.Exit) or ctx ends. Every
// process it started is stopped before it returns.
func Run(ctx context.Context, o Options) (err error) {
	if o.StepTimeout == 0 {
		o.StepTimeout = 45 * time.Second
	}
	var tb *demoTB
	defer func() {
		if r := recover(); r != nil {
			if tb == nil || tb.failed == nil {
				panic(r)
			}
			err = tb.failed
		}
	}()
	started := time.Now()
	say := func(format string, a ...any) { fmt.Fprintf(o.Out, format+"\n", a...) }
	if err := os.RemoveAll(o.Dir); err != nil {
		return err
	}
	if err := os.MkdirAll(o.Dir, 0o755); err != nil {
		return err
	}
	dir, err := filepath.Abs(o.Dir)
	if err != nil {
		return err
	}
	for _, hp := range []string{o.Listen, o.NATSListen} {
		l, err := net.Listen("tcp", hp)
		if err != nil {
			return fmt.Errorf("%s is busy (another aggregator or demo running?): %w", hp, err)
		}
		l.Close()
	}

	// Two clusters in the real formats, healthy to begin with.
	tb = &demoTB{dir: filepath.Join(dir, "nodes")}
	w := scenario.New(tb)
	local := w.Cluster("local", "local-1@127.0.1.1", "local-2@127.0.1.2", "local-3@127.0.1.3")
	remote := w.Cluster("remote", "remote-1@127.0.2.1", "remote-2@127.0.2.2", "remote-3@127.0.2.3")
	local.TransportTLS()
	remote.TransportTLS().RemoteClusterServer()
	local.Link(remote, "my", key, 9443)
	for _, c := range []*scenario.Cluster{local, remote} {
		c.Each(func(n *scenario.Node) { n.Started() })
	}
	w.Build()
	if tb.failed != nil {
		return tb.failed
	}
	nodes := append(append([]*scenario.Node{}, local.Nodes...), remote.Nodes...)
	say("==> two clusters in %s: local (%s) and remote (%s), alias my, cross-cluster API key", filepath.Join(dir, "nodes"), hosts(local), hosts(remote))

	procs := &group{}
	defer func() {
		procs.stop()
		say("==> stopped the aggregator and %d agents (%s)", len(nodes), time.Since(started).Round(time.Second))
	}()

	// The aggregator: embedded NATS with authentication and TLS.
	aggBin, agentBin := filepath.Join(o.Bin, "esdoctor-aggregator"), filepath.Join(o.Bin, "esdoctor-agent")
	data := filepath.Join(dir, "aggregator")
	if err := procs.start(filepath.Join(dir, "aggregator.log"), aggBin, "--data", data, "--listen", o.Listen,
		"--nats-listen", o.NATSListen, "--nats-tls", "--log-level", "info"); err != nil {
		return err
	}
	console := "http://" + o.Listen + "/"
	cl, err := api.NewClient("http://" + o.Listen)
	if err != nil {
		return err
	}
	if err := waitHealthy(ctx, o.Listen, 30*time.Second, procs); err != nil {
		return err
	}
	say("==> aggregator up: embedded NATS on %s (credentials required, TLS with its own CA)", o.NATSListen)

	// One enrolled agent per node.
	if err := os.WriteFile(filepath.Join(dir, "fingerprint.key"), []byte("demo-site-fingerprint-key\n"), 0o600); err != nil {
		return err
	}
	for _, n := range nodes {
		adir := filepath.Join(dir, "agents", n.Name)
		if err := os.MkdirAll(adir, 0o700); err != nil {
			return err
		}
		creds := filepath.Join(adir, "agent.creds")
		out, err := exec.CommandContext(ctx, aggBin, "enroll", "--data", data, "--cluster", n.C.Name, "--node", n.Name, "-o", creds).CombinedOutput()
		if err != nil {
			return fmt.Errorf("enroll %s/%s: %v: %s", n.C.Name, n.Name, err, out)
		}
		cfg := agentConfig(n, o.NATSListen, creds, filepath.Join(data, "auth", "ca.pem"), filepath.Join(dir, "fingerprint.key"), adir)
		if err := os.WriteFile(filepath.Join(adir, "agent.yml"), []byte(cfg), 0o600); err != nil {
			return err
		}
		if err := procs.start(filepath.Join(adir, "agent.log"), agentBin, "run", "--config", filepath.Join(adir, "agent.yml")); err != nil {
			return err
		}
	}
	say("==> %d agent daemons enrolled and started (each may publish only its own node's events)", len(nodes))
	say("")
	say("    console: %s", console)
	say("    CLI:     %s diagnoses --server http://%s", filepath.Join(o.Bin, "esdoctor"), o.Listen)
	say("")

	d := &driver{wait: o.Pause, ctx: ctx, cl: cl, say: say, timeout: o.StepTimeout, procs: procs}
	if err := d.waitNodes(len(nodes)); err != nil {
		return err
	}

	// The script: each fault, its diagnosis, its fix.
	caFile := "remote-cluster-ca.crt"
	goodCA, err := os.ReadFile(filepath.Join(local.Node("local-2").Conf, caFile))
	if err != nil {
		return fmt.Errorf("the local CA file: %w", err)
	}
	other, err := certgen.NewCA("Some Other CA")
	if err != nil {
		return err
	}
	faults := []fault{
		{
			what: "the local cluster's seeds point at the remote transport port 9300 (guide 003: use the remote cluster port 9443)",
			code: "transport-port-instead-of-remote-cluster-port",
			break_: func() {
				local.Link(remote, "my", key, 9300)
				local.Each(func(n *scenario.Node) { n.Rebuild() })
				// What ES then logs on both sides (guide 003, symptom 2).
				now := time.Now().UTC()
				local.Node("local-2").AppendLog(scenario.BadCertificate(now, "local-2", "127.0.1.2:60738", "127.0.2.1:9300", "_remote_cluster"))
				remote.Node("remote-1").AppendLog(scenario.EmptyChain(now, "remote-1", "127.0.2.1:9300", "127.0.1.2:60738", "default"))
			},
			sides:   []string{"local", "remote", "config"},
			fixWhat: "cluster.remote.my.seeds → 127.0.2.x:9443",
			fix: func() {
				local.Link(remote, "my", key, 9443)
				local.Each(func(n *scenario.Node) { n.Rebuild() })
			},
		},
		{
			what:    "local-3 lacks cluster.remote.my.credentials in its keystore (guide 003: every node needs it)",
			code:    "missing-cross-cluster-credentials",
			break_:  func() { local.Node("local-3").RemoveSecure("cluster.remote.my.credentials").Rebuild() },
			fixWhat: "elasticsearch-keystore add cluster.remote.my.credentials on local-3",
			fix:     func() { local.Node("local-3").Secure("cluster.remote.my.credentials", key.Encoded()).Rebuild() },
		},
		{
			what: "local-2 trusts another CA for the remote cluster server (remote_cluster_client.ssl.certificate_authorities)",
			code: "tls-untrusted-ca",
			break_: func() {
				local.Node("local-2").File(caFile, certgen.PEMCerts(other.Cert)).Rebuild()
			},
			fixWhat: "put the remote cluster's CA back in " + caFile + " on local-2",
			fix:     func() { local.Node("local-2").File(caFile, goodCA).Rebuild() },
		},
		{
			what: "remote-2 still has s3.client.default.access_key/secret_key in its keystore (field report 004: IAM role intended)",
			code: "s3-stale-keystore-credentials",
			break_: func() {
				remote.Node("remote-2").Secure("s3.client.default.access_key", "demo-old-access-key").
					Secure("s3.client.default.secret_key", "demo-old-secret-key").Rebuild()
			},
			fixWhat: "elasticsearch-keystore remove s3.client.default.access_key s3.client.default.secret_key on remote-2",
			fix: func() {
				remote.Node("remote-2").RemoveSecure("s3.client.default.access_key").RemoveSecure("s3.client.default.secret_key").Rebuild()
			},
		},
	}
	for i, f := range faults {
		if err := d.play(i+1, len(faults), f); err != nil {
			return err
		}
	}
	say("")
	say("==> script done in %s: %d faults diagnosed and resolved; the console keeps the resolved ones: %s", time.Since(started).Round(time.Second), len(faults), console)
	if o.Exit {
		return nil
	}
	say("    Ctrl-C stops the aggregator and the agents.")
	select {
	case <-ctx.Done():
	case err := <-procs.died:
		return err
	}
	return nil
}

type fault struct {
	what, code, fixWhat string
	break_, fix         func()
	// sides the diagnosis must show evidence from before it is printed
	// (the two agents' lines arrive independently).
	sides []string
}

type driver struct {
	wait    time.Duration
	ctx     context.Context
	cl      *api.Client
	say     func(string, ...any)
	timeout time.Duration
	procs   *group
}

// poll calls cond every 200 ms until it is true, ctx ends, a process dies
// or the step times out.
func (d *driver) poll(what string, cond func([]diagnosis.Diagnosis) bool) ([]diagnosis.Diagnosis, error) {
	deadline := time.Now().Add(d.timeout)
	for {
		ctx, cancel := context.WithTimeout(d.ctx, 5*time.Second)
		ds, err := d.cl.Diagnoses(ctx, api.Query{})
		cancel()
		if err == nil && cond(ds) {
			return ds, nil
		}
		if time.Now().After(deadline) {
			return nil, fmt.Errorf("timed out after %v waiting for %s (last: %v, %v)", d.timeout, what, err, scenario.Summary(ds))
		}
		select {
		case <-d.ctx.Done():
			return nil, d.ctx.Err()
		case err := <-d.procs.died:
			return nil, err
		case <-time.After(200 * time.Millisecond):
		}
	}
}

// pause lets a watcher read (and look at the console).
func (d *driver) pause() {
	select {
	case <-d.ctx.Done():
	case <-time.After(d.wait):
	}
}

func (d *driver) waitNodes(n int) error {
	deadline := time.Now().Add(d.timeout)
	for {
		ctx, cancel := context.WithTimeout(d.ctx, 5*time.Second)
		nodes, err := d.cl.Nodes(ctx)
		cancel()
		if err == nil && len(nodes) == n {
			break
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("only %d of %d nodes reported within %v (%v); see the agent logs", len(nodes), n, d.timeout, err)
		}
		select {
		case <-d.ctx.Done():
			return d.ctx.Err()
		case err := <-d.procs.died:
			return err
		case <-time.After(200 * time.Millisecond):
		}
	}
	if _, err := d.poll("a healthy start", func(ds []diagnosis.Diagnosis) bool { return len(ds) == 0 }); err != nil {
		return err
	}
	d.say("==> all %d agents reporting; no open diagnosis", n)
	return nil
}

func (d *driver) play(i, n int, f fault) error {
	d.say("")
	d.say("[%d/%d] fault: %s", i, n, f.what)
	t0 := time.Now()
	d.pause()
	f.break_()
	ds, err := d.poll(f.code, func(ds []diagnosis.Diagnosis) bool {
		dg := find(ds, f.code)
		if dg == nil {
			return false
		}
		for _, side := range f.sides {
			if !slices.ContainsFunc(dg.Evidence, func(e diagnosis.Evidence) bool { return e.Side == side }) {
				return false
			}
		}
		return true
	})
	if err != nil {
		return err
	}
	dg := find(ds, f.code)
	d.say("      diagnosis after %.1fs: %s  %s — %s", time.Since(t0).Seconds(), strings.ToUpper(dg.Severity), dg.Code, dg.Title)
	for i, e := range dg.Evidence {
		if i == 4 {
			d.say("      evidence: … %d more", len(dg.Evidence)-i)
			break
		}
		text := strings.Join(strings.Fields(e.Text), " ")
		if len(text) > 110 {
			text = text[:110] + "…"
		}
		d.say("      evidence [%s %s/%s] %s", e.Side, e.Cluster, e.Node, text)
	}
	d.say("      nodes to fix: %s", refs(dg.Fix.Nodes))
	d.say("      fix: %s", dg.Fix.Summary)
	for _, c := range dg.Fix.Commands {
		d.say("        $ %s", c)
	}
	d.pause()
	d.say("      fixing: %s", f.fixWhat)
	t1 := time.Now()
	f.fix()
	if _, err := d.poll(f.code+" resolved", func(ds []diagnosis.Diagnosis) bool { return len(ds) == 0 }); err != nil {
		return err
	}
	d.say("      resolved after %.1fs", time.Since(t1).Seconds())
	return nil
}

func find(ds []diagnosis.Diagnosis, code string) *diagnosis.Diagnosis {
	for i := range ds {
		if ds[i].Code == code {
			return &ds[i]
		}
	}
	return nil
}

func refs(rs []diagnosis.NodeRef) string {
	var out []string
	for _, r := range rs {
		out = append(out, r.Cluster+"/"+r.Node)
	}
	return strings.Join(out, ", ")
}

func hosts(c *scenario.Cluster) string {
	var out []string
	for _, n := range c.Nodes {
		out = append(out, n.Name+"@"+n.Host)
	}
	return strings.Join(out, " ")
}

func agentConfig(n *scenario.Node, natsAddr, creds, ca, fpKey, state string) string {
	var b strings.Builder
	fmt.Fprintf(&b, "nats:\n  url: nats://%s\n  creds_file: %s\n  ca_file: %s\n", natsAddr, creds, ca)
	fmt.Fprintf(&b, "node:\n  path_conf: %s\n  path_logs: %s\n", n.Conf, n.Logs)
	if cs := n.Options().ClusterSettings; cs != "" {
		fmt.Fprintf(&b, "  cluster_settings_file: %s\n", cs)
	}
	fmt.Fprintf(&b, "fingerprint_key_file: %s\nstate_dir: %s\nagent: agent-%s\n", fpKey, filepath.Join(state, "state"), n.Name)
	b.WriteString("heartbeat_interval: 2s\ninspect_interval: 1h\nlogs:\n  timezone: UTC\n")
	return b.String()
}

func waitHealthy(ctx context.Context, addr string, d time.Duration, procs *group) error {
	deadline := time.Now().Add(d)
	for {
		resp, err := http.Get("http://" + addr + api.PathHealth)
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return nil
			}
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("the aggregator on %s is not ready after %v (%v)", addr, d, err)
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case err := <-procs.died:
			return err
		case <-time.After(100 * time.Millisecond):
		}
	}
}

// group is the processes the demo started; stop ends them all.
type group struct {
	mu    sync.Mutex
	cmds  []*exec.Cmd
	done  []chan struct{}
	died  chan error
	quiet bool
}

func (g *group) start(logPath, bin string, args ...string) error {
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.died == nil {
		g.died = make(chan error, 64)
	}
	logf, err := os.Create(logPath)
	if err != nil {
		return err
	}
	cmd := exec.Command(bin, args...)
	cmd.Stdout, cmd.Stderr = logf, logf
	// Its own process group: a Ctrl-C reaches only the demo, which stops
	// the children in order.
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := cmd.Start(); err != nil {
		logf.Close()
		return fmt.Errorf("start %s: %w", bin, err)
	}
	done := make(chan struct{})
	g.cmds = append(g.cmds, cmd)
	g.done = append(g.done, done)
	go func() {
		err := cmd.Wait()
		logf.Close()
		close(done)
		g.mu.Lock()
		quiet := g.quiet
		g.mu.Unlock()
		if !quiet {
			g.died <- fmt.Errorf("%s exited (%v); see %s:\n%s", filepath.Base(bin), err, logPath, tail(logPath, 5))
		}
	}()
	return nil
}

// stop sends SIGTERM to every process (agents first, the aggregator last),
// waits up to 10 s each, then kills what is left.
func (g *group) stop() {
	g.mu.Lock()
	g.quiet = true
	cmds, done := g.cmds, g.done
	g.mu.Unlock()
	for i := len(cmds) - 1; i >= 0; i-- {
		_ = cmds[i].Process.Signal(syscall.SIGTERM)
		select {
		case <-done[i]:
		case <-time.After(10 * time.Second):
			_ = cmds[i].Process.Kill()
			<-done[i]
		}
	}
}

func tail(path string, n int) string {
	f, err := os.Open(path)
	if err != nil {
		return ""
	}
	defer f.Close()
	var lines []string
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	for sc.Scan() {
		lines = append(lines, sc.Text())
		if len(lines) > n {
			lines = lines[1:]
		}
	}
	return strings.Join(lines, "\n")
}

// demoTB lets the scenario kit (made for tests) build the demo's node
// directories: temporary directories under dir, failures recorded.
type demoTB struct {
	testing.TB
	dir    string
	n      int
	failed error
}

func (t *demoTB) Helper() {}
func (t *demoTB) TempDir() string {
	t.n++
	d := filepath.Join(t.dir, fmt.Sprintf("%03d", t.n))
	if err := os.MkdirAll(d, 0o755); err != nil {
		t.Fatal(err)
	}
	return d
}
func (t *demoTB) Fatal(a ...any)            { t.fail(fmt.Sprint(a...)) }
func (t *demoTB) Fatalf(f string, a ...any) { t.fail(fmt.Sprintf(f, a...)) }
func (t *demoTB) Error(a ...any)            { t.fail(fmt.Sprint(a...)) }
func (t *demoTB) Errorf(f string, a ...any) { t.fail(fmt.Sprintf(f, a...)) }
func (t *demoTB) Log(a ...any)              {}
func (t *demoTB) Logf(f string, a ...any)   {}
func (t *demoTB) Cleanup(func())            {}
func (t *demoTB) Name() string              { return "demo" }
func (t *demoTB) fail(msg string) {
	if t.failed == nil {
		t.failed = errors.New("building the node directories: " + msg)
	}
	panic(t.failed)
}
