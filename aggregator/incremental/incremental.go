// Package incremental evaluates the diagnosis rules over the parts of the
// model that changed, and keeps the results of the rest: the cost of an
// evaluation pass follows what changed, not the size of the fleet.
//
// # Why this is exact
//
// The rules relate nodes only through a few things (aggregator/pairing):
// the host names and addresses by which one node names another (remote
// seeds and proxies, the addresses in log lines, probe targets, against
// the host aliases of the nodes), API key ids (keystore entries against
// the ids in log lines), and cluster names (a remote alias that is the name
// of a cluster). Every finding belongs to the clusters involved in it, and
// no rule reads a cluster that it cannot reach through these.
//
// The evaluator therefore splits the clusters into groups, the connected
// components of that relation, with a union-find over the join keys each
// node holds (keys.go): the clusters that reference a host and the clusters
// that own it; the holders of an API key id; a cluster and the clusters
// whose aliases name it. It over-approximates (a shared key joins groups
// that no rule would actually pair), never the reverse. Each group is
// evaluated on its own, with the same rules over a pairing view of only its
// nodes, and the union of the groups' results, sorted, is the full
// evaluation's result. TestIncrementalEqualsFull plays random event
// sequences through both and compares them after every step.
//
// # What makes a group dirty
//
// A group is evaluated again when
//   - one of its nodes changed (store.Node.Version moved: a new node, a
//     snapshot, a symptom, a probe), or its set of clusters changed (a new
//     join key merged or split groups);
//   - the quiet clock (the latest log time in the fleet) passed the time at
//     which one of its symptoms stops counting (pairing.View.Current);
//   - its result depends on the wall clock itself (a finding with no
//     evidence time, stamped with the evaluation time): such a group is
//     evaluated on every pass, as a full pass would.
//
// Everything else keeps its previous result. agent-silent is the one rule
// that reads the wall clock and the heartbeats (which arrive all the time
// and do not change a node's Version): its findings stand alone (nothing
// absorbs them, they absorb nothing), so it runs on every pass apart from
// the groups, over the nodes whose agent is silent now (store.Heartbeats,
// a scan of the heartbeat times without copying the nodes).
//
// A node's copy is taken from the store when it changed
// (store.ChangedSince), so the evaluator holds one copy of each node's
// symptom aggregates (the exemplars' strings and maps are shared with the
// store).
package incremental

import (
	"sort"
	"time"

	"github.com/esdoctor/esdoctor/aggregator/pairing"
	"github.com/esdoctor/esdoctor/aggregator/rules"
	"github.com/esdoctor/esdoctor/aggregator/store"
	"github.com/esdoctor/esdoctor/shared/catalog"
	"github.com/esdoctor/esdoctor/shared/diagnosis"
)

// Options tune the evaluation, as analyze.Options does for a full one.
type Options struct {
	Rules rules.Options
	// QuietPeriod as in analyze.Options (0 or negative: no limit).
	QuietPeriod time.Duration
}

// Stats describe one pass.
type Stats struct {
	// Groups is the number of groups of clusters; Evaluated how many were
	// evaluated in this pass, over Nodes nodes; Changed the nodes that
	// changed since the previous pass.
	Groups, Evaluated, Nodes, Changed int
	// Repartitioned: the join keys changed and the groups were rebuilt.
	Repartitioned bool
}

// Evaluator keeps the model's copy, its partition into groups and each
// group's result between passes. It is not safe for concurrent use (the
// aggregator's evaluation loop owns it).
type Evaluator struct {
	o   Options
	ver uint64
	// groupRules are the rules run per group; silent runs on every pass
	// (nil when the rule set has no agent-silent).
	groupRules rules.Options
	silent     rules.Rule
	// nodes and keys by node; clusters lists each cluster's nodes.
	nodes    map[store.NodeKey]*store.Node
	keys     map[store.NodeKey]*joinKeys
	clusters map[string][]store.NodeKey
	// groups by id (their first cluster's name).
	groups map[string]*group
	// out is the groups' last result, sorted; nil when a group changed
	// since.
	out []diagnosis.Diagnosis
}

type group struct {
	id       string
	clusters []string
	result   []diagnosis.Diagnosis
	// volatile: the result depends on the wall clock.
	volatile bool
	// quietAt: a symptom stops counting when the quiet clock passes it
	// (zero: none will).
	quietAt   time.Time
	evaluated bool
}

