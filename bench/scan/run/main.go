// Command run is the scan benchmark: it runs the built
// `esdoctor-agent scan --window 0 --mesh` over the files bench/scan/gen
// wrote, and `rg -c` with the same literal anchors, and prints per layout the
// throughput of both (MiB/s, lines/s, best of -runs), the ratio scan/rg, and
// injected vs found symptoms, which must match exactly (code and line).
package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"github.com/esdoctor/esdoctor/agent/logs/symptom"
	"github.com/esdoctor/esdoctor/shared/event"
)

type fileInfo struct {
	Layout   string             `json:"layout"`
	Path     string             `json:"path"`
	Bytes    int64              `json:"bytes"`
	Lines    int64              `json:"lines"`
	Injected map[string][]int64 `json:"injected"`
}

func main() {
	dir := flag.String("dir", "", "directory written by bench/scan/gen (required)")
	bin := flag.String("bin", "bin/esdoctor-agent", "the esdoctor-agent binary")
	rg := flag.String("rg", "rg", "ripgrep")
	runs := flag.Int("runs", 3, "timed runs per command (best is kept)")
	flag.Parse()
	if *dir == "" {
		fail("-dir is required")
	}
	var m struct{ Files []fileInfo }
	b, err := os.ReadFile(filepath.Join(*dir, "manifest.json"))
	if err != nil {
		fail(err.Error())
	}
	if err := json.Unmarshal(b, &m); err != nil {
		fail(err.Error())
	}
	lits := symptom.NewMatcher(symptom.Options{MeshPack: true}).Literals()
	patFile := filepath.Join(*dir, "anchors.txt")
	if err := os.WriteFile(patFile, []byte(strings.Join(lits, "\n")+"\n"), 0o644); err != nil {
		fail(err.Error())
	}
	fmt.Printf("scan benchmark: %d literal anchors, best wall time of %d interleaved runs each; CPU = user+sys of that run\n", len(lits), *runs)
	fmt.Printf("%-10s %6s %9s | %10s %12s %7s | %10s %12s %7s | %8s | %s\n", "layout", "MiB", "lines",
		"scan MiB/s", "scan lines/s", "CPU s", "rg MiB/s", "rg lines/s", "CPU s", "scan/rg", "injected/found")
	ok := true
	for _, f := range m.Files {
		out := filepath.Join(*dir, "scan-"+f.Layout+".json")
		var scanT, rgT timing
		for i := 0; i < *runs; i++ { // interleaved, so both see the same machine load
			scanT.keep(run(out, *bin, "scan", "--format", "json", "--window", "0", "--mesh", "--tz", "UTC", f.Path))
			rgT.keep(run(os.DevNull, *rg, "-c", "-F", "-f", patFile, f.Path))
		}
		injected, found, missing, extra := compare(out, f)
		mib := float64(f.Bytes) / (1 << 20)
		status := "OK"
		if missing > 0 || extra > 0 {
			status = fmt.Sprintf("MISMATCH (%d missing, %d unexpected)", missing, extra)
			ok = false
		}
		fmt.Printf("%-10s %6.0f %9d | %10.0f %12.0f %7.2f | %10.0f %12.0f %7.2f | %7.2fx | %d/%d %s\n", f.Layout, mib, f.Lines,
			mib/scanT.wall.Seconds(), float64(f.Lines)/scanT.wall.Seconds(), scanT.cpu.Seconds(),
			mib/rgT.wall.Seconds(), float64(f.Lines)/rgT.wall.Seconds(), rgT.cpu.Seconds(),
			rgT.wall.Seconds()/scanT.wall.Seconds(), injected, found, status)
	}
	if !ok {
		os.Exit(1)
	}
}

func fail(msg string) {
	fmt.Fprintln(os.Stderr, "bench-scan:", msg)
	os.Exit(2)
}

// timing keeps the fastest run.
type timing struct{ wall, cpu time.Duration }

func (t *timing) keep(r timing) {
	if t.wall == 0 || r.wall < t.wall {
		*t = r
	}
}

// run runs a command with stdout to out and returns its wall and CPU time.
func run(out string, name string, args ...string) timing {
	f, err := os.Create(out)
	if err != nil {
		fail(err.Error())
	}
	defer f.Close()
	cmd := exec.Command(name, args...)
	cmd.Stdout = f
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	t0 := time.Now()
	err = cmd.Run()
	wall := time.Since(t0)
	// rg exits 1 when nothing matched; that is not a failure here.
	if ee, ok := err.(*exec.ExitError); err != nil && !(ok && ee.ExitCode() == 1 && strings.HasSuffix(name, "rg")) {
		fail(fmt.Sprintf("%s: %v: %s", name, err, stderr.String()))
	}
	cpu := cmd.ProcessState.UserTime() + cmd.ProcessState.SystemTime()
	return timing{wall: wall, cpu: cpu}
}

// compare checks the scan output against the manifest: every injected
// (code, line) found, nothing else.
func compare(out string, f fileInfo) (injected, found, missing, extra int) {
	want := map[string]bool{}
	for code, lines := range f.Injected {
		for _, l := range lines {
			want[fmt.Sprintf("%s@%d", code, l)] = true
			injected++
		}
	}
	fh, err := os.Open(out)
	if err != nil {
		fail(err.Error())
	}
	defer fh.Close()
	sc := bufio.NewScanner(fh)
	sc.Buffer(make([]byte, 1<<20), 16<<20)
	var unexpected []string
	for sc.Scan() {
		var s event.Symptom
		if err := json.Unmarshal(sc.Bytes(), &s); err != nil {
			fail(fmt.Sprintf("%s: %v", out, err))
		}
		k := fmt.Sprintf("%s@%d", s.Symptom, s.Line)
		if want[k] {
			found++
			delete(want, k)
		} else {
			extra++
			unexpected = append(unexpected, k)
		}
	}
	missing = len(want)
	if missing > 0 || extra > 0 {
		var miss []string
		for k := range want {
			miss = append(miss, k)
		}
		sort.Strings(miss)
		if len(miss) > 10 {
			miss = miss[:10]
		}
		if len(unexpected) > 10 {
			unexpected = unexpected[:10]
		}
		fmt.Fprintf(os.Stderr, "%s: missing %v, unexpected %v\n", f.Layout, miss, unexpected)
	}
	return injected, found, missing, extra
}
