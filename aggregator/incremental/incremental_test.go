package incremental_test

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"math/rand/v2"
	"reflect"
	"testing"
	"time"

	"github.com/esdoctor/esdoctor/aggregator/analyze"
	"github.com/esdoctor/esdoctor/aggregator/incremental"
	"github.com/esdoctor/esdoctor/aggregator/store"
	"github.com/esdoctor/esdoctor/internal/testkit/scenario"
	"github.com/esdoctor/esdoctor/shared/diagnosis"
	"github.com/esdoctor/esdoctor/shared/event"
)

var (
	seeds = flag.Int("incremental.seeds", 12, "random event sequences played by TestIncrementalEqualsFull")
	seed0 = flag.Uint64("incremental.seed", 1, "first seed of TestIncrementalEqualsFull")
)

var (
	key1 = scenario.APIKey{ID: "agZXJocBmA2beJfq2yKu", Secret: "CANARY-SECRET-apikey-secret-1"}
	key2 = scenario.APIKey{ID: "Kx3pQocBmA2beJfq7zLm", Secret: "CANARY-SECRET-apikey-secret-2"}
	key3 = scenario.APIKey{ID: "Zq9wRocBmA2beJfq1aBc", Secret: "CANARY-SECRET-apikey-secret-3"}
	key5 = scenario.APIKey{ID: "Mm7yUocBmA2beJfq3gHi", Secret: "CANARY-SECRET-apikey-secret-5"}
	key6 = scenario.APIKey{ID: "Pp4eTocBmA2beJfq5dEf", Secret: "CANARY-SECRET-apikey-secret-6"}
)

