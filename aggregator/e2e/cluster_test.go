package e2e

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	"go.uber.org/zap"
	"go.uber.org/zap/zaptest"

	"github.com/esdoctor/esdoctor/agent/collect"
	agentpublish "github.com/esdoctor/esdoctor/agent/publish"
	"github.com/esdoctor/esdoctor/agent/spool"
	"github.com/esdoctor/esdoctor/aggregator"
	"github.com/esdoctor/esdoctor/aggregator/api"
	"github.com/esdoctor/esdoctor/internal/testkit/natscluster"
	"github.com/esdoctor/esdoctor/internal/testkit/scenario"
	"github.com/esdoctor/esdoctor/shared/bundle"
	"github.com/esdoctor/esdoctor/shared/event"
	"github.com/esdoctor/esdoctor/shared/natsx"
	"github.com/esdoctor/esdoctor/shared/sitekey"
)

// The README's scale-out, proven: three nats-server processes clustered on
// loopback (JetStream on each, the streams with 3 replicas), two
// aggregators with their own durable consumers on the cluster's URL list,
// and 100 simulated agents — each with its own disk spool, NATS connection
// and the agent's publisher (agent/publish), as esdoctor-agent run wires
// them — sending their node's snapshot, its start and fault lines, then a
// steady stream of repeated fault lines and heartbeats. Mid-stream the NATS
// node leading ESDOCTOR_EVENTS is killed with SIGKILL and later started
// again; then one aggregator is stopped and started again. At the end no
// event is lost or applied twice (every node's symptom counts in both
// aggregators' models equal what its agent published; JetStream stored each
// event once) and both aggregators give the same diagnoses.
func TestScaleOutNATSCluster(t *testing.T) {
	if testing.Short() {
		t.Skip("-short: a three-node NATS cluster and a leader failover take ~30 s")
	}
	res := runScaleOut(t, scaleOutConfig{Agents: 100, Interval: 250 * time.Millisecond, Duration: 10 * time.Second, Verbose: true})
	t.Log(res)
	if res.Lost != 0 || res.Duplicated != 0 || res.StoredTwice != 0 || !res.SameDiagnoses {
		t.Errorf("scale-out: %s", res)
	}
}

// BenchmarkScaleOutNATSCluster is make bench-cluster: the same run, longer
// and denser, printed (ESDOCTOR_BENCH_CLUSTER_AGENTS, _INTERVAL, _DURATION
// change it).
func BenchmarkScaleOutNATSCluster(b *testing.B) {
	cfg := scaleOutConfig{Agents: 100, Interval: 100 * time.Millisecond, Duration: 60 * time.Second, AckFloor: true}
	if v, err := strconv.Atoi(os.Getenv("ESDOCTOR_BENCH_CLUSTER_AGENTS")); err == nil && v >= 2 {
		cfg.Agents = v
	}
	if v, err := time.ParseDuration(os.Getenv("ESDOCTOR_BENCH_CLUSTER_INTERVAL")); err == nil && v > 0 {
		cfg.Interval = v
	}
	if v, err := time.ParseDuration(os.Getenv("ESDOCTOR_BENCH_CLUSTER_DURATION")); err == nil && v >= 10*time.Second {
		cfg.Duration = v
	}
	for range b.N {
		res := runScaleOut(b, cfg)
		fmt.Println(res.Report())
		b.ReportMetric(float64(res.Events), "events")
		b.ReportMetric(float64(res.Lost), "lost")
		b.ReportMetric(float64(res.Duplicated), "duplicated")
		b.ReportMetric(res.Election.Seconds(), "leader-election-s")
		b.ReportMetric(res.MaxStall.Seconds(), "max-publish-stall-s")
		b.ReportMetric(res.Ready.Seconds(), "aggregator-ready-s")
		if res.Lost != 0 || res.Duplicated != 0 || res.StoredTwice != 0 || !res.SameDiagnoses {
			b.Errorf("scale-out: %s", res)
		}
	}
}

// scaleOutLogEnv, when set, puts the aggregators' info logs in the test
// output.
const scaleOutLogEnv = "ESDOCTOR_SCALEOUT_LOG"

type scaleOutConfig struct {
	Agents   int
	Interval time.Duration // between two fault lines of one agent
	Duration time.Duration // of the steady stream (at least; the failovers may stretch it)
	Verbose  bool          // aggregator warnings in the test log
	// AckFloor: also wait for, and time, the restarted aggregator's durable
	// consumer acknowledging everything stored before its restart (up to
	// the 30 s AckWait longer than its model: see scaleOutResult).
	AckFloor bool
}

