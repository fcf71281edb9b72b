//go:build linux

package probe_test

import (
	"context"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/esdoctor/esdoctor/agent/collect"
	"github.com/esdoctor/esdoctor/agent/collector/probe"
	"github.com/esdoctor/esdoctor/agent/inspect"
	"github.com/esdoctor/esdoctor/aggregator"
	"github.com/esdoctor/esdoctor/aggregator/analyze"
	"github.com/esdoctor/esdoctor/aggregator/store"
	"github.com/esdoctor/esdoctor/internal/testkit/scenario"
)

const netnsEnv = "ESDOCTOR_PROBE_IN_NETNS"

// A port blocked by a filter that drops packets (field report 004's
// firewall): the test re-runs itself in a new network namespace (unshare
// -n, as root), where policy routing drops the SYNs to one peer's
// transport port. The probe times out ("timeout", not "refused"), the pair
// is diagnosed and the matrix marks it. Skipped where a namespace or veth links is
// not available.
func TestBlockedPortInNetworkNamespace(t *testing.T) {
	if os.Getenv(netnsEnv) == "" {
		if os.Geteuid() != 0 {
			t.Skip("needs root for a network namespace")
		}
		for _, tool := range []string{"unshare", "ip", "sysctl"} {
			if _, err := exec.LookPath(tool); err != nil {
				t.Skipf("%s not installed", tool)
			}
		}
		if err := exec.Command("unshare", "-n", "true").Run(); err != nil {
			t.Skipf("cannot create a network namespace: %v", err)
		}
		cmd := exec.Command("unshare", "-n", os.Args[0], "-test.run=^TestBlockedPortInNetworkNamespace$", "-test.v", "-test.count=1")
		cmd.Env = append(os.Environ(), netnsEnv+"=1")
		out, err := cmd.CombinedOutput()
		if strings.Contains(string(out), "--- SKIP") {
			t.Skipf("inside the namespace: %s", out)
		}
		if err != nil {
			t.Fatalf("in the namespace: %v\n%s", err, out)
		}
		t.Logf("%s", out)
		return
	}
	run := func(args ...string) {
		t.Helper()
		if out, err := exec.Command(args[0], args[1:]...).CombinedOutput(); err != nil {
			t.Skipf("%v: %v: %s", args, err, out)
		}
	}
	run("ip", "link", "set", "lo", "up")
	// Every node listens on 9300 (transport) and 9200 (HTTP): the
	// namespace is private, so the fixed ports are free.
	for _, h := range []string{"127.0.2.2", "127.0.2.3"} {
		for _, p := range []int{9300, 9200} {
			serveSilentOn(t, h+":"+strconv.Itoa(p))
		}
	}
	// The filter: policy routing sends TCP to 127.0.2.3:9300 into a veth
	// whose peer drops it (no answer, no RST: what a DROP rule does).
	// iptables/nft and tc actions are often missing; ip and veth are not.
	run("ip", "link", "add", "esd0", "type", "veth", "peer", "name", "esd1")
	run("ip", "link", "set", "esd0", "up")
	run("ip", "link", "set", "esd1", "up")
	run("sysctl", "-qw", "net.ipv4.conf.all.route_localnet=1")
	run("sysctl", "-qw", "net.ipv4.conf.esd0.route_localnet=1")
	run("ip", "rule", "add", "pref", "10", "to", "127.0.2.3", "ipproto", "tcp", "dport", "9300", "lookup", "100")
	run("ip", "rule", "add", "pref", "20", "lookup", "local")
	run("ip", "rule", "del", "pref", "0")
	run("ip", "route", "add", "127.0.2.3/32", "dev", "esd0", "table", "100")
	run("ip", "neigh", "add", "127.0.2.3", "lladdr", "02:00:00:00:00:99", "dev", "esd0", "nud", "permanent")

	w := scenario.New(t)
	prod := w.Cluster("prod", "node-1@127.0.2.1", "node-2@127.0.2.2", "node-3@127.0.2.3")
	prod.Each(func(n *scenario.Node) { n.YML(`discovery.seed_hosts: ["127.0.2.1", "127.0.2.2", "127.0.2.3"]`) })
	w.Build()
	n := prod.Node("node-1")
	res, err := inspect.Inspect(context.Background(), n.Options())
	if err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	ps := probe.New(probe.Options{ConnectTimeout: time.Second, Spacing: -1, ProcSys: t.TempDir()}).Run(context.Background(), probe.FromInspect(res))
	took := time.Since(start)
	got := byTarget(ps)
	if p := got["127.0.2.3:9300"]; p.OK || p.ErrorKind != "timeout" {
		t.Errorf("dropped port: %+v", p)
	}
	for _, ok := range []string{"127.0.2.2:9300", "127.0.2.2:9200", "127.0.2.3:9200"} {
		if !got[ok].OK {
			t.Errorf("%s: %+v", ok, got[ok])
		}
	}
	if took > 3*time.Second {
		t.Errorf("probes took %v: the connect timeout does not bound them", took)
	}

	// What the aggregator makes of it: the pair, and the matrix.
	var es []*storeEnvelope
	for _, m := range prod.Nodes {
		b, err := collect.Collect(context.Background(), collect.Options{Inspect: m.Options(), Location: time.UTC, Agent: "agent-" + m.Name})
		if err != nil {
			t.Fatal(err)
		}
		es = append(es, b.Events...)
	}
	es = append(es, probe.Events(res.Snapshot, "agent-node-1", ps, time.Now())...)
	expect(t, analyze.Events(context.Background(), es, analyze.Options{}), "node-port-unreachable [prod] alias= fix=prod/node-1,prod/node-3")
	st := store.New()
	for _, e := range es {
		if err := st.Apply(context.Background(), e); err != nil {
			t.Fatal(err)
		}
	}
	mx, ok := aggregator.PortMatrix(st.Nodes(), "prod")
	if !ok || mx.Blocked != 1 {
		t.Fatalf("matrix %+v", mx)
	}
	for _, p := range mx.Pairs {
		if !p.OK && (p.From != "node-1" || p.To != "node-3" || p.Port != "transport" || p.ErrorKind != "timeout") {
			t.Errorf("blocked pair %+v", p)
		}
	}
}
