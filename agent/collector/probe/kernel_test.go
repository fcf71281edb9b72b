package probe_test

import (
	"context"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/esdoctor/esdoctor/agent/collect"
	"github.com/esdoctor/esdoctor/agent/collector/probe"
	"github.com/esdoctor/esdoctor/agent/inspect"
	"github.com/esdoctor/esdoctor/aggregator/analyze"
	"github.com/esdoctor/esdoctor/internal/testkit/scenario"
	"github.com/esdoctor/esdoctor/shared/event"
)

// sysctlTree writes a /proc/sys-like tree.
func sysctlTree(t *testing.T, vals map[string]string) string {
	t.Helper()
	root := t.TempDir()
	for k, v := range vals {
		p := filepath.Join(root, strings.ReplaceAll(k, ".", "/"))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(v+"\n"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return root
}

func kernelProbe(t *testing.T, in *probe.Input, o probe.Options) event.Probe {
	t.Helper()
	for _, p := range probe.New(o).Probers {
		if p.Name() == "kernel" {
			ps := p.Probe(context.Background(), in, nil)
			if len(ps) != 1 {
				t.Fatalf("kernel probe: %d results", len(ps))
			}
			return ps[0]
		}
	}
	t.Fatal("no kernel prober")
	return event.Probe{}
}

// The sysctl values come from the tree, the node's keepalive settings from
// its yml, and malformed or missing values are errors naming the file.
func TestKernelSysctls(t *testing.T) {
	root := sysctlTree(t, map[string]string{"net.ipv4.tcp_keepalive_time": "7200", "net.ipv4.tcp_keepalive_intvl": "75",
		"net.ipv4.tcp_keepalive_probes": "9", "net.ipv4.tcp_retries2": "garbage\x00"})
	s := &event.Snapshot{Settings: map[string]event.Setting{"network.tcp.keep_alive": {Value: "false"}}}
	p := kernelProbe(t, &probe.Input{Snapshot: s}, probe.Options{ProcSys: root, Connections: func() ([]probe.Conn, error) { return nil, nil }})
	if p.Facts["net.ipv4.tcp_keepalive_time"] != "7200" || p.Facts["net.ipv4.tcp_keepalive_probes"] != "9" || p.Facts["network.tcp.keep_alive"] != "false" {
		t.Errorf("facts %v", p.Facts)
	}
	if _, ok := p.Facts["net.ipv4.tcp_retries2"]; ok || !strings.Contains(p.Error, "net.ipv4.tcp_retries2") || !strings.Contains(p.Error, "not a number") {
		t.Errorf("malformed tcp_retries2: facts %v error %q", p.Facts, p.Error)
	}
	p = kernelProbe(t, &probe.Input{Snapshot: s}, probe.Options{ProcSys: t.TempDir()})
	if !strings.Contains(p.Error, "tcp_keepalive_time") || !strings.Contains(p.Error, "no such file") {
		t.Errorf("missing tree: %q", p.Error)
	}
}

// Live connections read through netlink inet_diag: one connection to a
// remote port with SO_KEEPALIVE (its keepalive timer runs, as `ss -o`
// shows "timer:(keepalive,...)") and one without.
func TestKernelConnectionsKeepalive(t *testing.T) {
	l1, err := net.Listen("tcp", "127.0.3.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l1.Close()
	port := l1.Addr().(*net.TCPAddr).Port
	l2, err := net.Listen("tcp", "127.0.3.2:"+strconv.Itoa(port))
	if err != nil {
		t.Skipf("port %d not free on 127.0.3.2: %v", port, err)
	}
	defer l2.Close()
	for _, l := range []net.Listener{l1, l2} {
		go func() {
			for {
				c, err := l.Accept()
				if err != nil {
					return
				}
				defer c.Close()
			}
		}()
	}
	on, err := (&net.Dialer{KeepAlive: 30 * time.Second}).Dial("tcp", l1.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer on.Close()
	off, err := (&net.Dialer{KeepAlive: -1}).Dial("tcp", l2.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer off.Close()
	time.Sleep(50 * time.Millisecond)

	s := &event.Snapshot{Settings: map[string]event.Setting{}, Remotes: []event.Remote{{Alias: "my", Mode: "sniff",
		Seeds: []string{l1.Addr().String(), l2.Addr().String()}}}}
	p := kernelProbe(t, &probe.Input{Snapshot: s}, probe.Options{ProcSys: t.TempDir()})
	if strings.Contains(p.Error, "inet_diag") {
		t.Skipf("inet_diag unavailable here: %s", p.Error)
	}
	if p.Facts["remote_connections"] != "2" || p.Facts["remote_connections_keepalive"] != "1" ||
		p.Facts["remote_connections_without_keepalive"] != l2.Addr().String() {
		t.Errorf("connection facts %v", p.Facts)
	}
}

// connection-unreliable names the kernel values of the nodes involved that
// differ from guide 001's.
func TestConnectionUnreliableNamesKernelValues(t *testing.T) {
	w, n, _ := apiKeyNode(t, "127.0.1.2:9443")
	n.Log(scenario.ClosedByRemote(w.At(time.Hour), "local-1", "remote-1", "127.0.1.2:9443"),
		scenario.ClosedByRemote(w.At(2*time.Hour), "local-1", "remote-1", "127.0.1.2:9443"))
	w.Build()
	b, err := collect.Collect(context.Background(), collect.Options{Inspect: n.Options(), Location: time.UTC, Agent: "agent-local-1"})
	if err != nil {
		t.Fatal(err)
	}
	res, err := inspect.Inspect(context.Background(), n.Options())
	if err != nil {
		t.Fatal(err)
	}
	root := sysctlTree(t, map[string]string{"net.ipv4.tcp_keepalive_time": "7200", "net.ipv4.tcp_keepalive_intvl": "60",
		"net.ipv4.tcp_keepalive_probes": "5", "net.ipv4.tcp_retries2": "15"})
	kp := kernelProbe(t, probe.FromInspect(res), probe.Options{ProcSys: root, Connections: func() ([]probe.Conn, error) { return nil, nil }})
	es := append(b.Events, probe.Events(res.Snapshot, "agent-local-1", []event.Probe{kp}, time.Now())...)
	ds := analyze.Events(context.Background(), es, analyze.Options{})
	expect(t, ds, "connection-unreliable [local] alias=my fix=local/local-1")
	if len(ds) != 1 {
		return
	}
	diff, _ := ds[0].Facts["kernel_values_differing_from_guide"].(map[string]any)
	if len(diff) != 2 || diff["local/local-1 net.ipv4.tcp_keepalive_time"] == nil || diff["local/local-1 net.ipv4.tcp_retries2"] == nil {
		t.Errorf("kernel facts: %v", ds[0].Facts)
	}
	if !strings.Contains(ds[0].Explanation, "kernel probes") {
		t.Errorf("explanation: %s", ds[0].Explanation)
	}
}
