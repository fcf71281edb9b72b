package main

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// The --quick run works end to end: the real aggregator binary (built
// here), real NATS, 100 agents for 5 s. Only the counts are checked
// (every event applied, none rejected, every fault diagnosed), never a
// time: the numbers are for people to read.
func TestQuickRun(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the aggregator")
	}
	bin := filepath.Join(t.TempDir(), "esdoctor-aggregator")
	build := exec.Command("go", "build", "-o", bin, "github.com/esdoctor/esdoctor/cmd/esdoctor-aggregator")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	var progress bytes.Buffer
	cfg := quickConfig(Config{Rate: 10, Conns: 4, Flaky: 0.2, Seed: 3, Bin: bin, Dir: t.TempDir(), Settle: time.Minute, Progress: &progress})
	if err := check(&cfg); err != nil {
		t.Fatal(err)
	}
	res, err := Run(cfg)
	if err != nil {
		t.Fatalf("%v\n%s\n%s", err, progress.String(), aggregatorLog(res))
	}
	var out bytes.Buffer
	res.Print(&out)
	t.Log(out.String())
	if bad := res.OK(); len(bad) > 0 {
		t.Errorf("counts do not match:\n%s\n%s", strings.Join(bad, "\n"), aggregatorLog(res))
	}
	if res.Published < uint64(cfg.Agents)*4 || res.Faults.Injected != cfg.Faults || res.Nodes != cfg.Agents {
		t.Errorf("published %d events, injected %d faults, the model holds %d nodes", res.Published, res.Faults.Injected, res.Nodes)
	}
	if !strings.Contains(out.String(), "latency (diagnosis) p50") {
		t.Errorf("the summary has no latency line:\n%s", out.String())
	}
}

func aggregatorLog(res *Result) string {
	if res == nil || res.LogPath == "" {
		return ""
	}
	b, err := os.ReadFile(res.LogPath)
	if err != nil {
		return err.Error()
	}
	if len(b) > 8000 {
		b = b[len(b)-8000:]
	}
	return "aggregator log (tail):\n" + string(b)
}