// world builds five clusters' worth of faults in the real formats, then
// the same world after fixes (new snapshots, later log lines), and returns
// every event of both: the material the random sequences are drawn from.
func world(t *testing.T) ([]*event.Envelope, time.Time) {
	w := scenario.New(t)
	at := w.At
	local := w.Cluster("local", "local-1@127.0.0.2", "local-2@127.0.0.3", "local-3@127.0.0.4")
	remote := w.Cluster("remote", "remote-1@127.0.1.2", "remote-2@127.0.1.3")
	l2 := w.Cluster("l2", "l2-1@127.0.2.2", "l2-2@127.0.2.3")
	r2 := w.Cluster("r2", "r2-1@127.0.3.2", "r2-2@127.0.3.3")
	l3 := w.Cluster("l3", "l3-1@127.0.4.2", "l3-2@127.0.4.3")
	r3 := w.Cluster("r3", "r3-1@127.0.5.2")
	l4 := w.Cluster("l4", "l4-1@127.0.7.2")
	solo := w.Cluster("solo", "solo-1@127.0.6.2", "solo-2@127.0.6.3")
	// l5 reaches r5 and l6 reaches r6 through a load balancer (an address
	// no node owns): only the alias (r5) or the API key id (r6) joins them.
	l5 := w.Cluster("l5", "l5-1@127.0.8.2")
	r5 := w.Cluster("r5", "r5-1@127.0.8.3")
	l6 := w.Cluster("l6", "l6-1@127.0.8.4")
	r6 := w.Cluster("r6", "r6-1@127.0.8.5")
	for _, c := range []*scenario.Cluster{local, remote, l2, r2, l3, r3, l4, solo, l5, r5, l6, r6} {
		c.TransportTLS()
		c.Each(func(n *scenario.Node) { n.Started() })
	}
	remote.RemoteClusterServer()
	r2.RemoteClusterServer()
	r3.RemoteClusterServer()
	local.Link(remote, "my", key1, 9443)
	l2.Link(r2, "r2", key2, 9300) // seeds on the transport port; the alias is the remote's name
	l3.Link(r3, "x", key3, 9443)
	l4.LinkCertificates(remote, "legacy")
	l3.Node("l3-2").RemoveSecure("cluster.remote.x.credentials")
	r5.RemoteClusterServer()
	r6.RemoteClusterServer()
	l5.Link(r5, "r5", key5, 9443)
	l5.Settings["cluster.remote.r5.seeds"] = []string{"127.0.9.5:9443"}
	l6.Link(r6, "far", key6, 9443)
	l6.Settings["cluster.remote.far.seeds"] = []string{"127.0.9.6:9443"}

	// Faults, logged over an hour (the quiet period in the test is 10 min).
	for i := range 6 {
		m := time.Duration(i) * 10 * time.Minute
		local.Node("local-1").Log(scenario.ConnectFailed(at(m+time.Minute), "local-1", "sniff", "my", "127.0.1.9:9443"))
		local.Node("local-2").Log(scenario.ClosedByRemote(at(m+2*time.Minute), "local-2", "remote-1", "127.0.1.2:9443"))
		l2.Node("l2-1").Log(scenario.MissingAuthentication(at(m+3*time.Minute), "l2-1", "sniff", "r2", "r2-1", "127.0.3.2:9300"))
		l3.Node("l3-1").Log(scenario.UnableToAuthenticate(at(m+4*time.Minute), "l3-1", "sniff", "x", "r3-1", "127.0.5.2:9443", key3.ID))
		r3.Node("r3-1").Log(scenario.InvalidCredentials(at(m+4*time.Minute), "r3-1", key3.ID))
		l3.Node("l3-2").Log(scenario.MissingCredentialsHeader(at(m+5*time.Minute), "l3-2", "sniff", "x", "r3-1", "127.0.5.2:9443"))
		l5.Node("l5-1").Log(scenario.MissingCredentialsHeader(at(m+7*time.Minute), "l5-1", "sniff", "r5", "r5-1", "127.0.9.5:9443"))
		l6.Node("l6-1").Log(scenario.UnableToAuthenticate(at(m+8*time.Minute), "l6-1", "sniff", "far", "r6-1", "127.0.9.6:9443", key6.ID))
		r6.Node("r6-1").Log(scenario.InvalidCredentials(at(m+8*time.Minute), "r6-1", key6.ID))
		remote.Node("remote-1").Log(scenario.ClientDidNotTrust(at(m+6*time.Minute), "remote-1", "127.0.1.2:9443", "127.0.7.2:53412", "_remote_cluster"))
	}
	var es []*event.Envelope
	for _, b := range w.Bundles() {
		es = append(es, b.Events...)
	}

	// After: l2 seeds fixed in the cluster settings, l3-2 gets its key,
	// local-2 restarted, and solo starts failing to reach r3 (which
	// joins two groups).
	l2.Link(r2, "r2", key2, 9443)
	l3.Node("l3-2").Secure("cluster.remote.x.credentials", key3.Encoded())
	local.Node("local-2").Log(scenario.Plain(at(65*time.Minute), "INFO", "o.e.n.Node", "local-2", "version[8.13.4], pid[4343], build[tar/da95df118650b55a500dcc181889ac35c6d8da7c/2024-05-06T22:04:45.107454559Z], OS[Linux/6.1.0/amd64], JVM[Oracle Corporation/OpenJDK 64-Bit Server VM/21.0.2/21.0.2+13-58]"),
		scenario.Plain(at(65*time.Minute+2*time.Second), "INFO", "o.e.n.Node", "local-2", "starting ..."))
	solo.Node("solo-1").Log(scenario.ConnectFailed(at(70*time.Minute), "solo-1", "sniff", "x", "127.0.5.2:9443"))
	l2.Node("l2-2").Log(scenario.MissingAuthentication(at(72*time.Minute), "l2-2", "sniff", "r2", "r2-2", "127.0.3.3:9300"))
	for _, b := range w.Bundles() {
		es = append(es, b.Events...)
	}

	// Heartbeats every 5 s from 80 min on; some agents stop early.
	start := at(80 * time.Minute)
	for i, name := range []struct{ c, n string }{{"local", "local-1"}, {"local", "local-2"}, {"remote", "remote-1"}, {"l3", "l3-1"}, {"solo", "solo-2"}, {"r2", "r2-2"}} {
		beats := 12
		if i%2 == 1 {
			beats = 3
		}
		for k := range beats {
			tm := start.Add(time.Duration(k) * 5 * time.Second)
			es = append(es, &event.Envelope{Schema: 1, ID: event.HashID("hb", name.c, name.n, tm.String()), Kind: event.KindHeartbeat,
				Cluster: name.c, Node: name.n, Agent: "agent-" + name.n, Time: tm, Heartbeat: &event.Heartbeat{Version: "test", Interval: "5s"}})
		}
	}
	return es, start
}