type scaleOutResult struct {
	Agents, Events, Symptoms int
	// Lost and Duplicated are summed over both aggregators and every node:
	// symptoms published but missing from the model, or counted more than
	// once.
	Lost, Duplicated int
	// StoredTwice: events in ESDOCTOR_EVENTS beyond the distinct symptom
	// events published (JetStream deduplication by Nats-Msg-Id).
	StoredTwice int
	// Redelivered: events the aggregators' stores recognised by id and
	// did not apply again (redeliveries after the failovers, replay).
	Redelivered   uint64
	SameDiagnoses bool
	Diagnoses     int
	Killed        string
	// Election: from the SIGKILL of the stream leader to a new leader of
	// ESDOCTOR_EVENTS (stream info polled every 20 ms). MaxStall: the
	// longest time any agent had spooled events without a PubAck (spools
	// polled every 10 ms). Ready: from the restart of the stopped
	// aggregator until it is ready, its model rebuilt from the streams
	// (every event stored before the restart applied). AckFloor: from that
	// restart until its durable consumer's ack floor passed the stream's
	// end at the restart (consumer info polled): messages the stopped
	// instance had pulled but not handled come back only after the ingest's
	// 30 s AckWait (the rebuild had applied them already). All wall clock.
	Election, MaxStall, Ready, AckFloor, Total time.Duration
	// Stopped is how long the aggregator was down.
	Stopped time.Duration
}

func (r scaleOutResult) String() string {
	return fmt.Sprintf("%d agents, %d events (%d symptoms): lost %d, duplicated %d, stored twice %d, redelivered and recognised %d; "+
		"same diagnoses %v (%d); killed NATS node %s: new stream leader after %v, longest agent publish stall %v; restarted aggregator ready (model rebuilt) after %v; run %v",
		r.Agents, r.Events, r.Symptoms, r.Lost, r.Duplicated, r.StoredTwice, r.Redelivered, r.SameDiagnoses, r.Diagnoses, r.Killed,
		r.Election.Round(time.Millisecond), r.MaxStall.Round(time.Millisecond), r.Ready.Round(time.Millisecond), r.Total.Round(time.Millisecond))
}

// Report is the block make bench-cluster prints.
func (r scaleOutResult) Report() string {
	return fmt.Sprintf(`bench-cluster: 3 nats-server processes (R3 streams), 2 aggregators, %d agents (agent spool + publisher), loopback, wall clock
  events published      %d (%d symptoms)
  lost                  %d
  duplicated            %d (applied twice, summed over both aggregators and every node)
  stored twice          %d (ESDOCTOR_EVENTS messages beyond the distinct events)
  recognised by id      %d (redeliveries the aggregators' stores did not apply again)
  same diagnoses        %v (%d diagnoses)
  NATS failover         node %s (leader of ESDOCTOR_EVENTS) SIGKILLed: new leader after %v (stream info polled every 20 ms);
                        longest agent publish stall %v (spool polled every 10 ms, from the last PubAck before to the first after)
  aggregator failover   one of two stopped for %v and restarted (the other kept applying): ready %v after its restart, its model
                        rebuilt from the streams; its durable consumer's ack floor passed the restart point after %v
                        (what the stopped instance had pulled but not handled comes back after the 30 s AckWait)
  run                   %v`,
		r.Agents, r.Events, r.Symptoms, r.Lost, r.Duplicated, r.StoredTwice, r.Redelivered, r.SameDiagnoses, r.Diagnoses, r.Killed,
		r.Election.Round(time.Millisecond), r.MaxStall.Round(time.Millisecond), r.Stopped.Round(time.Millisecond), r.Ready.Round(time.Millisecond),
		r.AckFloor.Round(time.Millisecond), r.Total.Round(time.Millisecond))
}

// simAgent is one simulated agent: the agent's spool and publisher on its
// own NATS connection to the cluster.
type simAgent struct {
	cluster, node, name string
	sp                  *spool.Spool
	nc                  *nats.Conn
	// initial are the node's events from a real collection; fault is its
	// fault line, repeated.
	initial  []*event.Envelope
	fault    event.Symptom
	appended atomic.Int64
	// want is the sum of the symptom counts published for the node.
	want int
	ids  map[string]event.Kind
}

