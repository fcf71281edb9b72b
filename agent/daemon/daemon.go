package daemon

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/prometheus/client_golang/prometheus"
	"go.uber.org/zap"

	"github.com/esdoctor/esdoctor/agent/collect"
	"github.com/esdoctor/esdoctor/agent/collector/keystore"
	"github.com/esdoctor/esdoctor/agent/inspect"
	"github.com/esdoctor/esdoctor/agent/publish"
	"github.com/esdoctor/esdoctor/agent/spool"
	"github.com/esdoctor/esdoctor/agent/watch"
	"github.com/esdoctor/esdoctor/shared/event"
	"github.com/esdoctor/esdoctor/shared/natsx"
	"github.com/esdoctor/esdoctor/shared/safefile"
	"github.com/esdoctor/esdoctor/shared/secret"
	"github.com/esdoctor/esdoctor/shared/sitekey"
)

// Version is the agent version reported in heartbeats.
var Version = "0.1.0"

// Agent is one running agent.
type Agent struct {
	cfg *Config
	log *zap.Logger
	sp  *spool.Spool
	reg *prometheus.Registry
	m   *metrics
	fp  *keystore.Fingerprinter
	// enrolledKey: the site key came with the enrolment file; it is not
	// asked of the aggregator.
	enrolledKey bool
	start       time.Time

	mu          sync.Mutex
	state       agentState
	cluster     string
	creds       *natsx.Identity // from nats.creds_file; nil without
	node        string
	lastSnap    *event.Snapshot
	pub         *publish.Publisher
	metricsAddr string
	ready       chan struct{}
	readyOne    sync.Once

	lastRes   *inspect.Result // the latest inspection, for the probes
	probeKick chan struct{}
	// watch re-inspects the node; set before the log followers start.
	watch *watch.Watcher
}

// agentState survives restarts (state_dir/agent-state.json).
type agentState struct {
	Digest          string     `json:"digest"`
	ConfigChangedAt *time.Time `json:"config_changed_at,omitempty"`
	// Start is the node's last known start: the logs that told it may be
	// rotated away, the node still runs that start.
	Start *nodeStart `json:"start,omitempty"`
}

// nodeStart is what a snapshot says of the running node's start.
type nodeStart struct {
	ESVersion   string     `json:"es_version,omitempty"`
	StartedAt   *time.Time `json:"started_at,omitempty"`
	StartSource string     `json:"start_source,omitempty"`
	PID         int        `json:"pid,omitempty"`
}

// rememberStart keeps the node's start and ES version across log
// rotations: what the snapshot found is saved, what it no longer finds
// (its start lines rotated away, no process to ask) is taken from the
// saved state. A newer start found in the logs or /proc replaces it.
func (st *agentState) rememberStart(s *event.Snapshot) {
	if s.StartedAt != nil {
		if st.Start == nil || st.Start.StartedAt == nil || !st.Start.StartedAt.Equal(*s.StartedAt) || (s.ESVersion != "" && s.ESVersion != st.Start.ESVersion) {
			v := s.ESVersion
			if v == "" && st.Start != nil && st.Start.StartedAt != nil && st.Start.StartedAt.Equal(*s.StartedAt) {
				v = st.Start.ESVersion
			}
			t := *s.StartedAt
			st.Start = &nodeStart{ESVersion: v, StartedAt: &t, StartSource: s.StartSource, PID: s.PID}
		}
	} else if st.Start != nil && st.Start.StartedAt != nil {
		t := *st.Start.StartedAt
		s.StartedAt, s.StartSource = &t, st.Start.StartSource
		if s.PID == 0 {
			s.PID = st.Start.PID
		}
	}
	if s.ESVersion == "" && st.Start != nil {
		s.ESVersion = st.Start.ESVersion
	}
}

// New prepares an agent: state dir, spool, fingerprint key.
func New(cfg *Config, log *zap.Logger) (*Agent, error) {
	if log == nil {
		log = zap.NewNop()
	}
	if err := os.MkdirAll(cfg.StateDir, 0o700); err != nil {
		return nil, fmt.Errorf("state dir %s: %w", cfg.StateDir, err)
	}
	a := &Agent{cfg: cfg, log: log, reg: prometheus.NewRegistry(), start: time.Now(), ready: make(chan struct{}), probeKick: make(chan struct{}, 1)}
	a.m = newMetrics(a.reg)
	// The site key: an explicit file wins; then the one the enrolment
	// file (nats.creds_file) carries; else the aggregator's, cached in the
	// state dir from an earlier start (Run fetches it again).
	var key []byte
	if cfg.FingerprintKeyFile != "" {
		k, err := sitekey.Load(cfg.FingerprintKeyFile)
		if err != nil {
			return nil, fmt.Errorf("fingerprint key: %w", err)
		}
		key = k
	} else if cfg.NATS.CredsFile != "" {
		k, ok, err := sitekey.FromCredsFile(cfg.NATS.CredsFile)
		if err != nil {
			return nil, fmt.Errorf("fingerprint key: %w", err)
		}
		if ok {
			key, a.enrolledKey = k, true
		}
	}
	if key == nil {
		if k, err := sitekey.Load(a.siteKeyPath()); err == nil {
			key = k
		}
	}
	a.fp = keystore.NewFingerprinter(key)
	sp, err := spool.Open(filepath.Join(cfg.StateDir, "spool"), spool.Options{MaxBytes: cfg.Spool.MaxBytes, Logger: log, Registry: a.reg})
	if err != nil {
		return nil, err
	}
	a.sp = sp
	a.loadState()
	return a, nil
}

