// Command console measures the ops console in a real browser (headless
// chromium) at the size the issue names: 1 000 nodes and 500 open
// diagnoses. It serves the real page and the real HTTP API (api.NewHandler,
// web.Handler, the SSE broker) over a synthetic model on 127.0.0.1, then
// prints, best and median of N runs, wall clock from the Go side:
//
//   - list: navigation start until the 500 rows are in the table;
//   - overview: hash change until the 1 000 agent rows are in the page;
//   - live: one SSE diagnosis event published until its row is shown;
//   - burst: 100 SSE updates published until the last one is shown.
//
// make bench-console runs it; numbers are printed, never asserted.
package main

import (
	"context"
	"flag"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"sort"
	"strings"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/esdoctor/esdoctor/aggregator/acks"
	"github.com/esdoctor/esdoctor/aggregator/api"
	"github.com/esdoctor/esdoctor/aggregator/web"
	"github.com/esdoctor/esdoctor/shared/diagnosis"
	"github.com/esdoctor/esdoctor/shared/event"
)

func main() {
	nodes := flag.Int("nodes", 1000, "nodes (10 per cluster)")
	diags := flag.Int("diagnoses", 500, "open diagnoses")
	runs := flag.Int("runs", 3, "runs")
	flag.Parse()
	if err := run(*nodes, *diags, *runs); err != nil {
		fmt.Fprintln(os.Stderr, "bench-console:", err)
		os.Exit(1)
	}
}

func chromium() (string, error) {
	if p := os.Getenv("ESDOCTOR_CHROMIUM"); p != "" {
		return p, nil
	}
	for _, n := range []string{"chromium", "chromium-browser", "google-chrome"} {
		if p, err := exec.LookPath(n); err == nil {
			return p, nil
		}
	}
	return "", fmt.Errorf("no chromium binary (apt-get install -y chromium)")
}

func run(nNodes, nDiags, runs int) error {
	bin, err := chromium()
	if err != nil {
		return err
	}
	src := synthetic(nNodes, nDiags)
	broker := api.NewBroker()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return err
	}
	srv := &http.Server{Handler: api.NewHandler(src, api.HandlerOptions{Broker: broker, UI: web.Handler()})}
	srv.RegisterOnShutdown(broker.Close)
	go func() { _ = srv.Serve(ln) }()
	defer srv.Close()
	base := "http://" + ln.Addr().String()

	actx, cancelA := chromedp.NewExecAllocator(context.Background(), append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(bin), chromedp.NoSandbox, chromedp.Flag("disable-dev-shm-usage", true), chromedp.WindowSize(1400, 1000))...)
	defer cancelA()
	var list, overview, live, burst, pageList, renderMs []time.Duration
	for r := 0; r < runs; r++ {
		bctx, cancelB := chromedp.NewContext(actx)
		ctx, cancel := context.WithTimeout(bctx, 2*time.Minute)
		wait := func(expr string) error {
			_, err := chromedp.Run(ctx, chromedp.Poll[bool](expr, chromedp.WithPollingMutation(), chromedp.WithPollingTimeout(60*time.Second)))
			return err
		}
		start := time.Now()
		if err := chromedp.Do(ctx, chromedp.Navigate(base+"/#/diagnoses")); err != nil {
			cancel()
			cancelB()
			return err
		}
		if err := wait(fmt.Sprintf(`document.querySelectorAll("#diagnoses tbody tr[data-id]").length === %d`, nDiags)); err != nil {
			cancel()
			cancelB()
			return fmt.Errorf("list: %w", err)
		}
		list = append(list, time.Since(start))
		if v, err := chromedp.Run(ctx, chromedp.Evaluate[float64](`performance.now()`)); err == nil {
			pageList = append(pageList, time.Duration(v*float64(time.Millisecond)))
		}
		if v, err := chromedp.Run(ctx, chromedp.Evaluate[float64](`(() => { const t = performance.now(); renderList(); return performance.now() - t })()`)); err == nil {
			renderMs = append(renderMs, time.Duration(v*float64(time.Millisecond)))
		}
		if err := wait(`document.querySelector("#live").textContent === "live"`); err != nil {
			cancel()
			cancelB()
			return err
		}
		// One new diagnosis, live.
		d := diag(100000+r, 0)
		start = time.Now()
		broker.Publish(api.EventDiagnosis, map[string]any{"change": "opened", "time": time.Now(), "diagnosis": d})
		if err := wait(fmt.Sprintf(`!!document.querySelector('#diagnoses tr[data-id="%s"]')`, d.ID)); err != nil {
			cancel()
			cancelB()
			return fmt.Errorf("live: %w", err)
		}
		live = append(live, time.Since(start))
		// A burst of 100 updates (count changes) of existing diagnoses.
		start = time.Now()
		var last diagnosis.Diagnosis
		for i := 0; i < 100; i++ {
			last = diag(i, 1000+r)
			broker.Publish(api.EventDiagnosis, map[string]any{"change": "updated", "time": time.Now(), "diagnosis": last})
		}
		if err := wait(fmt.Sprintf(`(() => { const r = document.querySelector('#diagnoses tr[data-id="%s"]'); return r && r.querySelector("td.num").textContent === "%d" })()`, last.ID, last.Count)); err != nil {
			cancel()
			cancelB()
			return fmt.Errorf("burst: %w", err)
		}
		burst = append(burst, time.Since(start))
		// The overview with every agent.
		start = time.Now()
		if err := chromedp.Do(ctx, chromedp.Evaluate[chromedp.Void](`location.hash = "#/"`)); err != nil {
			cancel()
			cancelB()
			return err
		}
		if err := wait(fmt.Sprintf(`document.querySelectorAll("#clusters tbody tr").length === %d`, nNodes)); err != nil {
			cancel()
			cancelB()
			return fmt.Errorf("overview: %w", err)
		}
		overview = append(overview, time.Since(start))
		cancel()
		cancelB()
	}
	fmt.Printf("console with %d nodes (%d clusters) and %d open diagnoses, headless chromium, %d runs (wall clock on the Go side, page and server on this machine):\n",
		nNodes, (nNodes+9)/10, nDiags, runs)
	report := func(what string, ds []time.Duration) {
		sort.Slice(ds, func(i, j int) bool { return ds[i] < ds[j] })
		fmt.Printf("  %-62s best %6.0f ms  median %6.0f ms\n", what, ms(ds[0]), ms(ds[len(ds)/2]))
	}
	report("list: navigation until all rows are shown", list)
	report("list, page clock: navigation start until all rows are shown", pageList)
	report("one full re-render of the 500-row list (page clock)", renderMs)
	report("live: SSE event published until its row is shown", live)
	report("burst: 100 SSE updates published until the last is shown", burst)
	report("overview: hash change until every agent row is shown", overview)
	return nil
}

