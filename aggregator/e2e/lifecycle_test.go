package e2e

import (
	"fmt"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/esdoctor/esdoctor/aggregator"
	"github.com/esdoctor/esdoctor/aggregator/api"
	"github.com/esdoctor/esdoctor/internal/testkit/scenario"
	"github.com/esdoctor/esdoctor/shared/diagnosis"
)

// states renders every diagnosis (open and resolved) as
// "code state nodes [file]", sorted, for the lifecycle assertions.
func states(ds []diagnosis.Diagnosis) []string {
	var out []string
	for _, d := range ds {
		var nodes []string
		for _, n := range d.Nodes {
			nodes = append(nodes, n.Cluster+"/"+n.Node)
		}
		sort.Strings(nodes)
		s := fmt.Sprintf("%s %s %s", d.Code, d.State, strings.Join(nodes, ","))
		if f, _ := d.Facts["file"].(string); f != "" {
			s += " " + f[strings.LastIndexByte(f, '/')+1:]
		}
		out = append(out, s)
	}
	sort.Strings(out)
	return out
}

// The lifecycle of the issue, replayed with real agents and a real
// aggregator: a fault; an unrelated yml edit; a keystore edit; the fix in
// the cluster settings; new unrelated symptoms. At every step each
// diagnosis's state and node list are what the running Elasticsearch
// nodes justify: a file edit keeps the log evidence (the running node
// still uses what it read at start), a cluster-settings change ends it at
// once, and new symptoms do not reopen a fixed fault.
func TestLifecycleEditsAndFixes(t *testing.T) {
	w := scenario.New(t)
	w.Start = time.Now().UTC().Add(-10 * time.Minute).Truncate(time.Second) // remote-2 started long before step 5
	local := w.Cluster("local", "local-1@127.0.0.2", "local-2@127.0.0.3")
	remote := w.Cluster("remote", "remote-1@127.0.1.2", "remote-2@127.0.1.3")
	local.TransportTLS()
	remote.TransportTLS().RemoteClusterServer()
	local.Link(remote, "my", key, 9300) // the fault: seeds on the transport port
	for _, c := range []*scenario.Cluster{local, remote} {
		c.Each(func(n *scenario.Node) { n.Started() })
	}
	at := w.At(time.Minute)
	local.Node("local-1").Log(scenario.BadCertificate(at, "local-1", "127.0.0.2:60738", "127.0.1.2:9300", "_remote_cluster"))
	local.Node("local-2").Log(scenario.BadCertificate(at, "local-2", "127.0.0.3:60739", "127.0.1.2:9300", "_remote_cluster"))
	remote.Node("remote-1").Log(scenario.EmptyChain(at, "remote-1", "127.0.1.2:9300", "127.0.0.2:60783", "default"),
		scenario.EmptyChain(at, "remote-1", "127.0.1.2:9300", "127.0.0.3:60784", "default"))
	// The nodes keep logging (the agent knows the start from the log only,
	// so a later line shows that no restart happened after an edit); the
	// edits below are stamped between the start and that line.
	local.Each(func(n *scenario.Node) {
		n.Log(scenario.Plain(w.At(100*time.Second), "INFO", "o.e.c.m.MetadataMappingService", n.Name, "[logs-app-default/1x2y3z] update_mapping [_doc]"))
	})
	edited := w.At(95 * time.Second)
	w.Build()

	agg := start(t, aggregator.Options{Durable: "lifecycle"})
	startAgents(t, agg, append(append([]*scenario.Node{}, local.Nodes...), remote.Nodes...))

	const tp = "transport-port-instead-of-remote-cluster-port"
	// Resolved diagnoses count from the step after they were seen open (a
	// diagnosis seen while the agents' first events were still arriving,
	// e.g. before the remote cluster was known, is not a step).
	seenOpen := map[string]bool{}
	step := func(name string, want ...string) {
		t.Helper()
		sort.Strings(want)
		var last []string
		var ds []diagnosis.Diagnosis
		waitFor(t, 30*time.Second, func() bool {
			ds = nil
			for _, d := range agg.Diagnoses(api.Query{State: api.StateAll}) {
				if d.State == diagnosis.StateOpen || seenOpen[d.ID] {
					ds = append(ds, d)
				}
			}
			last = states(ds)
			return strings.Join(last, "\n") == strings.Join(want, "\n")
		}, func() string {
			return name + ":\n  got:\n    " + strings.Join(last, "\n    ") + "\n  want:\n    " + strings.Join(want, "\n    ")
		})
		for _, d := range ds {
			if d.State == diagnosis.StateOpen {
				seenOpen[d.ID] = true
			}
		}
	}
	faultNodes := "local/local-1,local/local-2,remote/remote-1"

	// 1. The fault, with both sides' evidence.
	step("fault", tp+" open "+faultNodes)

	// 2. An unrelated yml edit on local-1: the running node still uses the
	// old yml, so its evidence stays; config-changed-since-start names
	// the node and the file.
	local.Node("local-1").YML("transport.ping_schedule: 30s").Touch("elasticsearch.yml", edited).Rebuild()
	step("unrelated yml edit", tp+" open "+faultNodes, "config-changed-since-start open local/local-1 elasticsearch.yml")

	// 3. A keystore edit on local-2 (an unrelated entry): its evidence stays.
	local.Node("local-2").Secure("xpack.notification.email.account.work.smtp.secure_password", "CANARY-SECRET-smtp").Touch("elasticsearch.keystore", edited).Rebuild()
	step("keystore edit", tp+" open "+faultNodes, "config-changed-since-start open local/local-1 elasticsearch.yml",
		"config-changed-since-start open local/local-2 elasticsearch.keystore")

	// 4. The fix, in the cluster settings: it takes effect at once, so
	// the fault's evidence (both sides) stops counting and it resolves;
	// the file edits still wait for a restart.
	local.Link(remote, "my", key, 9443)
	local.Each(func(n *scenario.Node) { n.Rebuild() })
	step("fix in cluster settings", tp+" resolved "+faultNodes, "config-changed-since-start open local/local-1 elasticsearch.yml",
		"config-changed-since-start open local/local-2 elasticsearch.keystore")

	// 5. New, unrelated symptoms (connections closed by remote-2 with no
	// restart of it): a diagnosis of their own; the fixed fault does not
	// reopen and absorbs nothing.
	now := time.Now().UTC()
	local.Node("local-1").AppendLog(scenario.ClosedByRemote(now, "local-1", "remote-2", "127.0.1.3:9443"))
	step("new unrelated symptoms", tp+" resolved "+faultNodes, "config-changed-since-start open local/local-1 elasticsearch.yml",
		"config-changed-since-start open local/local-2 elasticsearch.keystore", "connection-unreliable open local/local-1,remote/remote-2")

	// The resolved fault keeps the first_seen of its own evidence.
	for _, d := range agg.Diagnoses(api.Query{State: api.StateAll, Code: tp}) {
		if !d.FirstSeen.Equal(at) {
			t.Errorf("%s first_seen %v, want its first line's %v", tp, d.FirstSeen, at)
		}
	}
}
