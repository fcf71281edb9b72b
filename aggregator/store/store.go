// Package store folds the event stream into the aggregator's model:
// clusters → nodes (latest snapshot, symptom aggregates, probes, heartbeats).
// Applying the same event twice changes nothing (idempotent by event id),
// and the result does not depend on the arrival order of events that carry
// their own times, so a live aggregator and the offline analyzer fold the
// same evidence into the same model.
//
// The store keeps every symptom aggregate it was given, with its times;
// whether an aggregate still counts as evidence is decided when the rules
// run (pairing.View.Current), from the node's starts (Starts, and the
// snapshot's process start time), the time its remote definitions in the
// cluster settings last changed (RemotesChangedAt) and the quiet period.
// The lifecycle of a diagnosis (open → resolved → reopened, and why) is
// written down in the tracker's package doc.
package store

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/esdoctor/esdoctor/shared/event"
)

// NodeKey names a node.
type NodeKey struct {
	Cluster string `json:"cluster"`
	Node    string `json:"node"`
}

func (k NodeKey) String() string { return k.Cluster + "/" + k.Node }

// SymptomAgg is every occurrence of one symptom (same code, node and key
// fields) folded together.
type SymptomAgg struct {
	Key       string
	Code      string
	Count     int
	FirstTime time.Time
	LastTime  time.Time
	// First and Last are exemplars (the earliest and the latest occurrence).
	First event.Symptom
	Last  event.Symptom
}

// Node is one node's folded state.
type Node struct {
	Key   NodeKey
	Agent string
	// Snapshot is the latest snapshot (by InspectedAt).
	Snapshot *event.Snapshot
	// Symptoms by aggregate key.
	Symptoms map[string]*SymptomAgg
	// Starts are the node's start times seen in its logs (sorted, unique).
	Starts []time.Time
	// Probes by kind+target, latest.
	Probes map[string]event.Probe
	// LastHeartbeat is the time of the latest heartbeat (agent clock).
	LastHeartbeat     time.Time
	HeartbeatInterval time.Duration
	// Heartbeat is the latest heartbeat (agent version, spool fill and
	// drops).
	Heartbeat *event.Heartbeat
	Status    *event.AgentStatus
	// RemotesChangedAt is when the node's remote cluster definitions from
	// the cluster settings last changed (cluster settings take effect at
	// once, without a restart); zero when no change was seen.
	RemotesChangedAt time.Time
	// Version is the store version of the node's latest change that rules
	// can see (see Store.ChangedSince). Heartbeats and the agent's status
	// do not change it: read them with Store.Heartbeats.
	Version uint64
}

// Store is the model. It is safe for concurrent use.
type Store struct {
	mu      sync.RWMutex
	nodes   map[NodeKey]*Node
	seen    idSet
	version uint64
	// latest is the latest event time seen (the clock of offline analysis).
	latest time.Time
	stats  Stats
}

// Stats counts what the store did.
type Stats struct {
	Applied    uint64 `json:"applied"`
	Duplicates uint64 `json:"duplicates"`
	Snapshots  uint64 `json:"snapshots"`
	Symptoms   uint64 `json:"symptoms"`
	Probes     uint64 `json:"probes"`
	Heartbeats uint64 `json:"heartbeats"`
}

// New returns an empty store.
func New() *Store {
	return &Store{nodes: map[NodeKey]*Node{}, seen: newIDSet(1 << 20)}
}

