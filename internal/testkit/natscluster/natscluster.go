// Package natscluster runs a NATS cluster for tests and benchmarks: n
// nats-server nodes (the embedded nats-server module, JetStream on each,
// routes between them) on 127.0.0.1, each in a process of its own, so that
// a node can be killed with SIGKILL — no graceful leader hand-over, as when
// a machine dies — and started again on the same ports and store.
//
// The node processes are the test binary itself, started again with
// NodeEnv set: the package's TestMain (or a benchmark's main) must call
// MaybeRunNode first thing.
//
//	func TestMain(m *testing.M) { natscluster.MaybeRunNode(); os.Exit(m.Run()) }
//
//	c := natscluster.Start(t, 3)         // stopped by t.Cleanup
//	nc, _ := nats.Connect(c.URLs())
//	c.Kill(1); ...; c.Restart(1)
//
// A node process also ends when its parent does (its stdin closes, and
// Pdeathsig), so nothing is left running after a crashed test.
package natscluster

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	"go.uber.org/zap"

	"github.com/esdoctor/esdoctor/shared/natsx"
)

// NodeEnv holds a node's JSON configuration in a node process.
const NodeEnv = "ESDOCTOR_NATSCLUSTER_NODE"

// LogEnv, when set (to anything), makes the node processes log to stderr.
const LogEnv = "ESDOCTOR_NATS_LOG"

// ClusterName is the name of every test cluster.
const ClusterName = "esdoctor-test"

// nodeConfig is what a node process is told.
type nodeConfig struct {
	Name       string   `json:"name"`
	ClientPort int      `json:"client_port"`
	RoutePort  int      `json:"route_port"`
	StoreDir   string   `json:"store_dir"`
	Routes     []string `json:"routes"`
}

// MaybeRunNode runs a cluster node and exits when NodeEnv is set; it
// returns at once otherwise.
func MaybeRunNode() {
	cfgJSON := os.Getenv(NodeEnv)
	if cfgJSON == "" {
		return
	}
	var cfg nodeConfig
	if err := json.Unmarshal([]byte(cfgJSON), &cfg); err != nil {
		fmt.Fprintf(os.Stderr, "natscluster: %s: %v\n", NodeEnv, err)
		os.Exit(2)
	}
	var log *zap.Logger
	if os.Getenv(LogEnv) != "" {
		log, _ = zap.NewDevelopment()
		log = log.With(zap.String("node", cfg.Name))
	}
	s, err := natsx.StartEmbedded(natsx.EmbeddedOptions{Host: "127.0.0.1", Port: cfg.ClientPort, StoreDir: cfg.StoreDir,
		ServerName: cfg.Name, Logger: log,
		Cluster: &natsx.ClusterOptions{Name: ClusterName, Port: cfg.RoutePort, Routes: cfg.Routes}})
	if err != nil {
		fmt.Fprintf(os.Stderr, "natscluster: node %s: %v\n", cfg.Name, err)
		os.Exit(2)
	}
	fmt.Fprintln(os.Stdout, "ready")
	// Until the parent closes stdin (it stops us, or it died).
	_, _ = io.Copy(io.Discard, os.Stdin)
	s.Shutdown()
	s.WaitForShutdown()
	os.Exit(0)
}

// Cluster is a running test cluster.
type Cluster struct {
	tb    testing.TB
	dir   string
	mu    sync.Mutex
	nodes []*Node
}

// Node is one node of the cluster.
type Node struct {
	Name                  string
	ClientPort, RoutePort int
	StoreDir              string
	cmd                   *exec.Cmd
	stdin                 io.WriteCloser
	done                  chan struct{}
}

// URL is the node's client URL.
func (n *Node) URL() string { return "nats://127.0.0.1:" + strconv.Itoa(n.ClientPort) }

// Start runs an n-node cluster and waits until every node accepts
// clients. The nodes are killed when the test ends.
func Start(tb testing.TB, n int) *Cluster {
	tb.Helper()
	if n < 1 {
		tb.Fatalf("natscluster: %d nodes", n)
	}
	ports := freePorts(tb, 2*n)
	c := &Cluster{tb: tb, dir: tb.TempDir()}
	for i := range n {
		c.nodes = append(c.nodes, &Node{Name: fmt.Sprintf("n%d", i+1), ClientPort: ports[2*i], RoutePort: ports[2*i+1],
			StoreDir: filepath.Join(c.dir, fmt.Sprintf("n%d", i+1))})
	}
	tb.Cleanup(c.Stop)
	for i := range c.nodes {
		c.start(i)
	}
	for i := range c.nodes {
		c.waitUp(i, 30*time.Second)
	}
	c.WaitJetStream(60 * time.Second)
	return c
}