// New returns an evaluator with nothing evaluated yet.
func New(o Options) *Evaluator {
	e := &Evaluator{o: o, nodes: map[store.NodeKey]*store.Node{}, keys: map[store.NodeKey]*joinKeys{},
		clusters: map[string][]store.NodeKey{}, groups: map[string]*group{}}
	all := o.Rules.Rules
	if all == nil {
		all = rules.All()
	}
	e.groupRules = o.Rules
	e.groupRules.Rules = make([]rules.Rule, 0, len(all))
	for _, r := range all {
		if r.Meta().Code == catalog.AgentSilent {
			e.silent = r
			continue
		}
		e.groupRules.Rules = append(e.groupRules.Rules, r)
	}
	return e
}

// Evaluate brings the result up to date with st at the wall-clock time now
// and returns every open diagnosis in the contract's order: the same list
// as analyze.Evaluate(st, analyze.Options{Now: now, ...}). The caller must
// not modify the returned slice.
func (e *Evaluator) Evaluate(st *store.Store, now time.Time) ([]diagnosis.Diagnosis, Stats) {
	changed, ver := st.ChangedSince(e.ver)
	e.ver = ver
	quietClock := st.Latest()
	var stats Stats
	stats.Changed = len(changed)
	dirty := map[string]bool{} // clusters
	rekey := false
	for _, n := range changed {
		if _, ok := e.nodes[n.Key]; !ok {
			e.clusters[n.Key.Cluster] = append(e.clusters[n.Key.Cluster], n.Key)
			sort.Slice(e.clusters[n.Key.Cluster], func(i, j int) bool {
				return e.clusters[n.Key.Cluster][i].Node < e.clusters[n.Key.Cluster][j].Node
			})
		}
		e.nodes[n.Key] = n
		k := keysOf(n)
		if old := e.keys[n.Key]; old == nil || !old.equal(k) {
			rekey = true
		}
		e.keys[n.Key] = k
		dirty[n.Key.Cluster] = true
	}
	if rekey {
		e.partition()
		stats.Repartitioned = true
	}
	var todo []*group
	for _, g := range e.groups {
		due := !g.evaluated || g.volatile || (!g.quietAt.IsZero() && quietClock.After(g.quietAt))
		for _, c := range g.clusters {
			due = due || dirty[c]
		}
		if due {
			todo = append(todo, g)
		}
	}
	sort.Slice(todo, func(i, j int) bool { return todo[i].id < todo[j].id })
	for _, g := range todo {
		stats.Nodes += e.evaluate(g, now, quietClock)
	}
	stats.Groups, stats.Evaluated = len(e.groups), len(todo)
	if len(todo) > 0 || e.out == nil {
		ids := make([]string, 0, len(e.groups))
		total := 0
		for id, g := range e.groups {
			ids = append(ids, id)
			total += len(g.result)
		}
		sort.Strings(ids)
		out := make([]diagnosis.Diagnosis, 0, total)
		for _, id := range ids {
			out = append(out, e.groups[id].result...)
		}
		diagnosis.Sort(out)
		e.out = out
	}
	silent := e.evaluateSilent(st, now)
	if len(silent) == 0 {
		return e.out, stats
	}
	out := append(append(make([]diagnosis.Diagnosis, 0, len(e.out)+len(silent)), e.out...), silent...)
	diagnosis.Sort(out)
	return out, stats
}

// evaluateSilent runs agent-silent over the nodes whose agent is silent at
// now.
func (e *Evaluator) evaluateSilent(st *store.Store, now time.Time) []diagnosis.Diagnosis {
	if e.silent == nil {
		return nil
	}
	nodes := st.Heartbeats(func(n *store.Node) bool {
		return !n.LastHeartbeat.IsZero() && n.HeartbeatInterval > 0 && now.Sub(n.LastHeartbeat) > rules.SilentAfter*n.HeartbeatInterval
	})
	if len(nodes) == 0 {
		return nil
	}
	o := e.o.Rules
	o.Rules = []rules.Rule{e.silent}
	return rules.Evaluate(pairing.New(nodes, now), o)
}

