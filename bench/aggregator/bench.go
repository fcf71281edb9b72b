package main

import (
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"slices"
	"sync"
	"syscall"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/prometheus/procfs"
)

// Config is one benchmark run.
type Config struct {
	Agents   int
	Rate     float64       // events per second per agent
	Duration time.Duration // the measured window
	Warmup   time.Duration // steady load before the window
	Faults   int           // injected during the window
	Conns    int           // NATS connections the agents share
	Flaky    float64       // share of cluster pairs with a standing connect_exception
	Seed     uint64
	Bin      string // esdoctor-aggregator
	Dir      string // work directory; empty: a temporary one, removed
	Profile  string // write the aggregator's CPU profile of the window here (and a heap profile beside it)
	Settle   time.Duration
	Progress io.Writer
}

// Result is what a run measured.
type Result struct {
	Cfg                         Config
	Clusters, Pairs, FlakyPairs int
	MinSize, MaxSize            int
	Window                      time.Duration

	// Published counts stored events (all of the run); InWindow those of
	// the window, Slots/Late the steady-state schedule.
	Published, InWindow  uint64
	Snapshots, Symptoms  uint64
	Heartbeats           uint64
	Duplicates, Failed   uint64
	Retries, Slots, Late uint64

	// From the aggregator's /metrics.
	Applied, AppliedInWindow uint64
	Received, Rejected       uint64
	Redelivered, StoreDups   uint64
	LagAtWindowEnd           int64
	Nodes                    int
	Open                     map[string]float64
	Eval                     histogram

	Faults FaultStats

	CPUWindow, CPUTotal time.Duration
	PeakRSS, RSS        uint64
	// Mem is where the memory goes at the window's end.
	Mem        MemBreakdown
	LoadgenCPU time.Duration
	StopErr    error
	LogPath    string
	// LoadBefore and LoadAfter are /proc/loadavg (1 minute) around the
	// run: other work on the machine competes for its cores.
	LoadBefore, LoadAfter float64
	// MachineBusy is the CPU time every process used in the window
	// (/proc/stat), LoadgenWindow this process's share of it.
	MachineBusy, LoadgenWindow time.Duration
}