func ms(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }

// src is a Source and Console over fixed data.
type src struct {
	ds    []diagnosis.Diagnosis
	nodes []api.Node
	cs    api.Clusters
}

func (s *src) Ready() bool { return true }
func (s *src) Diagnoses(q api.Query) []diagnosis.Diagnosis {
	if q.State == api.StateResolved {
		return []diagnosis.Diagnosis{}
	}
	return s.ds
}
func (s *src) Diagnosis(id string) (diagnosis.Diagnosis, bool) {
	for _, d := range s.ds {
		if d.ID == id {
			return d, true
		}
	}
	return diagnosis.Diagnosis{}, false
}
func (s *src) Nodes() []api.Node      { return s.nodes }
func (s *src) Health() api.Health     { return api.Health{Status: "ok"} }
func (s *src) Clusters() api.Clusters { s.cs.Now = time.Now().UTC(); return s.cs }
func (s *src) Acknowledge(context.Context, string, api.AckRequest) (diagnosis.Diagnosis, error) {
	return diagnosis.Diagnosis{}, api.ErrConflict
}
func (s *src) AckHistory(context.Context, string) ([]acks.Record, error) { return []acks.Record{}, nil }
func (s *src) Certificates(string) (diagnosis.CertComparison, bool) {
	return diagnosis.CertComparison{}, false
}

var codes = []string{"transport-port-instead-of-remote-cluster-port", "tls-untrusted-ca", "invalid-api-key", "remote-unreachable", "config-drift"}
var sevs = []string{"error", "error", "error", "critical", "warning"}

func diag(i, count int) diagnosis.Diagnosis {
	now := time.Now().UTC()
	local, remote := fmt.Sprintf("c%03d", (2*i)%100), fmt.Sprintf("c%03d", (2*i+1)%100)
	d := diagnosis.Diagnosis{ID: event.HashID("bench", fmt.Sprint(i)), Code: codes[i%len(codes)], Severity: sevs[i%len(sevs)],
		Title: "A synthetic diagnosis for the console benchmark", Explanation: strings.Repeat("Why it happens. ", 8),
		Clusters: []string{local, remote}, Alias: fmt.Sprintf("a%d", i%7), FirstSeen: now.Add(-time.Hour), LastSeen: now, Count: 3 + count, State: "open",
		Facts: map[string]any{"seeds": []string{"127.0.1.2:9300"}}, Fix: diagnosis.Fix{Summary: "Fix it.", Commands: []string{"PUT _cluster/settings {}"}}}
	for n := 0; n < 3; n++ {
		d.Nodes = append(d.Nodes, diagnosis.NodeRef{Cluster: local, Node: fmt.Sprintf("%s-n%d", local, n)})
	}
	for e := 0; e < 4; e++ {
		side := diagnosis.SideLocal
		if e%2 == 1 {
			side = diagnosis.SideRemote
		}
		t := now
		d.Evidence = append(d.Evidence, diagnosis.Evidence{Side: side, Cluster: local, Node: local + "-n0", File: "/var/log/elasticsearch/x.log", Line: int64(e), Time: &t,
			Text: strings.Repeat("exception caught on transport layer ", 4)})
	}
	return d
}

func synthetic(nNodes, nDiags int) *src {
	s := &src{}
	hb := time.Now().UTC()
	byCluster := map[string]*api.ClusterInfo{}
	var names []string
	for i := 0; i < nNodes; i++ {
		c := fmt.Sprintf("c%03d", i/10)
		n := api.Node{Cluster: c, Node: fmt.Sprintf("%s-n%d", c, i%10), Host: fmt.Sprintf("127.0.%d.%d", i/250, i%250+1), ESVersion: "8.13.4", LastHeartbeat: &hb}
		s.nodes = append(s.nodes, n)
		if byCluster[c] == nil {
			byCluster[c] = &api.ClusterInfo{Name: c, Nodes: []api.Node{}}
			names = append(names, c)
		}
		byCluster[c].Nodes = append(byCluster[c].Nodes, n)
	}
	for i := 0; i < nDiags; i++ {
		s.ds = append(s.ds, diag(i, 0))
	}
	for _, c := range names {
		ci := byCluster[c]
		ci.Worst, ci.Open = "error", 5
		s.cs.Clusters = append(s.cs.Clusters, *ci)
	}
	for i := 0; i+1 < len(names); i += 2 {
		s.cs.Links = append(s.cs.Links, api.LinkInfo{Local: names[i], Alias: "a", Remote: names[i+1], Mode: "sniff", Auth: api.AuthAPIKey, Worst: "error", Open: 5})
	}
	return s
}