// Apply folds one event into the model. It never fails on content: events
// were validated by event.Decode; Apply ignores what it cannot use.
func (s *Store) Apply(_ context.Context, e *event.Envelope) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.seen.has(e.ID) {
		s.stats.Duplicates++
		return nil
	}
	s.seen.add(e.ID)
	s.stats.Applied++
	key := NodeKey{Cluster: e.Cluster, Node: e.Node}
	n := s.nodes[key]
	created := n == nil
	if created {
		n = &Node{Key: key, Symptoms: map[string]*SymptomAgg{}, Probes: map[string]event.Probe{}}
		s.nodes[key] = n
	}
	if e.Agent != "" {
		n.Agent = e.Agent
	}
	changed := true
	switch e.Kind {
	case event.KindSnapshot:
		s.stats.Snapshots++
		changed = applySnapshot(n, e.Snapshot)
	case event.KindSymptom:
		s.stats.Symptoms++
		applySymptom(n, e.Symptom)
		s.observe(e.Symptom.Time)
		if e.Symptom.LastTime != nil {
			s.observe(*e.Symptom.LastTime)
		}
	case event.KindProbe:
		s.stats.Probes++
		n.Probes[e.Probe.Kind+" "+e.Probe.Target] = *e.Probe
	case event.KindHeartbeat:
		s.stats.Heartbeats++
		if e.Time.After(n.LastHeartbeat) {
			n.LastHeartbeat = e.Time
			n.Heartbeat = e.Heartbeat
		}
		if d, err := time.ParseDuration(e.Heartbeat.Interval); err == nil {
			n.HeartbeatInterval = d
		}
		changed = false
	case event.KindStatus:
		n.Status = e.Status
		changed = false
	}
	if changed || created { // a new node counts in its cluster, even with a heartbeat only
		s.version++
		n.Version = s.version
	}
	return nil
}

func (s *Store) observe(t time.Time) {
	if t.After(s.latest) {
		s.latest = t
	}
}

// applySnapshot keeps the latest snapshot by InspectedAt; it reports whether
// the model changed.
func applySnapshot(n *Node, snap *event.Snapshot) bool {
	if n.Snapshot != nil && snap.InspectedAt.Before(n.Snapshot.InspectedAt) {
		return false
	}
	if n.Snapshot != nil && digest(n.Snapshot) == digest(snap) {
		// The same content inspected again: keep the interned copy, with
		// the new inspection time.
		c := *n.Snapshot
		c.InspectedAt = snap.InspectedAt
		n.Snapshot = &c
		return false
	}
	intern(snap)
	if n.Snapshot != nil && clusterSettingsDigest(n.Snapshot) != clusterSettingsDigest(snap) {
		at := snap.InspectedAt
		if snap.ConfigChangedAt != nil && snap.ConfigChangedAt.After(n.Snapshot.InspectedAt) {
			at = *snap.ConfigChangedAt
		}
		if at.After(n.RemotesChangedAt) {
			n.RemotesChangedAt = at
		}
	}
	n.Snapshot = snap
	return true
}

// clusterSettingsDigest hashes what a snapshot holds from the cluster
// settings (remote definitions and settings whose source is
// cluster_settings): a change there takes effect in the running cluster at
// once, unlike the yml and the keystore.
func clusterSettingsDigest(s *event.Snapshot) string {
	h := sha256.New()
	for _, r := range s.Remotes {
		if r.Source != "cluster_settings" {
			continue
		}
		b, _ := json.Marshal(struct {
			Alias, Mode, Proxy, Server, Layer string
			Seeds                             []string
		}{r.Alias, r.Mode, r.ProxyAddress, r.ServerName, r.Layer, r.Seeds})
		h.Write(b)
	}
	keys := make([]string, 0, len(s.Settings))
	for k, v := range s.Settings {
		if v.Source == "cluster_settings" {
			keys = append(keys, k)
		}
	}
	sort.Strings(keys)
	for _, k := range keys {
		v := s.Settings[k]
		h.Write([]byte(k + "\x00" + v.Value + "\x00" + strings.Join(v.Values, ",") + "\x00"))
	}
	return hex.EncodeToString(h.Sum(nil))
}

// digest hashes a snapshot's content without its inspection time.
func digest(s *event.Snapshot) string {
	c := *s
	c.InspectedAt = time.Time{}
	b, _ := json.Marshal(&c)
	h := sha256.Sum256(b)
	return hex.EncodeToString(h[:])
}

