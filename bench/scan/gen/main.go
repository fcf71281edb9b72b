// Command gen writes large Elasticsearch server logs for the scan benchmark:
// one file per layout (plain, ECS JSON, 7.x JSON) of realistic noise (INFO
// lines, WARN with stack traces, look-alikes that must stay silent) with a
// known number of injected symptoms of every code at known lines. It writes
// a manifest (manifest.json) naming, per file, the line of each injection.
package main

import (
	"bufio"
	"encoding/json"
	"flag"
	"fmt"
	"math/rand"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"
)

// Manifest lists what gen wrote.
type Manifest struct {
	Files []FileInfo `json:"files"`
}

// FileInfo is one generated file.
type FileInfo struct {
	Layout   string             `json:"layout"`
	Path     string             `json:"path"`
	Bytes    int64              `json:"bytes"`
	Lines    int64              `json:"lines"`
	Injected map[string][]int64 `json:"injected"` // code -> first lines
}

func main() {
	dir := flag.String("dir", "", "output directory (required)")
	sizeMiB := flag.Int("size", 256, "size of each file in MiB")
	perCode := flag.Int("n", 40, "injected symptoms per code per file")
	layouts := flag.String("layouts", "plain,ecs-json,es-json-7", "layouts to write")
	seed := flag.Int64("seed", 1, "random seed")
	flag.Parse()
	if *dir == "" {
		fmt.Fprintln(os.Stderr, "gen: -dir is required")
		os.Exit(2)
	}
	var m Manifest
	for _, l := range strings.Split(*layouts, ",") {
		fi, err := write(*dir, l, int64(*sizeMiB)<<20, *perCode, *seed)
		if err != nil {
			fmt.Fprintf(os.Stderr, "gen: %v\n", err)
			os.Exit(1)
		}
		m.Files = append(m.Files, fi)
		fmt.Fprintf(os.Stderr, "gen: wrote %s (%d MiB, %d lines)\n", fi.Path, fi.Bytes>>20, fi.Lines)
	}
	b, _ := json.MarshalIndent(m, "", "  ")
	if err := os.WriteFile(filepath.Join(*dir, "manifest.json"), b, 0o644); err != nil {
		fmt.Fprintf(os.Stderr, "gen: %v\n", err)
		os.Exit(1)
	}
}

var fileNames = map[string]string{"plain": "bench.log", "ecs-json": "bench_server.json", "es-json-7": "bench7_server.json"}

func write(dir, layout string, size int64, perCode int, seed int64) (FileInfo, error) {
	name, ok := fileNames[layout]
	if !ok {
		return FileInfo{}, fmt.Errorf("unknown layout %q", layout)
	}
	path := filepath.Join(dir, name)
	f, err := os.Create(path)
	if err != nil {
		return FileInfo{}, err
	}
	defer f.Close()
	w := bufio.NewWriterSize(f, 1<<20)
	r := rand.New(rand.NewSource(seed))

	// Plan the injections: perCode of every code at random byte targets.
	codes := make([]string, 0, len(injected))
	for c := range injected {
		codes = append(codes, c)
	}
	sort.Strings(codes)
	type inj struct {
		at   int64
		code string
	}
	var plan []inj
	for _, c := range codes {
		for i := 0; i < perCode; i++ {
			plan = append(plan, inj{r.Int63n(size), c})
		}
	}
	sort.Slice(plan, func(i, j int) bool { return plan[i].at < plan[j].at })

	fi := FileInfo{Layout: layout, Path: path, Injected: map[string][]int64{}}
	ts := time.Date(2024, 1, 3, 0, 0, 0, 0, time.UTC)
	var off, line int64
	emit := func(e event) error {
		ts = ts.Add(time.Duration(r.Intn(40)) * time.Millisecond)
		s := render(layout, e, ts)
		n, err := w.WriteString(s)
		off += int64(n)
		line += int64(strings.Count(s, "\n"))
		return err
	}
	next := 0
	for off < size || next < len(plan) {
		if next < len(plan) && plan[next].at <= off {
			e := injected[plan[next].code]
			if e.node == "" {
				e.node = pick(r, nodes)
			}
			fi.Injected[plan[next].code] = append(fi.Injected[plan[next].code], line+1)
			next++
			if err := emit(e); err != nil {
				return fi, err
			}
			continue
		}
		if err := emit(noise(r)); err != nil {
			return fi, err
		}
	}
	if err := w.Flush(); err != nil {
		return fi, err
	}
	fi.Bytes, fi.Lines = off, line
	return fi, nil
}

