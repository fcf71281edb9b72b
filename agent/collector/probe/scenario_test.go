package probe_test

import (
	"context"
	"crypto/tls"
	"net"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/esdoctor/esdoctor/agent/collect"
	"github.com/esdoctor/esdoctor/agent/collector/probe"
	"github.com/esdoctor/esdoctor/agent/inspect"
	"github.com/esdoctor/esdoctor/aggregator/analyze"
	"github.com/esdoctor/esdoctor/internal/testkit/certgen"
	"github.com/esdoctor/esdoctor/internal/testkit/scenario"
	"github.com/esdoctor/esdoctor/shared/diagnosis"
	"github.com/esdoctor/esdoctor/shared/event"
)

// liveEvents inspects every node and probes from it, as the agent does,
// and returns the snapshots and probe events (no log line anywhere).
func liveEvents(t *testing.T, w *scenario.World, nodes ...*scenario.Node) []*event.Envelope {
	t.Helper()
	w.Build()
	var es []*event.Envelope
	set := probe.New(probe.Options{ConnectTimeout: time.Second, HandshakeTimeout: 700 * time.Millisecond, Spacing: -1, ProcSys: t.TempDir()})
	for _, n := range nodes {
		res, err := inspect.Inspect(context.Background(), n.Options())
		if err != nil {
			t.Fatal(err)
		}
		es = append(es, collect.SnapshotEvent(res.Snapshot, "agent-"+n.Name))
		es = append(es, probe.Events(res.Snapshot, "agent-"+n.Name, set.Run(context.Background(), probe.FromInspect(res)), time.Now())...)
	}
	return es
}

func expect(t *testing.T, ds []diagnosis.Diagnosis, want ...string) {
	t.Helper()
	got := scenario.Summary(ds)
	if len(got) != len(want) {
		t.Errorf("diagnoses %q, want %q", got, want)
		for _, d := range ds {
			t.Logf("%s: %s", d.Code, d.Explanation)
			for _, e := range d.Evidence {
				t.Logf("   [%s %s/%s] %.300s", e.Side, e.Cluster, e.Node, e.Text)
			}
		}
		return
	}
	for i := range got {
		if got[i] != want[i] {
			t.Errorf("diagnosis %d: %q, want %q", i, got[i], want[i])
		}
	}
}

// Every code a probe catches is diagnosed from the local cluster's agent
// alone, before the first query, with no log line and no agent on the
// remote cluster.
func TestLiveProbeDiagnosesWithoutLogs(t *testing.T) {
	other, err := certgen.NewCA("Some Other CA")
	if err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name  string
		serve func(t *testing.T, remote *scenario.Cluster) string
		want  string
	}{
		{"right CA", func(t *testing.T, r *scenario.Cluster) string {
			return serveTLS(t, "127.0.1.2", certgen.ServerTLSConfig(issue(t, r.RemoteCA, "remote-1", certgen.IPs("127.0.1.2"))))
		}, ""},
		{"wrong CA", func(t *testing.T, r *scenario.Cluster) string {
			return serveTLS(t, "127.0.1.2", certgen.ServerTLSConfig(issue(t, other, "remote-1", certgen.IPs("127.0.1.2"))))
		}, "tls-untrusted-ca [local] alias=my fix=local/local-1"},
		{"wrong SAN", func(t *testing.T, r *scenario.Cluster) string {
			return serveTLS(t, "127.0.1.2", certgen.ServerTLSConfig(issue(t, r.RemoteCA, "remote-1", certgen.DNS("remote-1.example.com"))))
		}, "tls-hostname-mismatch [local] alias=my fix=local/local-1"},
		{"expired", func(t *testing.T, r *scenario.Cluster) string {
			return serveTLS(t, "127.0.1.2", certgen.ServerTLSConfig(issue(t, r.RemoteCA, "remote-1", certgen.IPs("127.0.1.2"),
				certgen.Validity(time.Now().Add(-90*24*time.Hour), time.Now().Add(-time.Hour)))))
		}, "tls-certificate-expired [local] alias=my fix=local/local-1"},
		{"transport certificate on the seed port", func(t *testing.T, r *scenario.Cluster) string {
			cfg := certgen.ServerTLSConfig(issue(t, r.TransportCA, "remote-1", certgen.IPs("127.0.1.2")))
			cfg.ClientAuth = tls.RequireAndVerifyClientCert
			cfg.ClientCAs = certgen.Pool(r.TransportCA.Cert)
			return serveTLS(t, "127.0.1.2", cfg)
		}, "transport-port-instead-of-remote-cluster-port [local] alias=my fix=local/local-1"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			w, n, remote := apiKeyNode(t)
			n.C.Settings["cluster.remote.my.seeds"] = []string{c.serve(t, remote)}
			ds := analyze.Events(context.Background(), liveEvents(t, w, n), analyze.Options{})
			if c.want == "" {
				expect(t, ds)
			} else {
				expect(t, ds, c.want)
			}
		})
	}
}

