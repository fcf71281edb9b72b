package main

import (
	"fmt"
	"math/rand/v2"
	"sync/atomic"
	"time"

	"github.com/esdoctor/esdoctor/agent/collect"
	"github.com/esdoctor/esdoctor/shared/event"
)

// Sides of a simulated node.
const (
	sideLocal      = "local"      // queries its pair's remote cluster
	sideRemote     = "remote"     // serves remote cluster connections
	sideStandalone = "standalone" // the odd cluster out: no link
)

// HeartbeatInterval is what the simulated agents announce and keep.
const HeartbeatInterval = 5 * time.Second

// Fleet is the simulated world: clusters of 2..8 nodes, paired as local
// and remote by a cross-cluster API key (guide 003), one agent per node.
type Fleet struct {
	// Start is when every node started (30 minutes before the run).
	Start    time.Time
	Clusters []*Cluster
	Pairs    []*Pair
	Agents   []*Agent
	tpl      *Templates
}

// Cluster is one simulated cluster.
type Cluster struct {
	Name   string
	Agents []*Agent
}

// Pair is a local cluster reaching a remote one as Alias with KeyID.
type Pair struct {
	Local, Remote *Cluster
	Alias, KeyID  string
	// Flaky pairs log connect_exception all along: a standing
	// remote-unreachable diagnosis whose count grows.
	Flaky bool
	ren   renamer
}

// Agent is one simulated esdoctor-agent on one node.
type Agent struct {
	Index   int
	Name    string // agent instance name
	Node    ident
	Side    string
	Cluster *Cluster
	Pair    *Pair // nil for a standalone cluster
	// Snapshot and Initial are sent first: the node's configuration and
	// its start and publish_address lines.
	Snapshot *event.Envelope
	Initial  []event.Symptom
	// noise are the records this agent repeats, picked by weight.
	noise  []noiseRecord
	total  int
	offset atomic.Int64 // log file offset of the next record
	line   atomic.Int64
	ren    *renamer
	// nextBeat is when the agent owes a heartbeat (owned by its goroutine).
	nextBeat time.Time
	started  time.Time
}

// noiseRecord is a benign record an agent logs over and over.
type noiseRecord struct {
	sym    event.Symptom
	weight int
	// timing: how the repeat's log time is chosen.
	timing int
}

// Timings of noise records.
const (
	timeNow       = iota // a new line now (publish_address, connect_exception)
	timeSameStart        // the start line again (a repeat that does not move the node's epoch)
	timeNearStart        // closed by remote within a minute or two of the remote's start (explained by it)
)

// BuildFleet lays out n agents. rng decides cluster sizes and which pairs
// are flaky.
func BuildFleet(tpl *Templates, n int, flaky float64, rng *rand.Rand, now time.Time) (*Fleet, error) {
	f := &Fleet{Start: now.Add(-30 * time.Minute).UTC().Truncate(time.Second), tpl: tpl}
	for left := n; left > 0; {
		size := min(2+rng.IntN(7), left, maxClusterSize)
		if left-size == 1 {
			size++ // no cluster of one node
		}
		c := &Cluster{Name: fmt.Sprintf("es-%03d", len(f.Clusters)+1)}
		for j := 1; j <= size; j++ {
			i := len(f.Agents)
			a := &Agent{Index: i, Cluster: c,
				Node: ident{Cluster: c.Name, Node: fmt.Sprintf("%s-%d", c.Name, j), Host: hostOf(i)}}
			a.Name = "agent-" + a.Node.Node
			c.Agents = append(c.Agents, a)
			f.Agents = append(f.Agents, a)
		}
		f.Clusters = append(f.Clusters, c)
		left -= size
	}
	for k := 0; k+1 < len(f.Clusters); k += 2 {
		p := &Pair{Local: f.Clusters[k], Remote: f.Clusters[k+1], Alias: "rc-" + f.Clusters[k+1].Name,
			KeyID: fmt.Sprintf("bench%015d", k/2+1), Flaky: rng.Float64() < flaky}
		p.ren = renamer{local: idents(p.Local), remote: idents(p.Remote), localName: p.Local.Name, remoteName: p.Remote.Name,
			alias: p.Alias, keyID: p.KeyID, faultKey: tplFaultKey}
		f.Pairs = append(f.Pairs, p)
		for _, a := range p.Local.Agents {
			a.Side, a.Pair = sideLocal, p
		}
		for _, a := range p.Remote.Agents {
			a.Side, a.Pair = sideRemote, p
		}
	}
	for _, a := range f.Agents {
		if err := f.prepare(a, now); err != nil {
			return nil, err
		}
	}
	return f, nil
}

// hostOf is agent i's 127.x address.
func hostOf(i int) string {
	return fmt.Sprintf("127.%d.%d.%d", 1+i/62500, i/250%250, i%250+1)
}

func idents(c *Cluster) []ident {
	out := make([]ident, len(c.Agents))
	for i, a := range c.Agents {
		out[i] = a.Node
	}
	return out
}