// Run runs one benchmark.
func Run(cfg Config) (res *Result, err error) {
	if cfg.Progress == nil {
		cfg.Progress = io.Discard
	}
	say := func(format string, args ...any) {
		fmt.Fprintf(cfg.Progress, "bench-aggregator: "+format+"\n", args...)
	}
	tpl, err := loadTemplates()
	if err != nil {
		return nil, err
	}
	rng := rand.New(rand.NewPCG(cfg.Seed, 1))
	fleet, err := BuildFleet(tpl, cfg.Agents, cfg.Flaky, rng, time.Now())
	if err != nil {
		return nil, err
	}
	res = &Result{Cfg: cfg, Clusters: len(fleet.Clusters), Pairs: len(fleet.Pairs), MinSize: maxClusterSize, LoadBefore: loadAvg()}
	for _, c := range fleet.Clusters {
		res.MinSize, res.MaxSize = min(res.MinSize, len(c.Agents)), max(res.MaxSize, len(c.Agents))
	}
	for _, p := range fleet.Pairs {
		if p.Flaky {
			res.FlakyPairs++
		}
	}

	dir := cfg.Dir
	if dir == "" {
		if dir, err = os.MkdirTemp("", "bench-aggregator-"); err != nil {
			return res, err
		}
		defer os.RemoveAll(dir)
	} else if err := os.MkdirAll(dir, 0o750); err != nil {
		return res, err
	}
	agg, err := startAggregator(cfg.Bin, dir, true) // pprof on loopback: the heap's owners
	if err != nil {
		return res, err
	}
	res.LogPath = agg.logPath
	defer func() {
		if serr := agg.stop(); serr != nil && err == nil {
			res.StopErr = serr
		}
	}()
	say("aggregator pid %d: API %s, NATS %s", agg.cmd.Process.Pid, agg.httpURL, agg.natsURL)

	ld, err := newLoader(agg.natsURL, cfg.Conns)
	if err != nil {
		return res, err
	}
	defer ld.close()
	wnc, err := nats.Connect(agg.natsURL, append([]nats.Option{nats.Name("bench-watch")}, natsAuth...)...)
	if err != nil {
		return res, fmt.Errorf("connect to NATS: %w", err)
	}
	defer wnc.Close()
	watch, err := watchFaults(wnc)
	if err != nil {
		return res, err
	}
	defer watch.close()

	// 1. Every agent sends its snapshot and start records; the model is
	// built when the aggregator applied them all.
	var first []agentEvent
	for _, a := range fleet.Agents {
		for _, e := range a.initialEvents() {
			first = append(first, agentEvent{a, e})
		}
	}
	t := time.Now()
	if err := ld.publishAll(first, 4*cfg.Conns); err != nil {
		return res, err
	}
	if err := waitApplied(agg, ld.published.Load(), cfg.Settle+30*time.Second); err != nil {
		return res, err
	}
	say("%d agents sent %d snapshot and start events; applied in %s", len(fleet.Agents), len(first), time.Since(t).Round(time.Millisecond))

	// 2. Steady load: warm-up, then the measured window with the faults.
	stop := make(chan struct{})
	var wg sync.WaitGroup
	begin := time.Now().Add(50 * time.Millisecond)
	for _, a := range fleet.Agents {
		wg.Add(1)
		go func() {
			defer wg.Done()
			ld.runAgent(stop, fleet, a, cfg.Rate, begin, cfg.Seed)
		}()
	}
	stopped := false
	stopAgents := func() {
		if !stopped {
			stopped = true
			close(stop)
			wg.Wait()
		}
	}
	defer stopAgents()
	say("steady load: %d agents x %g events/s; warm-up %s, then %s measured with %d faults", len(fleet.Agents), cfg.Rate, cfg.Warmup, cfg.Duration, cfg.Faults)
	time.Sleep(cfg.Warmup)

	m0, err := scrapeMetrics(agg.httpURL)
	if err != nil {
		return res, err
	}
	p0, err := agg.stats()
	if err != nil {
		return res, err
	}
	pub0, slots0, late0 := ld.published.Load(), ld.slots.Load(), ld.late.Load()
	busy0, self0 := machineBusy(), selfCPU()
	w0 := time.Now()
	profDone := make(chan error, 1)
	if cfg.Profile != "" {
		go func() { profDone <- agg.profile("profile", cfg.Duration, cfg.Profile) }()
	}
	injectErr := make(chan error, 1)
	go func() { injectErr <- inject(fleet, ld, watch, cfg, rand.New(rand.NewPCG(cfg.Seed, 2)), w0) }()
	time.Sleep(time.Until(w0.Add(cfg.Duration)))
	m1, err := scrapeMetrics(agg.httpURL)
	if err != nil {
		return res, err
	}
	p1, err := agg.stats()
	if err != nil {
		return res, err
	}
	res.Window = time.Since(w0)
	res.Mem = agg.memBreakdown(m1)
	res.MachineBusy, res.LoadgenWindow = machineBusy()-busy0, selfCPU()-self0
	res.InWindow = ld.published.Load() - pub0
	res.Slots, res.Late = ld.slots.Load()-slots0, ld.late.Load()-late0
	res.LagAtWindowEnd = int64(ld.published.Load()) - int64(m1.sum(mStoreApplied))
	stopAgents()
	if err := <-injectErr; err != nil {
		return res, err
	}
	say("window done: %d events published; waiting for the aggregator and the diagnoses", res.InWindow)

	// 3. Drain: everything published is applied, every fault diagnosed.
	watch.wait(cfg.Settle)
	if err := waitApplied(agg, ld.published.Load(), cfg.Settle); err != nil {
		say("%v", err)
	}
	if cfg.Profile != "" {
		if err := <-profDone; err != nil {
			say("cpu profile: %v", err)
		} else if err := agg.profile("heap", 0, cfg.Profile+".heap"); err != nil {
			say("heap profile: %v", err)
		} else {
			say("profiles: %s, %s.heap", cfg.Profile, cfg.Profile)
		}
	}
	m2, err := scrapeMetrics(agg.httpURL)
	if err != nil {
		return res, err
	}
	p2, err := agg.stats()
	if err != nil {
		return res, err
	}
	res.Published = ld.published.Load()
	res.Snapshots, res.Symptoms, res.Heartbeats = ld.kindCount("snapshot"), ld.kindCount("symptom"), ld.kindCount("heartbeat")
	res.Duplicates, res.Failed, res.Retries = ld.duplicates.Load(), ld.failed.Load(), ld.retries.Load()
	res.Applied = uint64(m2.sum(mStoreApplied))
	res.AppliedInWindow = uint64(m1.sum(mStoreApplied) - m0.sum(mStoreApplied))
	res.Received, res.Rejected = uint64(m2.sum(mIngestReceived)), uint64(m2.sum(mIngestRejected))
	res.Redelivered, res.StoreDups = uint64(m2.sum(mRedelivered)), uint64(m2.sum(mStoreDuplicates))
	res.Nodes = int(m2.sum(mNodes))
	res.Open = m2.byLabel(mOpen, "code")
	res.Eval = m1.histogram(mEvalDuration).minus(m0.histogram(mEvalDuration))
	res.Faults = watch.stats()
	res.CPUWindow, res.CPUTotal = p1.CPU-p0.CPU, p2.CPU
	res.PeakRSS, res.RSS = p2.PeakRSS, p2.RSS
	res.LoadgenCPU = selfCPU()
	res.LoadAfter = loadAvg()
	return res, nil
}