// Ready is closed after the first snapshot was spooled.
func (a *Agent) Ready() <-chan struct{} { return a.ready }

// Registry holds the agent's metrics.
func (a *Agent) Registry() *prometheus.Registry { return a.reg }

// Run runs until ctx is done.
func (a *Agent) Run(ctx context.Context) error {
	defer a.sp.Close()
	// The credentials name the reply inbox this agent may use; a CA file
	// is the only root trusted for TLS.
	opts, id, err := natsx.ClientOptions(a.cfg.NATS.CredsFile, a.cfg.NATS.CAFile)
	if err != nil {
		return err
	}
	a.creds = id
	nc, err := natsx.Connect(a.cfg.NATS.URL, "esdoctor-agent "+a.cfg.Agent, a.log, opts...)
	if err != nil {
		return fmt.Errorf("nats %s: %w", natsx.RedactURL(a.cfg.NATS.URL), err)
	}
	defer nc.Close()
	if err := a.serveMetrics(ctx); err != nil {
		a.log.Error("metrics not served", zap.String("listen", a.cfg.Metrics.Listen), zap.Error(err))
	}
	pub, err := publish.New(nc, a.sp, publish.Options{Logger: a.log, Registry: a.reg})
	if err != nil {
		return err
	}
	a.mu.Lock()
	a.pub = pub
	a.mu.Unlock()
	w, err := watch.New(watch.Options{Every: time.Duration(a.cfg.InspectInterval), Logger: a.log.Named("watch")})
	if err != nil {
		return err
	}
	a.mu.Lock()
	a.watch = w
	a.mu.Unlock()
	var wg sync.WaitGroup
	run := func(name string, f func(context.Context) error) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if err := f(ctx); err != nil && !errors.Is(err, context.Canceled) {
				a.log.Error("component stopped", zap.String("component", name), zap.Error(err))
			}
		}()
	}
	if a.cfg.FingerprintKeyFile == "" && !a.enrolledKey {
		a.fetchSiteKey(ctx, nc, 5*time.Second)
		if !a.fingerprinter().Keyed() {
			// Neither the aggregator nor a cache: a key of this node's own
			// until the aggregator's arrives, so that nothing goes out
			// unkeyed.
			key, _, err := sitekey.LoadOrCreate(a.siteKeyPath())
			if err != nil {
				return err
			}
			a.setFingerprinter(keystore.NewFingerprinter(key))
			a.log.Warn("site fingerprint key not received from the aggregator yet: using a key of this node's own until it arrives; "+
				"fingerprints will not compare with other nodes' meanwhile", zap.String("path", a.siteKeyPath()))
		}
		run("sitekey", func(ctx context.Context) error { return a.siteKeyLoop(ctx, nc, w) })
	}
	a.inspect(ctx, w)
	run("publish", pub.Run)
	run("watch", func(ctx context.Context) error { return w.Run(ctx, func() { a.inspect(ctx, w) }) })
	run("heartbeat", a.heartbeats)
	if !a.cfg.Logs.Disabled {
		run("logs", a.followLogs)
	}
	if a.cfg.Mesh.On() && len(a.cfg.Mesh.Logs) > 0 {
		run("mesh-logs", a.followMeshLogs)
	}
	if !a.cfg.Probes.Disabled {
		run("probes", a.probeLoop)
	}
	<-ctx.Done()
	wg.Wait()
	return nil
}

// inspectOptions builds the options for one inspection.
func (a *Agent) inspectOptions() inspect.Options {
	o := inspect.Options{
		PathConf: a.cfg.Node.PathConf, PathLogs: a.cfg.Node.PathLogs, Cluster: a.cfg.Node.Cluster, Node: a.cfg.Node.Name,
		ClusterSettings: a.cfg.Node.ClusterSettingsFile, Fingerprinter: a.fingerprinter(), LogStart: inspect.LogStart, Logger: a.log,
		Location: a.location(), Hostname: a.cfg.Host.Hostname, LookupEnv: a.cfg.Host.LookupEnv, NoProcess: a.cfg.Host.NoProcess,
	}
	if a.cfg.Node.KeystorePasswordFile != "" {
		if b, err := safefile.ReadLine(a.cfg.Node.KeystorePasswordFile); err == nil {
			o.KeystorePassword = secret.New(b)
		} else {
			a.log.Warn("keystore password file unreadable", zap.String("path", a.cfg.Node.KeystorePasswordFile), zap.Error(err))
		}
	}
	return o
}

