package e2e

import (
	"context"
	"encoding/json"
	"net"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/esdoctor/esdoctor/aggregator"
	"github.com/esdoctor/esdoctor/aggregator/api"
	"github.com/esdoctor/esdoctor/internal/testkit/scenario"
	"github.com/esdoctor/esdoctor/shared/diagnosis"
)

// listenOn opens a TCP listener on host:port (port 0: any) that accepts
// and closes connections.
func listenOn(t *testing.T, host string, port int) int {
	t.Helper()
	l, err := net.Listen("tcp", net.JoinHostPort(host, strconv.Itoa(port)))
	if err != nil {
		t.Skipf("cannot listen on %s:%d: %v", host, port, err)
	}
	t.Cleanup(func() { l.Close() })
	go func() {
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			c.Close()
		}
	}()
	return l.Addr().(*net.TCPAddr).Port
}

// Three real agents probe their peers (discovery.seed_hosts): node-3's
// transport port is closed, so node-1 and node-2 cannot reach it. The
// aggregator diagnoses node-port-unreachable for both pairs and `esdoctor
// ports` shows them, with no log line anywhere.
func TestLivePortsMatrix(t *testing.T) {
	transport := listenOn(t, "127.0.2.1", 0)
	listenOn(t, "127.0.2.2", transport)
	httpPort := listenOn(t, "127.0.2.1", 0)
	listenOn(t, "127.0.2.2", httpPort)
	listenOn(t, "127.0.2.3", httpPort)

	w := scenario.New(t)
	prod := w.Cluster("prod", "node-1@127.0.2.1", "node-2@127.0.2.2", "node-3@127.0.2.3")
	prod.Each(func(n *scenario.Node) {
		n.YML("transport.port: "+strconv.Itoa(transport), "http.port: "+strconv.Itoa(httpPort),
			`discovery.seed_hosts: ["127.0.2.1", "127.0.2.2", "127.0.2.3"]`)
	})
	w.Build()
	agg := start(t, aggregator.Options{Durable: "ports"})
	startAgents(t, agg, prod.Nodes)

	blocked := "127.0.2.3:" + strconv.Itoa(transport)
	want := []string{"node-port-unreachable [prod] alias= fix=prod/node-1,prod/node-3", "node-port-unreachable [prod] alias= fix=prod/node-2,prod/node-3"}
	ds := waitDiagnosis(t, agg, "node-port-unreachable for both pairs", func(ds []diagnosis.Diagnosis) bool {
		return has(ds, want[0]) && has(ds, want[1])
	})
	if len(ds) != 2 {
		t.Errorf("diagnoses: %v, want only %v", scenario.Summary(ds), want)
	}
	for _, d := range ds {
		if d.Facts["target"] != blocked {
			t.Errorf("%s: target %v, want %s", d.Code, d.Facts["target"], blocked)
		}
	}

	// The API's matrix and the CLI.
	var m api.PortMatrix
	waitFor(t, 20*time.Second, func() bool {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		var err error
		m, err = agg.client.Ports(ctx, "prod")
		return err == nil && len(m.Pairs) == 12 // 3 nodes × 2 peers × (transport, http)
	}, func() string { b, _ := json.Marshal(m); return "matrix of 12 pairs; now " + string(b) })
	if m.Blocked != 2 {
		t.Errorf("blocked %d, want 2: %+v", m.Blocked, m.Pairs)
	}
	for _, p := range m.Pairs {
		bad := p.To == "node-3" && p.Port == "transport"
		if p.OK == bad || (bad && p.ErrorKind != "refused") {
			t.Errorf("pair %+v", p)
		}
	}
	out, _, code := esdoctor(t, "ports", "prod", "--server", "http://"+agg.HTTPAddr(), "--format", "text")
	if code != 1 {
		t.Errorf("esdoctor ports: exit %d, want 1 (blocked pairs)", code)
	}
	for _, from := range []string{"node-1", "node-2"} {
		found := false
		for _, line := range strings.Split(out, "\n") {
			f := strings.Fields(line)
			if len(f) >= 5 && f[0] == from && f[1] == "node-3" && f[2] == "transport" && f[3] == blocked && f[4] == "BLOCKED" {
				found = true
			}
		}
		if !found {
			t.Errorf("esdoctor ports: no blocked %s -> node-3 transport line:\n%s", from, out)
		}
	}
	if _, errOut, code := esdoctor(t, "ports", "nosuch", "--server", "http://"+agg.HTTPAddr()); code != 2 || !strings.Contains(errOut, "nosuch") {
		t.Errorf("unknown cluster: exit %d, stderr %q", code, errOut)
	}
}
