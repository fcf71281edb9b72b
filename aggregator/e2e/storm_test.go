package e2e

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/esdoctor/esdoctor/agent/collect"
	"github.com/esdoctor/esdoctor/agent/inspect"
	"github.com/esdoctor/esdoctor/aggregator/analyze"
	"github.com/esdoctor/esdoctor/aggregator/api"
	"github.com/esdoctor/esdoctor/internal/testkit/live"
	"github.com/esdoctor/esdoctor/internal/testkit/scenario"
	"github.com/esdoctor/esdoctor/shared/bundle"
	"github.com/esdoctor/esdoctor/shared/diagnosis"
)

// The example system (examples/nodes) under a log storm, played live (real
// agent daemons, the logs written over time, the real aggregator): every
// node logs thousands of distinct failure records on top of the example
// fault. The diagnoses equal esdoctor analyze over the same nodes, the
// list endpoint stays under 256 KiB and each diagnosis under 64 KiB, while
// the counts still count every record.
func TestLogStormStaysBounded(t *testing.T) {
	dir := t.TempDir()
	if err := os.CopyFS(dir, os.DirFS(filepath.Join("..", "..", "examples", "nodes"))); err != nil {
		t.Fatal(err)
	}
	type node struct{ cluster, name, host string }
	nodes := []node{{"local-cluster", "local-1", "127.0.0.1"}, {"local-cluster", "local-2", "127.0.0.2"},
		{"remote-cluster", "remote-1", "127.0.0.3"}, {"remote-cluster", "remote-2", "127.0.0.4"}}
	const perNode = 1500
	at := time.Date(2026, 10, 28, 7, 21, 0, 0, time.UTC)
	records := 0
	for i, n := range nodes {
		var lines []string
		for k := 0; k < perNode; k++ {
			ts := at.Add(time.Duration(k) * 40 * time.Millisecond)
			port := 20000 + k
			switch {
			case n.cluster == "local-cluster" && k%3 == 0:
				lines = append(lines, scenario.ConnectFailed(ts, n.name, "sniff", "my_remote", fmt.Sprintf("127.0.0.%d:%d", 3+k%2, 9300+k%50)))
			case n.cluster == "local-cluster" && k%3 == 1:
				lines = append(lines, scenario.ClosedByRemote(ts, n.name, fmt.Sprintf("remote-%d", 1+k%2), fmt.Sprintf("127.0.0.%d:%d", 3+k%2, 9300)))
			case n.cluster == "local-cluster":
				lines = append(lines, scenario.BadCertificate(ts, n.name, fmt.Sprintf("%s:%d", n.host, port), fmt.Sprintf("127.0.0.%d:9300", 3+k%2), "_remote_cluster"))
			default:
				lines = append(lines, scenario.ClientDidNotTrust(ts, n.name, fmt.Sprintf("%s:9300", n.host), fmt.Sprintf("127.0.0.%d:%d", 1+(i+k)%2, port), "default"))
			}
		}
		records += len(lines)
		f, err := os.OpenFile(filepath.Join(dir, n.cluster, n.name, "logs", n.cluster+".log"), os.O_WRONLY|os.O_APPEND, 0)
		if err != nil {
			t.Fatal(err)
		}
		for _, l := range lines {
			fmt.Fprintln(f, l)
		}
		f.Close()
	}

	// What esdoctor analyze says over the same nodes' bundles.
	key := []byte("storm-site-key-0123456789abcdef")
	var bs []*bundle.Bundle
	p := live.Play{FingerprintKey: key}
	for _, n := range nodes {
		ln := live.Node{Conf: filepath.Join(dir, n.cluster, n.name, "config"), Logs: filepath.Join(dir, n.cluster, n.name, "logs"),
			Hostname: n.name, Timezone: "UTC"}
		if n.cluster == "local-cluster" {
			ln.ClusterSettings = filepath.Join(dir, n.cluster, "cluster-settings.json")
		}
		b, err := collect.Collect(context.Background(), collect.Options{Location: time.UTC, Agent: "agent-" + n.name,
			Inspect: inspect.Options{PathConf: ln.Conf, PathLogs: ln.Logs, ClusterSettings: ln.ClusterSettings, Hostname: n.name,
				NoProcess: true, FingerprintKey: key, LogStart: inspect.LogStart, Location: time.UTC}})
		if err != nil {
			t.Fatal(err)
		}
		bs = append(bs, b)
		p.Nodes = append(p.Nodes, ln)
	}
	offline, _ := analyze.Bundles(context.Background(), bs, analyze.Options{})
	if len(offline) == 0 {
		t.Fatal("the storm diagnoses nothing offline")
	}

	p.Then = func(base string) {
		get := func(path string) []byte {
			t.Helper()
			resp, err := http.Get(base + path)
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			b, err := io.ReadAll(resp.Body)
			if err != nil || resp.StatusCode != http.StatusOK {
				t.Fatalf("GET %s: %d %v", path, resp.StatusCode, err)
			}
			return b
		}
		list := get(api.PathDiagnoses)
		if len(list) >= 256<<10 {
			t.Errorf("GET %s: %d bytes, want < 256 KiB", api.PathDiagnoses, len(list))
		}
		var ds []diagnosis.Diagnosis
		if err := json.Unmarshal(list, &ds); err != nil {
			var wrapped struct{ Diagnoses []diagnosis.Diagnosis }
			if err2 := json.Unmarshal(list, &wrapped); err2 != nil {
				t.Fatalf("list: %v", err)
			}
			ds = wrapped.Diagnoses
		}
		counted := 0
		for _, d := range ds {
			one := get(api.PathDiagnoses + "/" + d.ID)
			if len(one) >= 64<<10 {
				t.Errorf("GET %s/%s (%s): %d bytes, want < 64 KiB", api.PathDiagnoses, d.ID, d.Code, len(one))
			}
			counted += d.Count
			t.Logf("%s: %d bytes, count %d, %d evidence rows, %d omitted", d.Code, len(one), d.Count, len(d.Evidence), d.EvidenceOmitted)
		}
		t.Logf("list: %d diagnoses, %d bytes; %d storm records", len(ds), len(list), records)
		if counted < records/2 {
			t.Errorf("the diagnoses count %d occurrences for %d storm records: the storm did not reach them", counted, records)
		}
	}
	live.Check(t, p, offline)
}