// With agents on both clusters the probe's finding joins the remote
// cluster's name and names the remote node to fix.
func TestLiveProbeWithRemoteAgent(t *testing.T) {
	w := scenario.New(t)
	local := w.Cluster("local", "local-1@127.0.0.2")
	remote := w.Cluster("remote", "remote-1@127.0.1.2")
	local.TransportTLS()
	remote.TransportTLS()
	remote.RemoteServerOn(remote.Node("remote-1"), certgen.DNS("remote-1.example.com"))
	// The remote cluster server: its real certificate (no IP SAN) on a port
	// of the test's choosing, which its yml names.
	leaf := issue(t, remote.RemoteCA, "remote-1", certgen.DNS("remote-1.example.com"))
	addr := serveTLS(t, "127.0.1.2", certgen.ServerTLSConfig(leaf))
	_, port, _ := net.SplitHostPort(addr)
	remote.Node("remote-1").YML("remote_cluster.port: " + port)
	p, _ := strconv.Atoi(port)
	local.Link(remote, "my", key, p)
	ds := analyze.Events(context.Background(), liveEvents(t, w, local.Node("local-1"), remote.Node("remote-1")), analyze.Options{})
	expect(t, ds, "tls-hostname-mismatch [local,remote] alias=my fix=remote/remote-1")
	for _, d := range ds {
		found := false
		for _, e := range d.Evidence {
			if e.Side == diagnosis.SideProbe {
				found = true
			}
		}
		if !found {
			t.Errorf("%s: no probe evidence", d.Code)
		}
	}
}

// A refused or filtered probe alone opens nothing (the remote may be down
// for maintenance), but it confirms and explains the connect_exception the
// local log shows: nothing listens (refused) or TCP is answered but TLS is
// not.
func TestLiveProbeConfirmsRemoteUnreachable(t *testing.T) {
	for _, c := range []struct {
		name, kind string
		serve      func(t *testing.T) string
	}{
		{"nothing listening", "refused", func(t *testing.T) string { return closedPort(t, "127.0.1.2") }},
		{"no TLS answer", "tls-timeout", func(t *testing.T) string { return serveSilent(t, "127.0.1.2") }},
	} {
		t.Run(c.name, func(t *testing.T) {
			w, n, _ := apiKeyNode(t)
			addr := c.serve(t)
			n.C.Settings["cluster.remote.my.seeds"] = []string{addr}
			alone := analyze.Events(context.Background(), liveEvents(t, w, n), analyze.Options{})
			expect(t, alone)

			n.Log(scenario.ConnectFailed(w.At(time.Minute), "local-1", "sniff", "my", addr))
			w.Build()
			b, err := collect.Collect(context.Background(), collect.Options{Inspect: n.Options(), Location: time.UTC, Agent: "agent-local-1"})
			if err != nil {
				t.Fatal(err)
			}
			es := append(b.Events, liveEvents(t, w, n)...)
			ds := analyze.Events(context.Background(), es, analyze.Options{})
			expect(t, ds, "remote-unreachable [local] alias=my fix=local/local-1")
			if len(ds) == 1 && ds[0].Facts["error_kind"] != c.kind {
				t.Errorf("error_kind %v, want %s", ds[0].Facts["error_kind"], c.kind)
			}
		})
	}
}

// `_remote/info` saying connected: false opens nothing alone, but joins the
// diagnosis that explains it as evidence.
func TestRemoteInfoConfirms(t *testing.T) {
	other, err := certgen.NewCA("Some Other CA")
	if err != nil {
		t.Fatal(err)
	}
	api := func(n *scenario.Node) *event.Envelope {
		return &event.Envelope{Schema: 1, ID: "esapi-" + n.Name, Kind: event.KindProbe, Cluster: "local", Node: n.Name, Time: time.Now(),
			Probe: &event.Probe{Kind: "esapi", Target: "https://127.0.0.2:9200", Purpose: probe.PurposeLocalAPI, OK: true,
				Facts: map[string]string{"remote_info.my.connected": "false", "remote_info.my.mode": "sniff", "remote_info.my.num_connected": "0",
					"resolve.my.error": "Request timed out before receiving a response from the remote cluster"}}}
	}
	w, n, remote := apiKeyNode(t)
	n.C.Settings["cluster.remote.my.seeds"] = []string{serveTLS(t, "127.0.1.2", certgen.ServerTLSConfig(issue(t, remote.RemoteCA, "remote-1", certgen.IPs("127.0.1.2"))))}
	expect(t, analyze.Events(context.Background(), append(liveEvents(t, w, n), api(n)), analyze.Options{}))

	n.C.Settings["cluster.remote.my.seeds"] = []string{serveTLS(t, "127.0.1.3", certgen.ServerTLSConfig(issue(t, other, "remote-1", certgen.IPs("127.0.1.3"))))}
	ds := analyze.Events(context.Background(), append(liveEvents(t, w, n), api(n)), analyze.Options{})
	expect(t, ds, "tls-untrusted-ca [local] alias=my fix=local/local-1")
	found := false
	for _, d := range ds {
		for _, e := range d.Evidence {
			if strings.Contains(e.Text, "GET _remote/info on local-1: cluster.remote.my connected: false") && strings.Contains(e.Text, "Request timed out") {
				found = true
			}
		}
	}
	if !found {
		t.Errorf("no _remote/info evidence in %+v", ds)
	}
}
