package main

import (
	"bytes"
	"flag"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/esdoctor/esdoctor/aggregator/api"
	"github.com/esdoctor/esdoctor/shared/cli"
	"github.com/esdoctor/esdoctor/shared/diagnosis"
)

var update = flag.Bool("update", false, "rewrite the golden files")

// run runs one esdoctor command in process with stdin.
func run(t *testing.T, stdin string, args ...string) (string, string, int) {
	t.Helper()
	var out, errb bytes.Buffer
	if len(args) == 0 {
		return "", "", cli.Main("esdoctor", "the esdoctor console", commands, args, &out, &errb)
	}
	for _, c := range commands {
		if c.Name == args[0] {
			env := &cli.Env{Stdout: &out, Stderr: &errb, Stdin: strings.NewReader(stdin), Prog: "esdoctor " + c.Name}
			code := c.Run(env, args[1:])
			return out.String(), errb.String(), code
		}
	}
	code := cli.Main("esdoctor", "the esdoctor console", commands, args, &out, &errb)
	return out.String(), errb.String(), code
}

// oneLine asserts a usage/input error: exit 2 and one line on stderr
// naming want.
func oneLine(t *testing.T, what, stderr string, code int, want string) {
	t.Helper()
	if code != cli.ExitUsage || strings.Count(strings.TrimRight(stderr, "\n"), "\n") != 0 || !strings.Contains(stderr, want) {
		t.Errorf("%s: exit %d, stderr %q; want exit 2 and one line with %q", what, code, stderr, want)
	}
}

// golden compares got with testdata/name (rewritten with -update).
func golden(t *testing.T, name, got string) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run with -update to create it)", err)
	}
	if string(want) != got {
		t.Errorf("%s differs (run with -update to accept):\n--- got\n%s\n--- want\n%s", path, got, want)
	}
}

// fakeSource answers like an aggregator with fixed diagnoses.
type fakeSource struct{ ds []diagnosis.Diagnosis }

func (f *fakeSource) Ready() bool { return true }
func (f *fakeSource) Diagnoses(q api.Query) []diagnosis.Diagnosis {
	out := []diagnosis.Diagnosis{}
	for _, d := range f.ds {
		if (q.State == api.StateAll || d.State == q.State) && (q.Code == "" || d.Code == q.Code) &&
			(q.Cluster == "" || strings.Contains(strings.Join(d.Clusters, ","), q.Cluster)) {
			out = append(out, d)
		}
	}
	return out
}
func (f *fakeSource) Diagnosis(id string) (diagnosis.Diagnosis, bool) {
	for _, d := range f.ds {
		if d.ID == id {
			return d, true
		}
	}
	return diagnosis.Diagnosis{}, false
}
func (f *fakeSource) Nodes() []api.Node {
	t := sample().LastSeen
	return []api.Node{{Cluster: "local", Node: "local-1", Host: "127.0.0.2", ESVersion: "8.13.4", Agent: "agent-local-1", LastSnapshot: &t, Symptoms: 1}}
}
func (f *fakeSource) Health() api.Health { return api.Health{Status: "ok"} }

func serveFake(t *testing.T, ds ...diagnosis.Diagnosis) string {
	t.Helper()
	srv := httptest.NewServer(api.NewHandler(&fakeSource{ds: ds}, api.HandlerOptions{}))
	t.Cleanup(srv.Close)
	return srv.URL
}

// sample is a diagnosis with evidence from every side.
func sample() diagnosis.Diagnosis {
	t1 := time.Date(2024, 5, 1, 10, 1, 0, 0, time.UTC)
	t2 := time.Date(2024, 5, 1, 10, 2, 0, 0, time.UTC)
	return diagnosis.Diagnosis{
		ID: "10d835ae2521aa977657511fe9156059", Code: "transport-port-instead-of-remote-cluster-port", Severity: "error",
		Title:       "The local cluster connects to the remote transport port instead of the remote cluster port",
		Explanation: "With API-key authentication the local cluster must connect to the remote cluster server port (remote_cluster.port, default 9443), not the transport port (transport.port, default 9300).",
		Clusters:    []string{"local", "remote"}, Alias: "my",
		Nodes: []diagnosis.NodeRef{{Cluster: "local", Node: "local-1"}, {Cluster: "local", Node: "local-2"}, {Cluster: "remote", Node: "remote-1"}},
		Evidence: []diagnosis.Evidence{
			{Side: "local", Cluster: "local", Node: "local-2", File: "/var/log/elasticsearch/local.log", Line: 4, Time: &t1, Symptom: "bad-certificate-alert", Count: 3,
				Text: "exception caught on transport layer [Netty4TcpChannel{localAddress=/127.0.0.3:60738, remoteAddress=/127.0.1.2:9300, profile=_remote_cluster}], closing connection"},
			{Side: "remote", Cluster: "remote", Node: "remote-1", File: "/var/log/elasticsearch/remote.log", Line: 9, Time: &t2, Symptom: "empty-client-certificate-chain",
				Text: "exception caught on transport layer [Netty4TcpChannel{localAddress=/127.0.1.2:9300, remoteAddress=/127.0.0.3:60783, profile=default}], closing connection"},
			{Side: "config", Cluster: "remote", Node: "remote-1", File: "/etc/elasticsearch/elasticsearch.yml", Text: "cluster.remote.my targets 127.0.1.2:9300, which is remote-1's transport.port; its remote_cluster.port is 9443"},
		},
		Facts: map[string]any{"seeds": []any{"127.0.1.2:9300"}, "use": []any{"127.0.1.2:9443"}},
		Fix: diagnosis.Fix{Summary: "Point cluster.remote.my at the remote cluster server port (remote_cluster.port), not the transport port.",
			Settings: map[string]string{"cluster.remote.my.seeds": "[127.0.1.2:9443]"},
			Commands: []string{`PUT _cluster/settings {"persistent":{"cluster.remote.my.seeds":["127.0.1.2:9443"]}}`},
			Nodes:    []diagnosis.NodeRef{{Cluster: "local", Node: "local-1"}, {Cluster: "local", Node: "local-2"}}},
		FirstSeen: t1, LastSeen: t2, Count: 4, State: "open",
	}
}

// warning is an open warning-level diagnosis.
func warning() diagnosis.Diagnosis {
	t1 := time.Date(2024, 5, 1, 10, 0, 0, 0, time.UTC)
	return diagnosis.Diagnosis{ID: "9a8b7c6d5e4f3a2b1c0d9e8f7a6b5c4d", Code: "config-drift", Severity: "warning", Title: "Nodes of one cluster disagree",
		Clusters: []string{"local"}, Nodes: []diagnosis.NodeRef{{Cluster: "local", Node: "local-3"}}, Evidence: []diagnosis.Evidence{},
		Fix: diagnosis.Fix{Summary: "Make them agree.", Nodes: []diagnosis.NodeRef{{Cluster: "local", Node: "local-3"}}}, FirstSeen: t1, LastSeen: t1, Count: 1, State: "open"}
}
