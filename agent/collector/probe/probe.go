// Package probe holds the agent's active collectors: a TCP connect and TLS
// handshake to every remote-cluster seed or proxy address the node's
// configuration names (verified with the node's own trust for that side),
// TCP reachability of the cluster's peers, and the kernel's TCP keepalive
// facts with the keepalive timers of live connections to remote ports.
//
// Every prober implements Prober and lives in a file of its own. Probes go
// only to addresses the Elasticsearch configuration names, each with a
// timeout, no more than Options.Concurrency at a time and no faster than
// Options.Spacing apart; nothing is sent beyond a TLS handshake (no
// client certificate is presented: when the server asks for one, the
// handshake is abandoned after its certificate was read).
package probe

import (
	"context"
	"crypto/x509"
	"sort"
	"sync"
	"time"

	"github.com/esdoctor/esdoctor/agent/inspect"
	"github.com/esdoctor/esdoctor/shared/event"
)

// Purposes of probes (event.Probe.Purpose).
const (
	PurposeRemoteSeed        = "remote-seed"
	PurposeRemoteProxy       = "remote-proxy"
	PurposePeerTransport     = "peer-transport"
	PurposePeerHTTP          = "peer-http"
	PurposePeerRemoteCluster = "peer-remote-cluster"
	PurposeKernel            = "kernel-tcp"
)

// Input is what the probers know of the node: its inspection (snapshot and
// parsed certificates) and, optionally, peers learnt elsewhere.
type Input struct {
	Snapshot *event.Snapshot
	// Certs maps an index of Snapshot.Certificates to its parsed
	// certificates (inspect.Result.Certs).
	Certs map[int][]*x509.Certificate
	// Peers are other nodes' listening addresses of the same cluster (from
	// the aggregator's model); discovery.seed_hosts is always used.
	Peers []event.Address
}

// FromInspect builds an Input from an inspection.
func FromInspect(r *inspect.Result) *Input {
	in := &Input{Snapshot: r.Snapshot, Certs: map[int][]*x509.Certificate{}}
	for i, cs := range r.Certs {
		in.Certs[i] = cs
	}
	return in
}

// Prober is one active collector.
type Prober interface {
	// Name names the prober ("remote-tls", "peers", "kernel").
	Name() string
	// Probe runs the prober once; it never fails as a whole: a failure is
	// a probe result.
	Probe(ctx context.Context, in *Input, l *Limiter) []event.Probe
}

// Options tune the probes.
type Options struct {
	// ConnectTimeout bounds one TCP connect (default 3 s).
	ConnectTimeout time.Duration
	// HandshakeTimeout bounds one TLS handshake after the connect (default 5 s).
	HandshakeTimeout time.Duration
	// Concurrency is the number of probes at a time (default 4).
	Concurrency int
	// Spacing is the least time between the starts of two probes (default 50 ms).
	Spacing time.Duration
	// MaxTargets bounds the addresses one prober probes per run (default 256).
	MaxTargets int
	// Now is the clock for certificate validity (default time.Now).
	Now func() time.Time
	// ProcSys is the root of the sysctl tree (default /proc/sys).
	ProcSys string
	// Connections lists live TCP connections (default: netlink inet_diag).
	Connections func() ([]Conn, error)
	// ESAPI is the optional local Elasticsearch API collector.
	ESAPI *ESAPI
}