func (a *Agent) location() *time.Location {
	if a.cfg.Logs.Timezone == "" {
		return nil
	}
	l, _ := time.LoadLocation(a.cfg.Logs.Timezone)
	return l
}

// inspect takes a snapshot, notes a configuration change, updates the
// watched files and spools the snapshot.
func (a *Agent) inspect(ctx context.Context, w *watch.Watcher) {
	res, err := inspect.Inspect(ctx, a.inspectOptions())
	if err != nil {
		a.m.inspectErrors.Inc()
		a.log.Error("inspection failed", zap.Error(err))
		return
	}
	s := res.Snapshot
	a.m.inspections.Inc()
	a.m.fileErrors.Set(float64(len(s.Errors)))
	digest := contentDigest(s)
	a.mu.Lock()
	a.state.rememberStart(s)
	if a.state.Digest != "" && a.state.Digest != digest {
		t := s.InspectedAt
		a.state.ConfigChangedAt = &t
		a.log.Info("configuration changed", zap.String("path", s.PathConf))
	}
	changed := a.state.Digest != digest || a.lastRes == nil
	a.state.Digest = digest
	s.ConfigChangedAt = a.state.ConfigChangedAt
	if a.creds != nil && !a.creds.MayPublishAs(s.Cluster, s.Node) && (a.cluster != s.Cluster || a.node != s.Node) {
		a.log.Error("the NATS credentials do not allow publishing as this node: NATS will refuse its events (enroll this node: esdoctor-aggregator enroll --cluster C --node N)",
			zap.String("cluster", s.Cluster), zap.String("node", s.Node), zap.String("credentials", a.creds.Name), zap.Strings("allowed", a.creds.Publish))
	}
	if a.lastSnap == nil {
		a.log.Info("node inspected", zap.String("cluster", s.Cluster), zap.String("node", s.Node), zap.String("es_version", s.ESVersion), zap.Int("file_errors", len(s.Errors)))
	} else {
		a.log.Debug("node inspected", zap.Int("file_errors", len(s.Errors)))
	}
	a.cluster, a.node, a.lastSnap = s.Cluster, s.Node, s
	a.saveStateLocked()
	a.mu.Unlock()

	files := []string{filepath.Join(s.PathConf, "elasticsearch.yml"), filepath.Join(s.PathConf, "elasticsearch.keystore")}
	for _, f := range s.Certificates {
		files = append(files, f.Path)
	}
	if a.cfg.Node.ClusterSettingsFile != "" {
		files = append(files, a.cfg.Node.ClusterSettingsFile)
	}
	// The mesh pack's objects and certificate checks travel with the
	// snapshot (after the digest: they are not the node's configuration).
	files = append(files, a.readMesh(s)...)
	w.SetFiles(files)
	if _, err := a.sp.Append(collect.SnapshotEvent(s, a.cfg.Agent)); err != nil {
		a.log.Error("snapshot not spooled", zap.Error(err))
		return
	}
	a.readyOne.Do(func() { close(a.ready) })
	if changed {
		a.kickProbes(res)
	} else {
		a.mu.Lock()
		a.lastRes = res
		a.mu.Unlock()
	}
}

// contentDigest hashes what a configuration change is: settings, keystore
// entries (names and keyed fingerprints), certificates and remotes; not
// times, problems or addresses learnt from logs.
func contentDigest(s *event.Snapshot) string {
	type certFile struct {
		Setting, Path, Format, Source string
		OK                            *bool
		Certs                         []string
	}
	var cf []certFile
	for _, f := range s.Certificates {
		c := certFile{Setting: f.Setting, Path: f.Path, Format: f.Format, Source: f.PasswordSource, OK: f.PasswordOK}
		for _, x := range f.Certificates {
			c.Certs = append(c.Certs, x.SHA256)
		}
		cf = append(cf, c)
	}
	var ks any
	if s.Keystore != nil {
		ks = struct {
			V       int
			P, O    bool
			Entries []event.KeystoreEntry
		}{s.Keystore.FormatVersion, s.Keystore.PasswordProtected, s.Keystore.Opened, s.Keystore.Entries}
	}
	b, _ := json.Marshal(struct {
		Cluster, Node string
		Settings      map[string]event.Setting
		Keystore      any
		Certs         []certFile
		Remotes       []event.Remote
	}{s.Cluster, s.Node, s.Settings, ks, cf, s.Remotes})
	h := sha256.Sum256(b)
	return hex.EncodeToString(h[:])
}