// WaitJetStream waits until the cluster's JetStream answers (its meta
// group has elected a leader), so that streams can be created.
func (c *Cluster) WaitJetStream(d time.Duration) {
	c.tb.Helper()
	nc, err := nats.Connect(c.URLs(), nats.MaxReconnects(-1), nats.RetryOnFailedConnect(true))
	if err != nil {
		c.tb.Fatalf("natscluster: %v", err)
	}
	defer nc.Close()
	js, err := jetstream.New(nc)
	if err != nil {
		c.tb.Fatalf("natscluster: %v", err)
	}
	deadline := time.Now().Add(d)
	for {
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		_, err := js.AccountInfo(ctx)
		cancel()
		if err == nil {
			return
		}
		if time.Now().After(deadline) {
			c.tb.Fatalf("natscluster: JetStream not ready after %v: %v", d, err)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// Nodes returns the nodes.
func (c *Cluster) Nodes() []*Node { return c.nodes }

// Index returns the index of the node named name, or -1.
func (c *Cluster) Index(name string) int {
	for i, n := range c.nodes {
		if n.Name == name {
			return i
		}
	}
	return -1
}

// URLs is every node's client URL, comma-separated (what agents and
// aggregators are given).
func (c *Cluster) URLs() string {
	s := ""
	for i, n := range c.nodes {
		if i > 0 {
			s += ","
		}
		s += n.URL()
	}
	return s
}

func (c *Cluster) start(i int) {
	c.tb.Helper()
	n := c.nodes[i]
	var routes []string
	for j, o := range c.nodes {
		if j != i {
			routes = append(routes, "nats-route://127.0.0.1:"+strconv.Itoa(o.RoutePort))
		}
	}
	cfg, _ := json.Marshal(nodeConfig{Name: n.Name, ClientPort: n.ClientPort, RoutePort: n.RoutePort, StoreDir: n.StoreDir, Routes: routes})
	exe, err := os.Executable()
	if err != nil {
		c.tb.Fatalf("natscluster: %v", err)
	}
	cmd := exec.Command(exe, "-test.run=^$", "-test.bench=^$")
	cmd.Env = append(os.Environ(), NodeEnv+"="+string(cfg))
	cmd.Stderr = os.Stderr
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	stdin, err := cmd.StdinPipe()
	if err != nil {
		c.tb.Fatalf("natscluster: %v", err)
	}
	if err := cmd.Start(); err != nil {
		c.tb.Fatalf("natscluster: start node %s: %v", n.Name, err)
	}
	done := make(chan struct{})
	go func() { _ = cmd.Wait(); close(done) }()
	c.mu.Lock()
	n.cmd, n.stdin, n.done = cmd, stdin, done
	c.mu.Unlock()
}

// waitUp waits until node i accepts TCP connections on its client port.
func (c *Cluster) waitUp(i int, d time.Duration) {
	c.tb.Helper()
	n := c.nodes[i]
	deadline := time.Now().Add(d)
	for {
		conn, err := net.DialTimeout("tcp", "127.0.0.1:"+strconv.Itoa(n.ClientPort), time.Second)
		if err == nil {
			conn.Close()
			return
		}
		select {
		case <-n.done:
			c.tb.Fatalf("natscluster: node %s exited before accepting clients", n.Name)
		default:
		}
		if time.Now().After(deadline) {
			c.tb.Fatalf("natscluster: node %s does not accept clients after %v: %v", n.Name, d, err)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// Kill ends node i with SIGKILL and waits until the process is gone.
func (c *Cluster) Kill(i int) {
	c.mu.Lock()
	n := c.nodes[i]
	cmd, done := n.cmd, n.done
	n.cmd = nil
	c.mu.Unlock()
	if cmd == nil {
		return
	}
	_ = cmd.Process.Signal(syscall.SIGKILL)
	<-done
}

// Restart starts node i again (same name, ports and store) after a Kill
// and waits until it accepts clients.
func (c *Cluster) Restart(i int) {
	c.tb.Helper()
	c.Kill(i)
	c.start(i)
	c.waitUp(i, 30*time.Second)
}

// Stop ends every node: closing stdin lets it shut down, SIGKILL after 5 s.
func (c *Cluster) Stop() {
	var wg sync.WaitGroup
	for i := range c.nodes {
		c.mu.Lock()
		n := c.nodes[i]
		cmd, stdin, done := n.cmd, n.stdin, n.done
		n.cmd = nil
		c.mu.Unlock()
		if cmd == nil {
			continue
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			_ = stdin.Close()
			select {
			case <-done:
			case <-time.After(5 * time.Second):
				_ = cmd.Process.Signal(syscall.SIGKILL)
				<-done
			}
		}()
	}
	wg.Wait()
}

// freePorts picks n distinct free TCP ports on 127.0.0.1.
func freePorts(tb testing.TB, n int) []int {
	tb.Helper()
	var ls []net.Listener
	defer func() {
		for _, l := range ls {
			l.Close()
		}
	}()
	var ports []int
	for range n {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			tb.Fatalf("natscluster: %v", err)
		}
		ls = append(ls, l)
		ports = append(ports, l.Addr().(*net.TCPAddr).Port)
	}
	return ports
}
