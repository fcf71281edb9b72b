// Command analyze measures `esdoctor analyze` on a bundle of a million
// symptoms (issue: under 10 s and under 512 MiB).
//
// It builds the input from real material: the example clusters in
// examples/nodes are collected with the real `esdoctor-agent collect`, the
// real log excerpts under agent/logs/scan/testdata are scanned with the real
// `esdoctor-agent scan` for symptom templates (25 codes), and one node's
// bundle is then rewritten with -symptoms more symptom events cycled from
// those templates (each with its own time, line, offset, event id and
// remote port, as a node logging a connection storm would have). Then it runs
// the real `esdoctor analyze` over that bundle and the other nodes' bundles,
// as its own process, -runs times, and prints for each run and best-of-N:
//
//   - wall: from the start of the process to its exit;
//   - cpu: user + system time of the process (all its threads, every core);
//   - peak RSS: the kernel's maxrss of the process.
//
// Numbers are printed, never asserted; the machine's core count is printed
// with them. make bench-analyze runs it.
package main

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"sort"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/esdoctor/esdoctor/shared/bundle"
	"github.com/esdoctor/esdoctor/shared/event"
)

func main() {
	bin := flag.String("bin", "bin", "directory holding esdoctor and esdoctor-agent")
	n := flag.Int("symptoms", 1_000_000, "symptom events added to one bundle")
	runs := flag.Int("runs", 3, "runs of analyze")
	keep := flag.Bool("keep", false, "keep the generated bundles")
	flag.Parse()
	if err := run(*bin, *n, *runs, *keep); err != nil {
		fmt.Fprintln(os.Stderr, "bench-analyze:", err)
		os.Exit(1)
	}
}

type node struct{ cluster, name, conf, logs, settings string }

func exampleNodes() []node {
	var out []node
	for _, c := range []string{"local-cluster", "remote-cluster"} {
		dirs, _ := filepath.Glob(filepath.Join("examples", "nodes", c, "*", "config"))
		for _, d := range dirs {
			nd := filepath.Dir(d)
			settings := filepath.Join("examples", "nodes", c, "cluster-settings.json")
			if _, err := os.Stat(settings); err != nil {
				settings = ""
			}
			out = append(out, node{c, filepath.Base(nd), d, filepath.Join(nd, "logs"), settings})
		}
	}
	return out
}

func run(bin string, n, runs int, keep bool) error {
	agent, cli := filepath.Join(bin, "esdoctor-agent"), filepath.Join(bin, "esdoctor")
	dir, err := os.MkdirTemp("", "bench-analyze-")
	if err != nil {
		return err
	}
	if keep {
		fmt.Println("bundles kept in", dir)
	} else {
		defer os.RemoveAll(dir)
	}
	os.Setenv("TZ", "UTC")

	// 1. Real bundles of the example nodes.
	var paths []string
	for _, nd := range exampleNodes() {
		p := filepath.Join(dir, nd.cluster+"-"+nd.name+".bundle")
		args := []string{"collect", "--path-conf", nd.conf, "--path-logs", nd.logs, "-o", p}
		if nd.settings != "" {
			args = append(args, "--cluster-settings", nd.settings)
		}
		if out, err := exec.Command(agent, args...).CombinedOutput(); err != nil {
			return fmt.Errorf("collect %s: %v\n%s", nd.name, err, out)
		}
		paths = append(paths, p)
	}
	if len(paths) == 0 {
		return fmt.Errorf("no example nodes under examples/nodes")
	}

	// 2. Symptom templates from the real log excerpts.
	logs, _ := filepath.Glob(filepath.Join("agent", "logs", "scan", "testdata", "corpus*", "*.log"))
	out, err := exec.Command(agent, append([]string{"scan"}, logs...)...).Output()
	if err != nil && len(out) == 0 {
		return fmt.Errorf("scan: %v", err)
	}
	var templates []event.Symptom
	codes := map[string]bool{}
	for _, line := range bytes.Split(out, []byte("\n")) {
		var s event.Symptom
		if json.Unmarshal(line, &s) == nil && s.Symptom != "" && !s.Time.IsZero() {
			templates = append(templates, s)
			codes[s.Symptom] = true
		}
	}
	if len(templates) == 0 {
		return fmt.Errorf("no symptom templates from %d log excerpts", len(logs))
	}

	// 3. The big bundle: the first node's bundle plus n symptoms.
	big := filepath.Join(dir, "big.bundle")
	plain, err := grow(paths[0], big, templates, n)
	if err != nil {
		return err
	}
	st, _ := os.Stat(big)
	paths[0] = big
	fmt.Printf("input: %d bundles; %s holds %d added symptom events (%d codes from %d real log excerpts): %.1f MB gzip, %.1f MB JSON\n",
		len(paths), filepath.Base(big), n, len(codes), len(logs), float64(st.Size())/1e6, float64(plain)/1e6)
	fmt.Printf("machine: %d cores (GOMAXPROCS of analyze: default = all of them)\n", runtime.NumCPU())

	// 4. Runs.
	type result struct {
		wall, cpu time.Duration
		rssKiB    int64
		code      int
	}
	var rs []result
	for i := 0; i < runs; i++ {
		cmd := exec.Command(cli, append([]string{"analyze", "--format", "json"}, paths...)...)
		var stdout, stderr bytes.Buffer
		cmd.Stdout, cmd.Stderr = &stdout, &stderr
		start := time.Now()
		err := cmd.Run()
		wall := time.Since(start)
		code := 0
		if ee, ok := err.(*exec.ExitError); ok {
			code = ee.ExitCode()
		} else if err != nil {
			return err
		}
		if code > 1 {
			return fmt.Errorf("analyze exit %d: %s", code, stderr.String())
		}
		var ds []struct {
			Code string `json:"code"`
		}
		if err := json.Unmarshal(stdout.Bytes(), &ds); err != nil {
			return fmt.Errorf("analyze output: %v", err)
		}
		ps := cmd.ProcessState
		ru := ps.SysUsage().(*syscall.Rusage)
		r := result{wall, ps.UserTime() + ps.SystemTime(), ru.Maxrss, code}
		rs = append(rs, r)
		var dc []string
		for _, d := range ds {
			dc = append(dc, d.Code)
		}
		sort.Strings(dc)
		fmt.Printf("run %d: wall %6.2f s  cpu %6.2f s (user %.2f + sys %.2f)  peak RSS %6.1f MiB  exit %d  diagnoses %d [%s]\n",
			i+1, wall.Seconds(), r.cpu.Seconds(), ps.UserTime().Seconds(), ps.SystemTime().Seconds(),
			float64(ru.Maxrss)/1024, code, len(ds), strings.Join(dc, " "))
	}
	best := rs[0]
	for _, r := range rs[1:] {
		if r.wall < best.wall {
			best.wall = r.wall
		}
		if r.cpu < best.cpu {
			best.cpu = r.cpu
		}
		if r.rssKiB < best.rssKiB {
			best.rssKiB = r.rssKiB
		}
	}
	fmt.Printf("best of %d: wall %.2f s, cpu %.2f s, peak RSS %.1f MiB (each figure its own best; %d cores)\n",
		len(rs), best.wall.Seconds(), best.cpu.Seconds(), float64(best.rssKiB)/1024, runtime.NumCPU())
	return nil
}