// TestIncrementalEqualsFull plays random orders and batchings of the
// world's events (snapshots before and after fixes, log symptoms over an
// hour, restarts, heartbeats that stop) into a store and, after every
// batch and at a wall clock that moves on by random steps, compares the
// incremental evaluator's result with a full evaluation of the same
// store: they must be equal, field by field.
func TestIncrementalEqualsFull(t *testing.T) {
	all, start := world(t)
	const quiet = 10 * time.Minute
	for s := range uint64(*seeds) {
		seed := *seed0 + s
		t.Run(fmt.Sprintf("seed-%d", seed), func(t *testing.T) {
			rng := rand.New(rand.NewPCG(seed, 9))
			es := append([]*event.Envelope(nil), all...)
			rng.Shuffle(len(es), func(i, j int) { es[i], es[j] = es[j], es[i] })
			st := store.New()
			inc := incremental.New(incremental.Options{QuietPeriod: quiet})
			now := start
			step, evaluated, reused := 0, 0, 0
			for len(es) > 0 || step < 3 {
				n := min(len(es), rng.IntN(12)) // 0: the clock moves, nothing else
				for _, e := range es[:n] {
					_ = st.Apply(context.Background(), e)
				}
				es = es[n:]
				now = now.Add(time.Duration(rng.IntN(12000)) * time.Millisecond)
				if rng.IntN(10) == 0 {
					now = now.Add(40 * time.Second) // past the silent deadline of every agent
				}
				if len(es) == 0 {
					step++
				}
				got, stats := inc.Evaluate(st, now)
				want := analyze.Evaluate(st, analyze.Options{Now: now, QuietPeriod: quiet})
				evaluated += stats.Evaluated
				reused += stats.Groups - stats.Evaluated
				if !reflect.DeepEqual(normal(got), normal(want)) {
					t.Fatalf("after %d events left, now %s: incremental != full\nincremental:\n%s\nfull:\n%s", len(es), now.Format(time.RFC3339),
						dump(got), dump(want))
				}
			}
			if reused == 0 {
				t.Errorf("every group was evaluated on every pass (%d evaluations): nothing incremental was tested", evaluated)
			}
			t.Logf("groups evaluated %d, kept %d", evaluated, reused)
		})
	}
}

// normal makes nil and empty slices and maps compare equal.
func normal(ds []diagnosis.Diagnosis) string {
	b, _ := json.Marshal(ds)
	return string(b)
}

func dump(ds []diagnosis.Diagnosis) string {
	var out string
	for _, d := range ds {
		b, _ := json.Marshal(d)
		out += "  " + string(b) + "\n"
	}
	return out
}

// TestGroupsFollowTheJoinKeys: two pairs that share nothing are evaluated
// apart, and a change on one re-evaluates only its own group.
func TestGroupsFollowTheJoinKeys(t *testing.T) {
	all, start := world(t)
	st := store.New()
	for _, e := range all {
		_ = st.Apply(context.Background(), e)
	}
	inc := incremental.New(incremental.Options{})
	_, s1 := inc.Evaluate(st, start)
	// local, remote and l4 (legacy seeds on remote); l2+r2; l3+r3+solo;
	// l5+r5; l6+r6.
	if s1.Groups != 5 || s1.Evaluated != 5 {
		t.Fatalf("first pass: %+v, want 5 groups, all evaluated", s1)
	}
	_, s2 := inc.Evaluate(st, start)
	if s2.Evaluated != 0 || s2.Changed != 0 {
		t.Fatalf("nothing changed, yet: %+v", s2)
	}
	tm := start.Add(time.Minute)
	sym := &event.Symptom{Symptom: "connect-exception", Time: tm, Node: "l2-1", Cluster: "l2", File: "/x/l2.log", Line: 99, Text: "x",
		Fields: map[string]string{"alias": "r2", "address": "127.0.3.2:9443"}}
	_ = st.Apply(context.Background(), &event.Envelope{Schema: 1, ID: "one-more", Kind: event.KindSymptom, Cluster: "l2", Node: "l2-1", Time: tm, Symptom: sym})
	_, s3 := inc.Evaluate(st, start)
	if s3.Evaluated != 1 || s3.Changed != 1 || s3.Nodes != 4 {
		t.Fatalf("one symptom on l2-1: %+v, want its group (l2, r2: 4 nodes) alone evaluated", s3)
	}
}