func (a *simAgent) append(tb testing.TB, e *event.Envelope) {
	if _, err := a.sp.Append(e); err != nil {
		tb.Errorf("spool append %s/%s: %v", a.cluster, a.node, err)
		return
	}
	a.appended.Add(1)
	if _, seen := a.ids[e.ID]; !seen {
		a.ids[e.ID] = e.Kind
		if e.Kind == event.KindSymptom {
			a.want += max(e.Symptom.Count, 1)
		}
	}
}

// scaleOutWorld is a local cluster whose seeds name the remote cluster's
// transport port (guide 003, symptom 2): every local node logs
// bad_certificate, every remote node "Empty client certificate chain".
func scaleOutWorld(tb testing.TB, agents int) (*scenario.World, []*simAgent) {
	w := scenario.New(tb)
	nl := agents / 2
	var ln, rn []string
	for i := range nl {
		ln = append(ln, fmt.Sprintf("local-%d@127.0.1.%d", i+1, i+2))
	}
	for i := range agents - nl {
		rn = append(rn, fmt.Sprintf("remote-%d@127.0.2.%d", i+1, i+2))
	}
	local, remote := w.Cluster("local", ln...), w.Cluster("remote", rn...)
	local.TransportTLS()
	remote.TransportTLS().RemoteClusterServer()
	local.Link(remote, "my", key, 9300)
	local.Each(func(n *scenario.Node) {
		n.Started().Log(scenario.BadCertificate(w.At(time.Minute), n.Name, n.Host+":60738", "127.0.2.2:9300", "_remote_cluster"))
	})
	remote.Each(func(n *scenario.Node) {
		n.Started().Log(scenario.EmptyChain(w.At(time.Minute), n.Name, n.Host+":9300", "127.0.1.2:60783", "default"))
	})
	// Collected as the agents would, on every core at once.
	w.Build()
	nodes := append(append([]*scenario.Node(nil), local.Nodes...), remote.Nodes...)
	bundles := make([]*bundle.Bundle, len(nodes))
	work := make(chan int)
	var wg sync.WaitGroup
	for range runtime.GOMAXPROCS(0) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range work {
				n := nodes[i]
				b, err := collect.Collect(context.Background(), collect.Options{Inspect: n.Options(), Location: time.UTC, Agent: "agent-" + n.Name})
				if err != nil {
					tb.Errorf("collect %s/%s: %v", n.C.Name, n.Name, err)
				}
				bundles[i] = b
			}
		}()
	}
	for i := range nodes {
		work <- i
	}
	close(work)
	wg.Wait()
	if tb.Failed() {
		tb.FailNow()
	}
	var out []*simAgent
	for _, b := range bundles {
		a := &simAgent{cluster: b.Cluster, node: b.Node, name: "agent-" + b.Node, initial: b.Events, ids: map[string]event.Kind{}}
		for _, e := range b.Events {
			if e.Kind == event.KindSymptom && (e.Symptom.Symptom != "node-started") && e.Symptom.Offset >= a.fault.Offset {
				a.fault = *e.Symptom
			}
		}
		if a.fault.Symptom == "" {
			tb.Fatalf("no fault line collected on %s/%s", b.Cluster, b.Node)
		}
		out = append(out, a)
	}
	return w, out
}

// repeat is the k-th repetition of the agent's fault line, k seconds
// later and further down the log.
func (a *simAgent) repeat(k int) *event.Envelope {
	s := a.fault
	s.Count = 1
	s.LastTime = nil
	s.Time = s.Time.Add(time.Duration(k) * time.Second)
	s.Offset += int64(k) * 4096
	s.Line += int64(k)
	return collect.SymptomEvent(a.cluster, a.node, a.name, s)
}

func (a *simAgent) heartbeat(k int) *event.Envelope {
	now := time.Now().UTC()
	return &event.Envelope{Schema: event.SchemaVersion, ID: event.HashID("heartbeat", a.cluster, a.node, strconv.Itoa(k)),
		Kind: event.KindHeartbeat, Cluster: a.cluster, Node: a.node, Agent: a.name, Time: now,
		Heartbeat: &event.Heartbeat{Version: "test", Started: now.Add(-time.Hour), Interval: "30s"}}
}