// prepare renders an agent's snapshot, first records and noise records.
func (f *Fleet) prepare(a *Agent, now time.Time) error {
	base := renamer{remote: idents(a.Cluster), remoteName: a.Cluster.Name, alias: tplAlias, keyID: tplKeyID, faultKey: tplFaultKey}
	snaps, remoteSide := f.tpl.Remote, true
	if a.Pair != nil {
		base = a.Pair.ren
		if a.Side == sideLocal {
			snaps, remoteSide = f.tpl.Local, false
		}
	} else {
		a.Side = sideStandalone
	}
	j := indexIn(a)
	snap, err := base.snapshot(snaps[j], f.Start, now, f.tpl.Generated)
	if err != nil {
		return err
	}
	a.Snapshot = collect.SnapshotEvent(snap, a.Name)
	a.ren = base.as(remoteSide, a.Node)
	rec := func(name string) (event.Symptom, error) {
		return a.ren.symptom(f.tpl.Symptoms[name], f.tpl.Start, f.Start)
	}
	for _, name := range []string{symStartVersion, symStarting, "publish-address"} {
		s, err := rec(name)
		if err != nil {
			return err
		}
		a.Initial = append(a.Initial, s)
	}
	a.offset.Store(a.Initial[len(a.Initial)-1].Offset + 200)
	a.line.Store(a.Initial[len(a.Initial)-1].Line + 1)
	add := func(name string, weight, timing int) error {
		s, err := rec(name)
		if err != nil {
			return err
		}
		a.noise = append(a.noise, noiseRecord{sym: s, weight: weight, timing: timing})
		a.total += weight
		return nil
	}
	errs := []error{add("publish-address", 3, timeNow), add(symStarting, 2, timeSameStart)}
	if a.Side == sideLocal {
		errs = append(errs, add("closed-by-remote", 5, timeNearStart))
		if a.Pair.Flaky {
			errs = append(errs, add("connect-exception", 10, timeNow))
		}
	}
	for _, err := range errs {
		if err != nil {
			return err
		}
	}
	return nil
}

// indexIn is the agent's position in its cluster.
func indexIn(a *Agent) int {
	for j, x := range a.Cluster.Agents {
		if x == a {
			return j
		}
	}
	return 0
}

// symptomEvent wraps a record as the agent sends it: the next offset and
// line of its log (so that the event id, derived from them, is new).
func (a *Agent) symptomEvent(s event.Symptom) *event.Envelope {
	size := int64(len(s.Text) + 120)
	s.Offset = a.offset.Add(size) - size
	s.Line = a.line.Add(1) - 1
	s.Count = 1
	return collect.SymptomEvent(a.Node.Cluster, a.Node.Node, a.Name, s)
}

// initialEvents are the snapshot and the start records.
func (a *Agent) initialEvents() []*event.Envelope {
	out := []*event.Envelope{a.Snapshot}
	for _, s := range a.Initial {
		out = append(out, collect.SymptomEvent(a.Node.Cluster, a.Node.Node, a.Name, s))
	}
	return out
}

// nextEvent is the agent's next steady-state event: a heartbeat when one
// is due, else a repeat of one of its benign records.
func (a *Agent) nextEvent(now time.Time, rng *rand.Rand, start time.Time) *event.Envelope {
	if a.started.IsZero() {
		a.started = now.UTC()
	}
	if !now.Before(a.nextBeat) {
		a.nextBeat = now.Add(HeartbeatInterval)
		t := now.UTC()
		return &event.Envelope{Schema: event.SchemaVersion, ID: event.HashID("heartbeat", a.Node.Cluster, a.Node.Node, a.Name, t.Format(time.RFC3339Nano)),
			Kind: event.KindHeartbeat, Cluster: a.Node.Cluster, Node: a.Node.Node, Agent: a.Name, Time: t,
			Heartbeat: &event.Heartbeat{Version: "bench", Started: a.started, Interval: HeartbeatInterval.String()}}
	}
	k := rng.IntN(a.total)
	var r noiseRecord
	for _, x := range a.noise {
		if k < x.weight {
			r = x
			break
		}
		k -= x.weight
	}
	s := r.sym
	switch r.timing {
	case timeNow:
		s.Time = now.UTC()
	case timeNearStart:
		s.Time = start.Add(time.Minute + time.Duration(rng.IntN(60))*time.Second)
	}
	return a.symptomEvent(s)
}

// faultRecords renders an injected fault's records: the local node's
// "unable to authenticate user [id]" with the remote node's "invalid
// credentials for API key [id]" (invalid-api-key), or the local node's
// missing cross-cluster credentials header for a new alias
// (missing-cross-cluster-credentials). Their log time is now.
func (f *Fleet) faultRecords(kind, key string, p *Pair, l, r *Agent, now time.Time) ([]*event.Envelope, []*Agent, error) {
	ren := p.ren
	ren.faultKey = key
	if kind == faultMissingHeader {
		ren.alias = key
	}
	var out []*event.Envelope
	var who []*Agent
	emit := func(a *Agent, remoteSide bool, name string) error {
		s, err := ren.as(remoteSide, a.Node).symptom(f.tpl.Symptoms[name], f.tpl.Start, f.Start)
		if err != nil {
			return err
		}
		s.Time = now.UTC()
		out = append(out, a.symptomEvent(s))
		who = append(who, a)
		return nil
	}
	var err error
	switch kind {
	case faultInvalidKey:
		if err = emit(l, false, "api-key-unable-to-authenticate"); err == nil {
			err = emit(r, true, "api-key-invalid-credentials")
		}
	case faultMissingHeader:
		err = emit(l, false, "missing-cross-cluster-credentials-header")
	}
	return out, who, err
}