// grow writes dst: src's header and events, then n symptom events cycled
// from templates. It returns the uncompressed size.
func grow(src, dst string, templates []event.Symptom, n int) (int64, error) {
	var events []json.RawMessage
	h, err := bundle.Stream(src, false, func(e *event.Envelope) error {
		b, err := json.Marshal(e)
		events = append(events, b)
		return err
	})
	if err != nil {
		return 0, err
	}
	f, err := os.Create(dst)
	if err != nil {
		return 0, err
	}
	defer f.Close()
	zw := gzip.NewWriter(f)
	cw := &countWriter{w: zw}
	w := bufio.NewWriterSize(cw, 1<<20)
	head, _ := json.Marshal(map[string]any{"format": bundle.Format, "version": bundle.Version,
		"created_at": h.CreatedAt, "cluster": h.Cluster, "node": h.Node, "agent": h.Agent})
	w.Write(head[:len(head)-1])
	w.WriteString(`,"events":[`)
	for i, e := range events {
		if i > 0 {
			w.WriteByte(',')
		}
		w.Write(e)
	}
	base := time.Date(2026, 10, 28, 0, 0, 0, 0, time.UTC)
	if h.CreatedAt.After(base) {
		base = h.CreatedAt.Add(-24 * time.Hour)
	}
	id := make([]byte, 16)
	enc := json.NewEncoder(w)
	for i := 0; i < n; i++ {
		s := templates[i%len(templates)]
		s.Fields = cloneFields(s.Fields, i)
		s.Time = base.Add(time.Duration(i) * 50 * time.Millisecond)
		s.Line = int64(i + 1)
		s.Offset = int64(i) * 240
		s.Node, s.Cluster = h.Node, h.Cluster
		s.File = "/var/log/elasticsearch/" + h.Cluster + ".log"
		rand.Read(id)
		env := event.Envelope{Schema: 1, ID: hex.EncodeToString(id), Kind: event.KindSymptom,
			Cluster: h.Cluster, Node: h.Node, Agent: h.Agent, Time: s.Time, Symptom: &s}
		w.WriteByte(',')
		if err := enc.Encode(&env); err != nil {
			return 0, err
		}
	}
	w.WriteString("]}\n")
	if err := w.Flush(); err != nil {
		return 0, err
	}
	return cw.n, zw.Close()
}

// cloneFields copies the fields, giving every remote address its own
// ephemeral port (a new connection per log line).
func cloneFields(in map[string]string, i int) map[string]string {
	out := make(map[string]string, len(in))
	for k, v := range in {
		if strings.HasSuffix(k, "remote_address") {
			if host, _, ok := strings.Cut(v, ":"); ok && !strings.Contains(host, "[") {
				v = host + ":" + strconv.Itoa(32768+i%28232)
			}
		}
		out[k] = v
	}
	return out
}

type countWriter struct {
	w interface{ Write([]byte) (int, error) }
	n int64
}

func (c *countWriter) Write(p []byte) (int, error) {
	n, err := c.w.Write(p)
	c.n += int64(n)
	return n, err
}