func runScaleOut(tb testing.TB, cfg scaleOutConfig) scaleOutResult {
	tb.Helper()
	begin := time.Now()
	res := scaleOutResult{Agents: cfg.Agents}
	_, agents := scaleOutWorld(tb, cfg.Agents)
	tb.Logf("%d node directories built and collected in %v", len(agents), time.Since(begin).Round(time.Millisecond))

	up := time.Now()
	cl := natscluster.Start(tb, 3)
	urls := cl.URLs()
	logger := func(name string) *zap.Logger {
		if os.Getenv(scaleOutLogEnv) != "" {
			return zaptest.NewLogger(tb, zaptest.Level(zap.InfoLevel)).Named(name)
		}
		if cfg.Verbose {
			return zaptest.NewLogger(tb, zaptest.Level(zap.WarnLevel)).Named(name)
		}
		return zap.NewNop()
	}
	aggOpts := func(durable, dir string) aggregator.Options {
		return aggregator.Options{NATSURL: urls, Replicas: 3, Durable: durable, DataDir: dir, Logger: logger(durable),
			CatchUpTimeout: 30 * time.Second}
	}
	dirB := tb.TempDir()
	dirA := tb.TempDir()
	aggA := start(tb, aggOpts("agg-a", dirA))
	// One site key for both (the README's set-up: copy it before the
	// second one's first start).
	siteKey, err := os.ReadFile(filepath.Join(dirA, sitekey.FileName))
	if err == nil {
		err = os.WriteFile(filepath.Join(dirB, sitekey.FileName), siteKey, 0o600)
	}
	if err != nil {
		tb.Fatal(err)
	}
	aggB := start(tb, aggOpts("agg-b", dirB))
	tb.Logf("NATS cluster and two aggregators ready in %v", time.Since(up).Round(time.Millisecond))

	// The agents: spool + publisher + their own connection, as the daemon.
	ctx, cancel := context.WithCancel(context.Background())
	var pubs sync.WaitGroup
	defer func() { cancel(); pubs.Wait() }()
	for _, a := range agents {
		sp, err := spool.Open(filepath.Join(tb.TempDir(), "spool"), spool.Options{})
		if err != nil {
			tb.Fatal(err)
		}
		tb.Cleanup(func() { _ = sp.Close() })
		nc, err := natsx.Connect(urls, "esdoctor-agent "+a.name, nil)
		if err != nil {
			tb.Fatal(err)
		}
		tb.Cleanup(nc.Close)
		p, err := agentpublish.New(nc, sp, agentpublish.Options{})
		if err != nil {
			tb.Fatal(err)
		}
		a.sp, a.nc = sp, nc
		pubs.Add(1)
		go func() { defer pubs.Done(); _ = p.Run(ctx) }()
		for _, e := range a.initial {
			a.append(tb, e)
		}
	}

	// The stall monitor: per agent, the time since its last PubAck while
	// it has spooled events.
	var maxStall atomic.Int64
	monCtx, stopMon := context.WithCancel(context.Background())
	monDone := make(chan struct{})
	go func() {
		defer close(monDone)
		last := make([]int64, len(agents))
		since := make([]time.Time, len(agents))
		for i := range since {
			since[i] = time.Now()
		}
		t := time.NewTicker(10 * time.Millisecond)
		defer t.Stop()
		for {
			select {
			case <-monCtx.Done():
				return
			case <-t.C:
			}
			now := time.Now()
			for i, a := range agents {
				app := a.appended.Load()
				pending := a.sp.Pending()
				acked := app - pending
				if acked > last[i] || pending == 0 {
					last[i], since[i] = max(acked, last[i]), now
					continue
				}
				if d := int64(now.Sub(since[i])); d > maxStall.Load() {
					maxStall.Store(d)
				}
			}
		}
	}()

	// The steady stream: every agent one fault line per interval, a
	// heartbeat every tenth.
	streamDone := make(chan struct{})
	stopStream := make(chan struct{})
	var streamers sync.WaitGroup
	var stopOnce sync.Once
	endStream := func() { stopOnce.Do(func() { close(stopStream) }); streamers.Wait() }
	defer endStream() // before the spools close, also when the run fails
	for _, a := range agents {
		streamers.Add(1)
		go func() {
			defer streamers.Done()
			tick := time.NewTicker(cfg.Interval)
			defer tick.Stop()
			for n := 1; ; n++ {
				select {
				case <-stopStream:
					return
				case <-tick.C:
				}
				a.append(tb, a.repeat(n))
				if n%10 == 0 {
					a.append(tb, a.heartbeat(n))
				}
			}
		}()
	}
	go func() { streamers.Wait(); close(streamDone) }()
	streamStart := time.Now()
	sleepUntil := func(frac float64) {
		time.Sleep(time.Until(streamStart.Add(time.Duration(frac * float64(cfg.Duration)))))
	}

	// Kill the leader of ESDOCTOR_EVENTS mid-stream.
	nc, js := clusterClient(tb, urls)
	defer nc.Close()
	// The durable consumers are replicated as their stream (R3): a leader
	// and two replicas each.
	for _, stream := range []string{natsx.StreamEvents, natsx.StreamState} {
		for _, durable := range []string{"agg-a", "agg-b"} {
			cctx, ccancel := context.WithTimeout(context.Background(), 10*time.Second)
			c, err := js.Consumer(cctx, stream, durable)
			ccancel()
			if err != nil {
				tb.Fatalf("consumer %s on %s: %v", durable, stream, err)
			}
			if ci := c.CachedInfo().Cluster; ci == nil || ci.Leader == "" || len(ci.Replicas) != 2 {
				tb.Errorf("consumer %s on %s is not replicated on three servers: %+v", durable, stream, ci)
			}
		}
	}
	sleepUntil(0.2)
	leader := streamLeader(tb, js, natsx.StreamEvents, "")
	idx := cl.Index(leader)
	if idx < 0 {
		tb.Fatalf("stream leader %q is not a node of the cluster", leader)
	}
	res.Killed = leader
	killedAt := time.Now()
	cl.Kill(idx)
	newLeader := streamLeader(tb, js, natsx.StreamEvents, leader)
	res.Election = time.Since(killedAt)
	tb.Logf("NATS node %s (leader of %s) killed; %s leads after %v", leader, natsx.StreamEvents, newLeader, res.Election)

	// Bring it back.
	sleepUntil(0.5)
	cl.Restart(idx)
	tb.Logf("NATS node %s restarted", leader)

	// Stop one aggregator, and start it again on its data dir.
	sleepUntil(0.6)
	stopAt := time.Now()
	aggB.stop()
	tb.Logf("aggregator agg-b stopped in %v", time.Since(stopAt).Round(time.Millisecond))
	sleepUntil(0.75)
	restartedAt := time.Now()
	res.Stopped = restartedAt.Sub(stopAt)
	upTo := streamLastSeq(tb, js, natsx.StreamEvents)
	aggB = start(tb, aggOpts("agg-b", dirB))
	res.Ready = time.Since(restartedAt)
	if cfg.AckFloor {
		waitFor(tb, 120*time.Second, func() bool { return ackFloor(js, natsx.StreamEvents, "agg-b") >= upTo }, func() string {
			return fmt.Sprintf("agg-b's durable consumer has not acknowledged up to %d (the stream's end at its restart): %d", upTo, ackFloor(js, natsx.StreamEvents, "agg-b"))
		})
		res.AckFloor = time.Since(restartedAt)
	}
	tb.Logf("aggregator agg-b restarted: ready after %v (model rebuilt from the streams); durable ack floor past the restart point after %v", res.Ready, res.AckFloor)

	sleepUntil(1)
	endStream()
	<-streamDone

	// Everything spooled is acknowledged by JetStream.
	waitFor(tb, 60*time.Second, func() bool {
		for _, a := range agents {
			if a.sp.Pending() > 0 {
				return false
			}
		}
		return true
	}, func() string {
		var n int64
		for _, a := range agents {
			n += a.sp.Pending()
		}
		return fmt.Sprintf("%d events still spooled", n)
	})
	stopMon()
	<-monDone
	tb.Logf("every spool drained %v after the end of the stream", time.Since(streamStart.Add(cfg.Duration)).Round(time.Millisecond))
	res.MaxStall = time.Duration(maxStall.Load())

	want := map[string]int{}
	symptomIDs := 0
	for _, a := range agents {
		want[a.cluster+"/"+a.node] = a.want
		res.Events += len(a.ids)
		res.Symptoms += a.want
		for _, kind := range a.ids {
			if natsx.StreamFor(kind) == natsx.StreamEvents {
				symptomIDs++
			}
		}
	}

	// Both models hold every symptom exactly once.
	counts := func(r *running) map[string]int {
		got := map[string]int{}
		for _, n := range r.Store().Nodes() {
			for _, s := range n.Symptoms {
				got[n.Key.Cluster+"/"+n.Key.Node] += s.Count
			}
		}
		return got
	}
	caughtUp := func(r *running) bool {
		got := counts(r)
		for n, w := range want {
			if got[n] != w {
				return false
			}
		}
		s := r.Stats()
		return s.EvaluatedVersion == s.StoreVersion
	}
	for _, r := range []*running{aggA, aggB} {
		waitFor(tb, 90*time.Second, func() bool { return caughtUp(r) }, func() string { return "aggregator not caught up" })
		tb.Logf("%s: model complete %v after the end of the stream; ingest %s", r.durable, time.Since(streamStart.Add(cfg.Duration)).Round(time.Millisecond), r.Stats().Ingest)
	}
	for _, r := range []*running{aggA, aggB} {
		r.settleEval(tb)
		got := counts(r)
		for n, w := range want {
			if got[n] < w {
				res.Lost += w - got[n]
			} else {
				res.Duplicated += got[n] - w
			}
		}
		res.Redelivered += r.Stats().Store.Duplicates
	}
	// The stream stored each symptom event once.
	st, err := js.Stream(context.Background(), natsx.StreamEvents)
	if err != nil {
		tb.Fatal(err)
	}
	res.StoredTwice = int(st.CachedInfo().State.Msgs) - symptomIDs

	da, db := aggA.diagnoses(tb, api.Query{}), aggB.diagnoses(tb, api.Query{})
	res.Diagnoses = len(da)
	res.SameDiagnoses = len(da) > 0 && comparable(tb, da) == comparable(tb, db)
	if !res.SameDiagnoses {
		tb.Logf("aggregators disagree:\nA %s\nB %s", summary(da), summary(db))
	}
	found := false
	for _, d := range da {
		found = found || d.Code == transportPort
	}
	if !found {
		tb.Errorf("no %s diagnosis: %s", transportPort, summary(da))
	}
	res.Total = time.Since(begin)
	return res
}