// inject sends cfg.Faults faults at random times of the window that
// starts at w0 (uniform, so the gaps are exponential-like), alternating
// the kinds, each on a random pair and random nodes of it. A fault's
// records are published at once (one goroutine each, from their own
// agents' connections); its clock starts just before.
func inject(f *Fleet, ld *loader, watch *faultWatch, cfg Config, rng *rand.Rand, w0 time.Time) error {
	if cfg.Faults == 0 || len(f.Pairs) == 0 {
		return nil
	}
	// Leave the window's last tenth for the last diagnoses to show.
	span := cfg.Duration * 9 / 10
	at := make([]time.Duration, cfg.Faults)
	for i := range at {
		at[i] = time.Duration(rng.Int64N(int64(span)))
	}
	slices.Sort(at)
	var wg sync.WaitGroup
	errs := make(chan error, cfg.Faults*2)
	for i, d := range at {
		time.Sleep(time.Until(w0.Add(d)))
		kind := faultInvalidKey
		if i%2 == 1 {
			kind = faultMissingHeader
		}
		p := f.Pairs[rng.IntN(len(f.Pairs))]
		l := p.Local.Agents[rng.IntN(len(p.Local.Agents))]
		r := p.Remote.Agents[rng.IntN(len(p.Remote.Agents))]
		key := faultKey(kind, i+1)
		now := time.Now()
		recs, who, err := f.faultRecords(kind, key, p, l, r, now)
		if err != nil {
			return err
		}
		watch.sent(kind, key, now)
		for j := range recs {
			wg.Add(1)
			go func() {
				defer wg.Done()
				if err := ld.publish(who[j], recs[j]); err != nil {
					errs <- err
				}
			}()
		}
	}
	wg.Wait()
	close(errs)
	return <-errs // nil when none
}

// waitApplied waits until the aggregator's store applied n events.
func waitApplied(agg *aggProc, n uint64, d time.Duration) error {
	deadline := time.Now().Add(d)
	for {
		m, err := scrapeMetrics(agg.httpURL)
		if err == nil && uint64(m.sum(mStoreApplied)) >= n {
			return nil
		}
		if time.Now().After(deadline) {
			got := uint64(0)
			if m != nil {
				got = uint64(m.sum(mStoreApplied))
			}
			return fmt.Errorf("the aggregator applied %d of %d events after waiting %s (%v)", got, n, d, err)
		}
		select {
		case <-agg.exited:
			return errors.New("the aggregator exited; see " + agg.logPath)
		case <-time.After(200 * time.Millisecond):
		}
	}
}

// loadAvg is the 1-minute load average, or -1.
func loadAvg() float64 {
	fs, err := procfs.NewDefaultFS()
	if err != nil {
		return -1
	}
	l, err := fs.LoadAvg()
	if err != nil {
		return -1
	}
	return l.Load1
}

// machineBusy is the CPU time all CPUs spent busy since boot.
func machineBusy() time.Duration {
	fs, err := procfs.NewDefaultFS()
	if err != nil {
		return 0
	}
	st, err := fs.Stat()
	if err != nil {
		return 0
	}
	t := st.CPUTotal
	return time.Duration((t.User + t.Nice + t.System + t.IRQ + t.SoftIRQ + t.Steal) * float64(time.Second))
}

// selfCPU is this process's CPU time (the load generator's).
func selfCPU() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