func (o Options) withDefaults() Options {
	if o.ConnectTimeout <= 0 {
		o.ConnectTimeout = 3 * time.Second
	}
	if o.HandshakeTimeout <= 0 {
		o.HandshakeTimeout = 5 * time.Second
	}
	if o.Concurrency <= 0 {
		o.Concurrency = 4
	}
	if o.Spacing < 0 {
		o.Spacing = 0
	} else if o.Spacing == 0 {
		o.Spacing = 50 * time.Millisecond
	}
	if o.MaxTargets <= 0 {
		o.MaxTargets = 256
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.ProcSys == "" {
		o.ProcSys = "/proc/sys"
	}
	if o.Connections == nil {
		o.Connections = liveConnections
	}
	return o
}

// Limiter bounds concurrency and spaces the starts of probes.
type Limiter struct {
	sem     chan struct{}
	mu      sync.Mutex
	next    time.Time
	spacing time.Duration
}

// NewLimiter returns a limiter for n probes at a time, spaced d apart.
func NewLimiter(n int, d time.Duration) *Limiter {
	if n < 1 {
		n = 1
	}
	return &Limiter{sem: make(chan struct{}, n), spacing: d}
}

// Do runs f under the limits; it returns false without running f when ctx
// ends first.
func (l *Limiter) Do(ctx context.Context, f func()) bool {
	select {
	case l.sem <- struct{}{}:
	case <-ctx.Done():
		return false
	}
	defer func() { <-l.sem }()
	l.mu.Lock()
	now := time.Now()
	at := l.next
	if at.Before(now) {
		at = now
	}
	l.next = at.Add(l.spacing)
	l.mu.Unlock()
	if d := time.Until(at); d > 0 {
		t := time.NewTimer(d)
		select {
		case <-t.C:
		case <-ctx.Done():
			t.Stop()
			return false
		}
	}
	f()
	return true
}

// Set is the probers the agent runs, with their options.
type Set struct {
	Probers []Prober
	opts    Options
	lim     *Limiter
}

// New returns the standard probers: remote TLS, peers and kernel.
func New(o Options) *Set {
	o = o.withDefaults()
	return &Set{opts: o, lim: NewLimiter(o.Concurrency, o.Spacing),
		Probers: []Prober{&Remotes{opts: o}, &Peers{opts: o}, &Kernel{opts: o}}}
}

// Run runs every prober and returns the results in a stable order (kind,
// purpose, target). With a local ES API configured it is asked first, and
// the remotes of the live cluster settings are probed with the others.
func (s *Set) Run(ctx context.Context, in *Input) []event.Probe {
	var out []event.Probe
	if s.opts.ESAPI != nil && in != nil && in.Snapshot != nil {
		r := s.opts.ESAPI.collect(ctx, in)
		out = append(out, r.probe)
		in = withRemotes(in, r.remotes)
	}
	for _, p := range s.Probers {
		out = append(out, p.Probe(ctx, in, s.lim)...)
	}
	Sort(out)
	return out
}

// withRemotes returns in with the live remotes added whose alias the
// snapshot does not define (the snapshot itself is not changed).
func withRemotes(in *Input, live []event.Remote) *Input {
	if len(live) == 0 {
		return in
	}
	have := map[string]bool{}
	for _, r := range in.Snapshot.Remotes {
		if r.Source != "keystore" {
			have[r.Alias] = true
		}
	}
	snap := *in.Snapshot
	snap.Remotes = nil
	for _, r := range in.Snapshot.Remotes {
		if r.Source == "keystore" && haveAlias(live, r.Alias) {
			continue // only its credentials were known; the live settings define it
		}
		snap.Remotes = append(snap.Remotes, r)
	}
	for _, r := range live {
		if !have[r.Alias] {
			r.Source = "cluster_settings (live)"
			snap.Remotes = append(snap.Remotes, r)
		}
	}
	c := *in
	c.Snapshot = &snap
	return &c
}

func haveAlias(rs []event.Remote, alias string) bool {
	for _, r := range rs {
		if r.Alias == alias {
			return true
		}
	}
	return false
}

// Sort orders probe results by kind, purpose, alias and target.
func Sort(ps []event.Probe) {
	sort.SliceStable(ps, func(i, j int) bool {
		a, b := ps[i], ps[j]
		if a.Kind != b.Kind {
			return a.Kind < b.Kind
		}
		if a.Purpose != b.Purpose {
			return a.Purpose < b.Purpose
		}
		if a.Alias != b.Alias {
			return a.Alias < b.Alias
		}
		return a.Target < b.Target
	})
}

// runAll runs one function per target under the limiter and keeps the
// results in target order.
func runAll[T any](ctx context.Context, l *Limiter, targets []T, f func(T) event.Probe) []event.Probe {
	out := make([]event.Probe, len(targets))
	done := make([]bool, len(targets))
	var wg sync.WaitGroup
	for i, t := range targets {
		wg.Add(1)
		go func() {
			defer wg.Done()
			l.Do(ctx, func() { out[i] = f(t); done[i] = true })
		}()
	}
	wg.Wait()
	res := out[:0]
	for i := range out {
		if done[i] {
			res = append(res, out[i])
		}
	}
	return res
}