// streamLastSeq is the stream's last sequence now.
func streamLastSeq(tb testing.TB, js jetstream.JetStream, stream string) uint64 {
	tb.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	s, err := js.Stream(ctx, stream)
	if err != nil {
		tb.Fatal(err)
	}
	return s.CachedInfo().State.LastSeq
}

// ackFloor is the stream sequence up to which the durable consumer saw
// every message acknowledged (0 when it cannot be asked).
func ackFloor(js jetstream.JetStream, stream, durable string) uint64 {
	ctx, cancel := context.WithTimeout(context.Background(), time.Second)
	defer cancel()
	c, err := js.Consumer(ctx, stream, durable)
	if err != nil {
		return 0
	}
	return c.CachedInfo().AckFloor.Stream
}

// settleEval waits for one evaluation of the latest model.
func (r *running) settleEval(tb testing.TB) {
	waitFor(tb, 20*time.Second, func() bool {
		s := r.Stats()
		return s.EvaluatedVersion == s.StoreVersion
	}, func() string { return fmt.Sprintf("not evaluated: %+v", r.Stats()) })
	time.Sleep(60 * time.Millisecond)
}

func clusterClient(tb testing.TB, urls string) (*nats.Conn, jetstream.JetStream) {
	nc, err := natsx.Connect(urls, "scale-out test", nil)
	if err != nil {
		tb.Fatal(err)
	}
	js, err := jetstream.New(nc)
	if err != nil {
		tb.Fatal(err)
	}
	return nc, js
}

// streamLeader polls the stream's info until it names a leader other than
// not (and its R3 group), for at most 60 s.
func streamLeader(tb testing.TB, js jetstream.JetStream, stream, not string) string {
	tb.Helper()
	deadline := time.Now().Add(60 * time.Second)
	var lastErr error
	for time.Now().Before(deadline) {
		ctx, cancel := context.WithTimeout(context.Background(), time.Second)
		s, err := js.Stream(ctx, stream)
		cancel()
		if err == nil {
			info := s.CachedInfo()
			if info.Config.Replicas != 3 {
				tb.Fatalf("stream %s has %d replicas, want 3", stream, info.Config.Replicas)
			}
			if c := info.Cluster; c != nil && c.Leader != "" && c.Leader != not {
				return c.Leader
			}
		}
		lastErr = err
		time.Sleep(20 * time.Millisecond)
	}
	tb.Fatalf("stream %s: no leader (other than %q) within 60 s: %v", stream, not, lastErr)
	return ""
}