// evaluate runs the rules over one group's nodes; it returns the number of
// nodes.
func (e *Evaluator) evaluate(g *group, now, quietClock time.Time) int {
	var nodes []*store.Node
	aliases := map[*store.Node][]string{}
	for _, c := range g.clusters { // sorted, as are each cluster's nodes
		for _, k := range e.clusters[c] {
			n := e.nodes[k]
			nodes = append(nodes, n)
			aliases[n] = e.keys[k].owns // pairing.HostAliases(n), computed when n changed
		}
	}
	v := pairing.NewWithAliases(nodes, now, aliases)
	v.Quiet, v.QuietClock = e.o.QuietPeriod, quietClock
	g.result = rules.Evaluate(v, e.groupRules)
	g.evaluated = true
	g.volatile = false
	for i := range g.result {
		d := &g.result[i]
		if d.FirstSeen.Equal(now) && d.LastSeen.Equal(now) {
			g.volatile = true
		}
	}
	g.quietAt = time.Time{}
	if e.o.QuietPeriod <= 0 {
		return len(nodes)
	}
	cutoff := quietClock.Add(-e.o.QuietPeriod)
	for _, n := range nodes {
		for _, a := range n.Symptoms {
			if a.LastTime.IsZero() || (!quietClock.IsZero() && a.LastTime.Before(cutoff)) {
				continue // counts forever, or stopped counting already
			}
			if t := a.LastTime.Add(e.o.QuietPeriod); g.quietAt.IsZero() || t.Before(g.quietAt) {
				g.quietAt = t
			}
		}
	}
	return len(nodes)
}

// partition rebuilds the groups from the join keys; a group whose set of
// clusters is new is evaluated on the next pass, the others keep their
// results.
func (e *Evaluator) partition() {
	names := make([]string, 0, len(e.clusters))
	for c := range e.clusters {
		names = append(names, c)
	}
	sort.Strings(names)
	uf := newUnionFind(names)
	hostRef := map[string]string{} // host → first cluster referencing it
	ids := map[string]string{}     // API key id → first cluster holding it
	keys := make([]store.NodeKey, 0, len(e.keys))
	for k := range e.keys {
		keys = append(keys, k)
	}
	sort.Slice(keys, func(i, j int) bool {
		if keys[i].Cluster != keys[j].Cluster {
			return keys[i].Cluster < keys[j].Cluster
		}
		return keys[i].Node < keys[j].Node
	})
	for _, nk := range keys {
		jk := e.keys[nk]
		for _, h := range jk.refs {
			if c, ok := hostRef[h]; ok {
				uf.union(c, nk.Cluster)
			} else {
				hostRef[h] = nk.Cluster
			}
		}
		for _, id := range jk.ids {
			if c, ok := ids[id]; ok {
				uf.union(c, nk.Cluster)
			} else {
				ids[id] = nk.Cluster
			}
		}
		for _, a := range jk.aliases {
			if _, ok := e.clusters[a]; ok {
				uf.union(a, nk.Cluster)
			}
		}
	}
	for _, nk := range keys {
		for _, h := range e.keys[nk].owns {
			if c, ok := hostRef[h]; ok {
				uf.union(c, nk.Cluster)
			}
		}
	}
	members := map[string][]string{}
	for _, c := range names {
		r := uf.find(c)
		members[r] = append(members[r], c)
	}
	groups := make(map[string]*group, len(members))
	for _, cs := range members {
		id := cs[0] // names are sorted
		g := &group{id: id, clusters: cs}
		if old := e.groups[id]; old != nil && equalStrings(old.clusters, cs) {
			g = old
		}
		groups[id] = g
	}
	e.groups = groups
	e.out = nil
}

func equalStrings(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// unionFind over cluster names; the root of a set is its smallest name.
type unionFind struct{ parent map[string]string }

func newUnionFind(names []string) *unionFind {
	u := &unionFind{parent: make(map[string]string, len(names))}
	for _, n := range names {
		u.parent[n] = n
	}
	return u
}

func (u *unionFind) find(x string) string {
	for u.parent[x] != x {
		u.parent[x] = u.parent[u.parent[x]]
		x = u.parent[x]
	}
	return x
}

func (u *unionFind) union(a, b string) {
	ra, rb := u.find(a), u.find(b)
	if ra == rb {
		return
	}
	if rb < ra {
		ra, rb = rb, ra
	}
	u.parent[rb] = ra
}