func (a *Agent) statePath() string { return filepath.Join(a.cfg.StateDir, "agent-state.json") }

func (a *Agent) loadState() {
	b, err := safefile.ReadFile(a.statePath(), safefile.MaxStateFile)
	if err != nil {
		return
	}
	if err := json.Unmarshal(b, &a.state); err != nil {
		a.log.Warn("agent state unreadable, starting fresh", zap.String("path", a.statePath()), zap.Error(err))
		a.state = agentState{}
	}
}

func (a *Agent) saveStateLocked() {
	b, _ := json.Marshal(a.state)
	if err := safefile.WriteFile(a.statePath(), b, 0o600); err != nil {
		a.log.Warn("agent state not saved", zap.String("path", a.statePath()), zap.Error(err))
	}
}

// identity returns the node's cluster and name (known after the first inspection).
func (a *Agent) identity() (string, string) {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.cluster, a.node
}

// heartbeats spools a heartbeat every interval.
func (a *Agent) heartbeats(ctx context.Context) error {
	iv := time.Duration(a.cfg.HeartbeatInterval)
	t := time.NewTicker(iv)
	defer t.Stop()
	for {
		a.heartbeat()
		select {
		case <-ctx.Done():
			return nil
		case <-t.C:
		}
	}
}

func (a *Agent) heartbeat() {
	cluster, node := a.identity()
	if cluster == "" {
		return
	}
	now := time.Now().UTC()
	e := &event.Envelope{Schema: event.SchemaVersion, ID: event.HashID("heartbeat", cluster, node, a.cfg.Agent, now.Format(time.RFC3339Nano)),
		Kind: event.KindHeartbeat, Cluster: cluster, Node: node, Agent: a.cfg.Agent, Time: now,
		Heartbeat: a.heartbeatPayload()}
	if _, err := a.sp.Append(e); err != nil {
		a.log.Warn("heartbeat not spooled", zap.Error(err))
	}
}

// heartbeatPayload is the agent's liveness and its spool's health: fill,
// limit, events dropped because it was full, failed publish attempts.
func (a *Agent) heartbeatPayload() *event.Heartbeat {
	h := &event.Heartbeat{Version: Version, Started: a.start.UTC(), Interval: time.Duration(a.cfg.HeartbeatInterval).String(),
		SpoolBytes: a.sp.Bytes(), SpoolMaxBytes: a.sp.MaxBytes(), SpoolDropped: a.sp.Dropped()}
	a.mu.Lock()
	if a.pub != nil {
		h.PublishErrors = a.pub.Errors()
	}
	a.mu.Unlock()
	return h
}

func (a *Agent) siteKeyPath() string { return filepath.Join(a.cfg.StateDir, sitekey.FileName) }

func (a *Agent) fingerprinter() *keystore.Fingerprinter {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.fp
}

func (a *Agent) setFingerprinter(fp *keystore.Fingerprinter) {
	a.mu.Lock()
	a.fp = fp
	a.mu.Unlock()
}

// fetchSiteKey asks the aggregator for the site key once; a new key is
// cached 0600 in the state dir and used from the next inspection on. It
// reports whether the key changed.
func (a *Agent) fetchSiteKey(ctx context.Context, nc *nats.Conn, timeout time.Duration) bool {
	cluster, node := a.cfg.Node.Cluster, a.cfg.Node.Name
	if c, n, ok := natsx.InboxIdentity(a.creds); ok {
		cluster, node = c, n
	}
	if cluster == "" || node == "" {
		cluster, node = "_", "_"
	}
	fctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	key, err := sitekey.Fetch(fctx, nc, cluster, node)
	if err != nil {
		a.log.Debug("site key not received", zap.Error(err))
		return false
	}
	cached, _ := sitekey.Load(a.siteKeyPath())
	if !bytes.Equal(cached, key) {
		if err := sitekey.Save(a.siteKeyPath(), key); err != nil {
			a.log.Warn("site key not cached", zap.Error(err))
		}
	}
	cur := a.fingerprinter()
	if cur.Keyed() && cur.SameKey(key) {
		return false
	}
	a.setFingerprinter(keystore.NewFingerprinter(key))
	a.log.Info("site fingerprint key received from the aggregator", zap.String("cached", a.siteKeyPath()))
	return true
}

// siteKeyLoop asks again every minute, so that an agent started before the
// aggregator (or one the aggregator's key changed for) comes to use it; a
// change re-inspects the node.
func (a *Agent) siteKeyLoop(ctx context.Context, nc *nats.Conn, w *watch.Watcher) error {
	t := time.NewTicker(time.Minute)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-t.C:
			if a.fetchSiteKey(ctx, nc, 10*time.Second) {
				w.Trigger()
			}
		}
	}
}