func applySymptom(n *Node, sy *event.Symptom) {
	if sy.Symptom == "node-started" && !sy.Time.IsZero() {
		i := sort.Search(len(n.Starts), func(i int) bool { return !n.Starts[i].Before(sy.Time) })
		if i == len(n.Starts) || !n.Starts[i].Equal(sy.Time) {
			n.Starts = append(n.Starts, time.Time{})
			copy(n.Starts[i+1:], n.Starts[i:])
			n.Starts[i] = sy.Time
		}
	}
	key := SymptomKey(sy)
	count := sy.Count
	if count < 1 {
		count = 1
	}
	last := sy.Time
	if sy.LastTime != nil && sy.LastTime.After(last) {
		last = *sy.LastTime
	}
	a := n.Symptoms[key]
	if a == nil || earlier(sy, &a.First) || last.After(a.LastTime) || (last.Equal(a.LastTime) && laterPos(sy, &a.Last)) {
		intern(sy) // it becomes an exemplar, kept
	}
	if a == nil {
		n.Symptoms[key] = &SymptomAgg{Key: key, Code: sy.Symptom, Count: count, FirstTime: sy.Time, LastTime: last, First: *sy, Last: *sy}
		return
	}
	a.Count += count
	if earlier(sy, &a.First) {
		a.First = *sy
		a.FirstTime = sy.Time
	}
	if last.After(a.LastTime) || (last.Equal(a.LastTime) && laterPos(sy, &a.Last)) {
		a.Last = *sy
		a.LastTime = last
	}
}

// earlier orders occurrences by time, then file position, so that the
// exemplar does not depend on arrival order.
func earlier(a, b *event.Symptom) bool {
	if !a.Time.Equal(b.Time) {
		return a.Time.Before(b.Time)
	}
	if a.File != b.File {
		return a.File < b.File
	}
	return a.Offset < b.Offset
}

func laterPos(a, b *event.Symptom) bool {
	if a.File != b.File {
		return a.File > b.File
	}
	return a.Offset > b.Offset
}

// keyFields are the fields that tell one symptom from another of the same
// code on the same node. Ephemeral ports are dropped from addresses.
var keyFields = []string{"alias", "address", "server_address", "remote_address", "local_address", "profile", "ssl_context",
	"subject", "fingerprint", "issuer", "api_key_id", "api_key_type", "user", "action", "aws_error_code", "publish_address", "reason", "remote_node",
	// The service-mesh pack's (agent/mesh/meshlog).
	"resource", "api_group", "policy_namespace", "policy", "upstream_cluster", "tls_reason", "namespace", "authority"}

// SymptomKey is the aggregate key of a symptom.
func SymptomKey(sy *event.Symptom) string {
	var b strings.Builder
	b.WriteString(sy.Symptom)
	b.WriteByte('|')
	b.WriteString(sy.Node)
	for _, f := range keyFields {
		v, ok := sy.Fields[f]
		if !ok || v == "" {
			continue
		}
		if f == "remote_address" || f == "local_address" {
			v = HostOnly(v)
		}
		b.WriteByte('|')
		b.WriteString(f)
		b.WriteByte('=')
		b.WriteString(v)
	}
	return b.String()
}

// HostOnly strips the port (and a "name/" prefix) from an address as ES logs it.
func HostOnly(addr string) string {
	if i := strings.LastIndexByte(addr, '/'); i >= 0 {
		addr = addr[i+1:]
	}
	addr = strings.TrimPrefix(addr, "/")
	if strings.HasPrefix(addr, "[") {
		if i := strings.Index(addr, "]"); i > 0 {
			return addr[1:i]
		}
	}
	if strings.Count(addr, ":") == 1 {
		return addr[:strings.IndexByte(addr, ':')]
	}
	return addr
}

// Version increases whenever the model changes in a way rules can see.
func (s *Store) Version() uint64 {
	s.mu.RLock()
	defer s.mu.RUnlock()
	return s.version
}

// Latest is the latest event time seen in any symptom.
func (s *Store) Latest() time.Time {
	s.mu.RLock()
	defer s.mu.RUnlock()
	return s.latest
}

// Stats returns the counters.
func (s *Store) Stats() Stats {
	s.mu.RLock()
	defer s.mu.RUnlock()
	return s.stats
}

// Nodes returns a deep-enough copy of every node, sorted by key, for rules
// to read without holding the lock.
func (s *Store) Nodes() []*Node {
	s.mu.RLock()
	defer s.mu.RUnlock()
	out := make([]*Node, 0, len(s.nodes))
	for _, n := range s.nodes {
		out = append(out, copyNode(n))
	}
	SortNodes(out)
	return out
}

