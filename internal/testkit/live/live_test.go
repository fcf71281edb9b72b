package live_test

import (
	"strings"
	"testing"
	"time"

	"github.com/esdoctor/esdoctor/internal/testkit/live"
	"github.com/esdoctor/esdoctor/internal/testkit/scenario"
)

// A play is real: the agents read the logs written over time and the
// aggregator diagnoses them; a different expectation is reported as such
// (the comparison can fail), and split keeps records whole.
func TestPlayDiagnosesWhatTheLogsSay(t *testing.T) {
	w := scenario.New(t)
	local := w.Cluster("local", "local-1@127.0.0.2")
	remote := w.Cluster("remote", "remote-1@127.0.1.2")
	local.TransportTLS()
	remote.TransportTLS().RemoteClusterServer()
	local.Link(remote, "my", scenario.APIKey{ID: "agZXJocBmA2beJfq2yKu", Secret: "CANARY-SECRET-live"}, 9443)
	local.Each(func(n *scenario.Node) { n.Started() })
	remote.Each(func(n *scenario.Node) { n.Started() })
	// The fault is in the logs only, in the last part written.
	for i := 0; i < 6; i++ {
		local.Node("local-1").Log(scenario.Plain(w.At(time.Minute), "INFO", "o.e.c.m.MetadataMappingService", "local-1", "[logs-app-default/1x2y3z] update_mapping [_doc]"))
	}
	local.Node("local-1").Log(scenario.UnableToAuthenticate(w.At(2*time.Minute), "local-1", "sniff", "my", "remote-1", "127.0.1.2:9443", "agZXJocBmA2beJfq2yKu"))
	w.Build()

	old := live.Deadline
	live.Deadline = 20 * time.Second
	defer func() { live.Deadline = old }()
	p := live.Play{FingerprintKey: w.FingerprintKey}
	for _, c := range []*scenario.Cluster{local, remote} {
		for _, n := range c.Nodes {
			p.Nodes = append(p.Nodes, live.Node{Conf: n.Conf, Logs: n.Logs, ClusterSettings: n.Options().ClusterSettings, Hostname: n.Name, Timezone: "UTC"})
		}
	}
	want := "invalid-api-key [local,remote] alias=my fix=local/local-1 nodes=local/local-1"
	got, err := live.Run(t, p, want)
	if err != nil {
		t.Fatal(err)
	}
	if got != want {
		t.Errorf("live play: %q, want the invalid-api-key diagnosis of the last log part", got)
	}
}

func TestSplitKeepsRecordsWhole(t *testing.T) {
	text := "[2024-05-01T10:00:00,000][WARN ][o.e.t.TcpTransport] [n] a\njava.io.IOException: x\n\tat y\nCaused by: z\n" +
		"[2024-05-01T10:00:01,000][INFO ][o.e.n.Node] [n] b\n{\"@timestamp\":\"2024\"}\n2024-05-01T10:00:02Z stderr F c\n"
	parts := live.Split([]byte(text), 3)
	if strings.Join([]string{string(parts[0]), string(parts[1]), string(parts[2])}, "") != text {
		t.Fatalf("parts do not add up: %q", parts)
	}
	for i, p := range parts {
		if len(p) == 0 || !(p[0] == '[' || p[0] == '{' || p[0] == '2') {
			t.Errorf("part %d does not start a record: %q", i, p)
		}
	}
}