var fullLoggers = map[string]string{
	"o.e.t.": "org.elasticsearch.transport.", "o.e.c.s.": "org.elasticsearch.common.ssl.", "o.e.x.c.s.t.n.": "org.elasticsearch.xpack.core.security.transport.netty4.",
	"o.e.x.s.a.": "org.elasticsearch.xpack.security.authc.", "o.e.n.": "org.elasticsearch.node.", "o.e.h.": "org.elasticsearch.http.",
	"o.e.c.m.": "org.elasticsearch.cluster.metadata.", "o.e.c.r.a.": "org.elasticsearch.cluster.routing.allocation.", "o.e.m.j.": "org.elasticsearch.monitor.jvm.",
	"o.e.x.i.": "org.elasticsearch.xpack.ilm.", "o.e.c.s.ClusterApplierService": "org.elasticsearch.cluster.service.ClusterApplierService",
	"o.e.s.": "org.elasticsearch.snapshots.", "o.e.a.s.": "org.elasticsearch.action.search.", "o.e.i.e.": "org.elasticsearch.index.engine.",
	"o.e.c.": "org.elasticsearch.cluster.", "o.e.x.m.j.p.a.": "org.elasticsearch.xpack.ml.job.process.autodetect.",
}

func fullLogger(l string) string {
	best := ""
	for k := range fullLoggers {
		if strings.HasPrefix(l, k) && len(k) > len(best) {
			best = k
		}
	}
	if best == "" {
		return l
	}
	return fullLoggers[best] + l[len(best):]
}

func js(s string) string { b, _ := json.Marshal(s); return string(b) }

// render writes one event in a layout, ending with "\n".
func render(layout string, e event, ts time.Time) string {
	if e.raw != "" {
		return e.raw + "\n"
	}
	var b strings.Builder
	switch layout {
	case "plain":
		fmt.Fprintf(&b, "[%s][%-5s][%-25s] [%s] %s\n", ts.Format("2006-01-02T15:04:05,000"), e.level, e.logger, e.node, e.message)
		for _, l := range e.stack {
			b.WriteString(l)
			b.WriteByte('\n')
		}
	case "ecs-json":
		fmt.Fprintf(&b, `{"@timestamp":"%s", "log.level": "%s", "message":%s, "ecs.version": "1.2.0","service.name":"ES_ECS","event.dataset":"elasticsearch.server","process.thread.name":"elasticsearch[%s][generic][T#3]","log.logger":"%s","elasticsearch.cluster.uuid":"Ovd7ACGzQ3Ot0OCHQf5R8w","elasticsearch.node.id":"aBcD1234efGH5678ijKL90","elasticsearch.node.name":"%s","elasticsearch.cluster.name":"prod"`,
			ts.Format("2006-01-02T15:04:05.000Z"), e.level, js(e.message), e.node, fullLogger(e.logger), e.node)
		if len(e.stack) > 0 {
			typ, msg, _ := strings.Cut(e.stack[0], ": ")
			fmt.Fprintf(&b, `,"error.type":%s,"error.message":%s,"error.stack_trace":%s`, js(typ), js(msg), js(strings.Join(e.stack, "\n")))
		}
		b.WriteString("}\n")
	case "es-json-7":
		fmt.Fprintf(&b, `{"type": "server", "timestamp": "%s", "level": "%s", "component": "%s", "cluster.name": "prod", "node.name": "%s", "message": %s`,
			ts.Format("2006-01-02T15:04:05,000Z"), e.level, e.logger, e.node, js(e.message))
		if len(e.stack) > 0 {
			parts := make([]string, len(e.stack))
			for i, l := range e.stack {
				parts[i] = js(l)
			}
			fmt.Fprintf(&b, `, "cluster.uuid": "Ovd7ACGzQ3Ot0OCHQf5R8w", "node.id": "aBcD1234efGH5678ijKL90" , "stacktrace": [%s]`, strings.Join(parts, ","))
		}
		b.WriteString(" }\n")
	}
	return b.String()
}