// Len returns the number of nodes in the model.
func (s *Store) Len() int {
	s.mu.RLock()
	defer s.mu.RUnlock()
	return len(s.nodes)
}

// ChangedSince returns copies (as Nodes makes them) of the nodes whose
// Version is above since, sorted by key, and the store version they
// reflect: pass it as since next time to get what changed in between.
func (s *Store) ChangedSince(since uint64) ([]*Node, uint64) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	var out []*Node
	for _, n := range s.nodes {
		if n.Version > since {
			out = append(out, copyNode(n))
		}
	}
	SortNodes(out)
	return out, s.version
}

// Heartbeats returns, sorted by key, the nodes for which keep is true,
// called with each node's identity and heartbeat fields only (Key, Agent,
// LastHeartbeat, HeartbeatInterval, Heartbeat, Status, Version); the nodes
// returned carry those fields and nothing else. It is cheap enough to call
// on every evaluation (agent-silent).
func (s *Store) Heartbeats(keep func(n *Node) bool) []*Node {
	s.mu.RLock()
	defer s.mu.RUnlock()
	var out []*Node
	for _, n := range s.nodes {
		c := Node{Key: n.Key, Agent: n.Agent, LastHeartbeat: n.LastHeartbeat, HeartbeatInterval: n.HeartbeatInterval,
			Heartbeat: n.Heartbeat, Status: n.Status, Version: n.Version}
		if keep(&c) {
			c.Symptoms, c.Probes = map[string]*SymptomAgg{}, map[string]event.Probe{}
			out = append(out, &c)
		}
	}
	SortNodes(out)
	return out
}

// copyNode copies what Apply changes in place, so that the copy can be
// read without the lock.
func copyNode(n *Node) *Node {
	c := *n
	c.Symptoms = make(map[string]*SymptomAgg, len(n.Symptoms))
	for k, v := range n.Symptoms {
		vv := *v
		c.Symptoms[k] = &vv
	}
	c.Starts = append([]time.Time(nil), n.Starts...)
	c.Probes = make(map[string]event.Probe, len(n.Probes))
	for k, v := range n.Probes {
		c.Probes[k] = v
	}
	return &c
}

// SortNodes orders nodes by cluster, then node name (the order of Nodes).
func SortNodes(ns []*Node) {
	sort.Slice(ns, func(i, j int) bool {
		if ns[i].Key.Cluster != ns[j].Key.Cluster {
			return ns[i].Key.Cluster < ns[j].Key.Cluster
		}
		return ns[i].Key.Node < ns[j].Key.Node
	})
}

// idSet remembers recently applied event ids, bounded: two generations of
// max/2 ids each. JetStream deduplicates re-sends inside its window; this
// catches redeliveries of events applied but not yet acked. An id is kept
// as 16 bytes (the hex id decoded, else a SHA-256 prefix of it), so the
// sets hold no pointers for the garbage collector to scan.
type idSet struct {
	max       int
	cur, prev map[idKey]struct{}
}

// idKey is an event id in 16 bytes.
type idKey [16]byte

func keyOf(id string) idKey {
	var k idKey
	if len(id) == 2*len(k) && isLowerHex(id) {
		_, _ = hex.Decode(k[:], []byte(id))
		return k
	}
	h := sha256.Sum256([]byte("esdoctor-event-id\x00" + id))
	copy(k[:], h[:])
	return k
}

// isLowerHex: only the canonical spelling of a hex id is decoded, so that
// two different ids never share a key.
func isLowerHex(s string) bool {
	for i := 0; i < len(s); i++ {
		if c := s[i]; (c < '0' || c > '9') && (c < 'a' || c > 'f') {
			return false
		}
	}
	return true
}

func newIDSet(max int) idSet {
	return idSet{max: max, cur: map[idKey]struct{}{}, prev: map[idKey]struct{}{}}
}

func (s *idSet) has(id string) bool {
	k := keyOf(id)
	if _, ok := s.cur[k]; ok {
		return true
	}
	_, ok := s.prev[k]
	return ok
}

func (s *idSet) add(id string) {
	if len(s.cur) >= s.max/2 {
		s.prev, s.cur = s.cur, make(map[idKey]struct{}, s.max/2)
	}
	s.cur[keyOf(id)] = struct{}{}
}
