package main

import (
	"fmt"
	"io"
	"math"
	"runtime"
	"sort"
	"strings"
	"time"
)

// Print writes the summary block.
func (r *Result) Print(w io.Writer) {
	c := r.Cfg
	secs := r.Window.Seconds()
	target := float64(c.Agents) * c.Rate
	pct := func(a, b float64) float64 {
		if b == 0 {
			return 0
		}
		return 100 * a / b
	}
	fmt.Fprintf(w, "\n== esdoctor-aggregator benchmark ==\n")
	fmt.Fprintf(w, "agents              %d in %d clusters of %d-%d nodes (%d linked pairs, %d with standing connect_exception), %d shared NATS connections\n",
		c.Agents, r.Clusters, r.MinSize, r.MaxSize, r.Pairs, r.FlakyPairs, c.Conns)
	fmt.Fprintf(w, "window              %s after %s warm-up\n", r.Window.Round(time.Millisecond), c.Warmup)
	fmt.Fprintf(w, "target              %.0f events/s (%g per agent)\n", target, c.Rate)
	fmt.Fprintf(w, "achieved            %.0f events/s published and acked by JetStream (%.1f%% of target); %d late slots skipped (%.2f%%)\n",
		float64(r.InWindow)/secs, pct(float64(r.InWindow)/secs, target), r.Late, pct(float64(r.Late), float64(r.Slots+r.Late)))
	fmt.Fprintf(w, "aggregator applied  %.0f events/s in the window; lag at its end %d events\n", float64(r.AppliedInWindow)/secs, r.LagAtWindowEnd)
	fmt.Fprintf(w, "events, whole run   published %d (%d snapshots, %d symptoms, %d heartbeats), applied %d, rejected %d, redelivered %d, store duplicates %d, publish retries %d, failed %d, duplicate ids %d\n",
		r.Published, r.Snapshots, r.Symptoms, r.Heartbeats, r.Applied, r.Rejected, r.Redelivered, r.StoreDups, r.Retries, r.Failed, r.Duplicates)
	fmt.Fprintf(w, "faults              %d injected, %d diagnosed; invalid-api-key paired with the remote side: %d of %d\n",
		r.Faults.Injected, r.Faults.Detected, r.Faults.Paired, r.Faults.PairedOf)
	fmt.Fprintf(w, "latency (diagnosis) %s\n", r.Faults.Detect)
	fmt.Fprintf(w, "latency (paired)    %s\n", r.Faults.Pair)
	fmt.Fprintf(w, "  until evaluation  %s\n", r.Faults.Wait)
	fmt.Fprintf(w, "  evaluation+notify %s\n", r.Faults.Eval)
	fmt.Fprintf(w, "evaluations         %d in the window, mean %s, p99 <= %s (histogram bucket)\n", r.Eval.count, ms(r.Eval.mean()), bound(r.Eval.quantile(0.99)))
	fmt.Fprintf(w, "aggregator RSS      peak %.0f MiB (VmHWM in /proc/PID/status: the whole run, model rebuild included), now %.0f MiB (VmRSS)\n", mib(r.PeakRSS), mib(r.RSS))
	r.Mem.Print(w, 12)
	fmt.Fprintf(w, "aggregator CPU      %.1f s in the window (%.0f%% of one core), %.1f s in all\n", r.CPUWindow.Seconds(), pct(r.CPUWindow.Seconds(), secs), r.CPUTotal.Seconds())
	fmt.Fprintf(w, "load generator CPU  %.1f s in the window, %.1f s in all (same machine)\n", r.LoadgenWindow.Seconds(), r.LoadgenCPU.Seconds())
	other := r.MachineBusy - r.CPUWindow - r.LoadgenWindow
	fmt.Fprintf(w, "other processes CPU %.1f s in the window (all CPUs busy %.1f s of %.0f s)\n", max(other, 0).Seconds(), r.MachineBusy.Seconds(),
		float64(runtime.NumCPU())*secs)
	fmt.Fprintf(w, "machine             %d CPUs, load average %.2f before, %.2f after (other work competes for the cores)\n", runtime.NumCPU(), r.LoadBefore, r.LoadAfter)
	fmt.Fprintf(w, "open diagnoses      %s (%d nodes in the model)\n", openSummary(r.Open), r.Nodes)
	if r.StopErr != nil {
		fmt.Fprintf(w, "aggregator stop     %v\n", r.StopErr)
	}
}

// OK reports whether the counts match: everything published was applied,
// nothing rejected, every fault diagnosed.
func (r *Result) OK() []string {
	var bad []string
	if r.Applied != r.Published {
		bad = append(bad, fmt.Sprintf("applied %d events, published %d", r.Applied, r.Published))
	}
	if r.Rejected != 0 || r.Failed != 0 || r.Duplicates != 0 {
		bad = append(bad, fmt.Sprintf("rejected %d, failed %d, duplicate ids %d", r.Rejected, r.Failed, r.Duplicates))
	}
	if r.Faults.Detected != r.Faults.Injected || r.Faults.Paired != r.Faults.PairedOf || r.Faults.BadNotifications != 0 {
		bad = append(bad, fmt.Sprintf("faults: %d injected, %d diagnosed, %d of %d paired, %d bad notifications",
			r.Faults.Injected, r.Faults.Detected, r.Faults.Paired, r.Faults.PairedOf, r.Faults.BadNotifications))
	}
	if r.StopErr != nil {
		bad = append(bad, r.StopErr.Error())
	}
	return bad
}

func mib(b uint64) float64 { return float64(b) / (1 << 20) }

func bound(s float64) string {
	if math.IsInf(s, 1) {
		return "+Inf"
	}
	return ms(time.Duration(s * float64(time.Second)))
}

func openSummary(open map[string]float64) string {
	var codes []string
	total := 0.0
	for c, n := range open {
		if n > 0 {
			codes = append(codes, fmt.Sprintf("%s %.0f", c, n))
			total += n
		}
	}
	sort.Strings(codes)
	return fmt.Sprintf("%.0f: %s", total, strings.Join(codes, ", "))
}
