// Package aggregator is the esdoctor-aggregator daemon: it connects to NATS
// (or embeds a nats-server with JetStream when no URL is given), rebuilds
// its model from the streams, consumes the agents' events into the store
// with a durable consumer, evaluates the rules whenever the model changes,
// keeps the diagnoses' history (aggregator/tracker), announces every change
// on esdoctor.v1.diagnosis.<code>, and serves the query API (aggregator/api)
// over HTTP and NATS.
//
//	NATS ──▶ replay (model rebuild) ─┐
//	     └─▶ ingest (durable) ───────┴▶ store ─▶ evaluation loop ─▶ tracker ─▶ api (HTTP, NATS), notifications
//
// # Restarts
//
// The store lives in memory. When its durable consumers exist already (a
// restart), the aggregator first reads both streams from the beginning to
// their last message with an ordered, ephemeral consumer (the model
// rebuild), then starts the durable consumers, which deliver what they had
// not seen acknowledged and what comes later. The store is idempotent by
// event id, so an event delivered by both is applied once (and counted as a
// duplicate). On the first start with a durable name there is nothing to
// rebuild: the new durable consumers deliver everything, and the aggregator
// waits until they have nothing pending. Either way the API answers 503
// until the model holds everything that was in the streams at start and the
// first evaluation ran, so no answer comes from a half-built model. The
// diagnoses' history (first_seen, resolved diagnoses) is saved to
// DATA/diagnoses.json.
//
// Two aggregators on the same streams need different durable names; each
// then builds the same model and the same diagnoses.
package aggregator

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/http/pprof"
	"os"
	"path/filepath"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/nats-io/nats-server/v2/server"
	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"go.uber.org/zap"

	"github.com/esdoctor/esdoctor/aggregator/acks"
	"github.com/esdoctor/esdoctor/aggregator/api"
	"github.com/esdoctor/esdoctor/aggregator/incremental"
	"github.com/esdoctor/esdoctor/aggregator/ingest"
	"github.com/esdoctor/esdoctor/aggregator/natsauth"
	"github.com/esdoctor/esdoctor/aggregator/rules"
	"github.com/esdoctor/esdoctor/aggregator/store"
	"github.com/esdoctor/esdoctor/aggregator/tracker"
	"github.com/esdoctor/esdoctor/aggregator/web"
	"github.com/esdoctor/esdoctor/shared/natsx"
	"github.com/esdoctor/esdoctor/shared/sitekey"
)

// Defaults of Options.
const (
	DefaultNATSListen      = "127.0.0.1:4222"
	DefaultEvalInterval    = 200 * time.Millisecond
	DefaultMaxEvalInterval = 5 * time.Second
	DefaultCatchUpTimeout  = 30 * time.Second
	DefaultQuietPeriod     = 24 * time.Hour
	// StateFile is the name of the diagnoses' history in the data dir.
	StateFile = "diagnoses.json"
	// authPollInterval is how often a changed account JWT (a revocation)
	// is looked for.
	authPollInterval = 500 * time.Millisecond
	// saveInterval bounds how often the history is written.
	saveInterval = 5 * time.Second
	// PprofEnv names an environment variable: set to a host:port, the
	// aggregator serves net/http/pprof there (for profiling, e.g. by
	// make bench-aggregator --cpuprofile; off when unset). No
	// authentication: give it a loopback address.
	PprofEnv = "ESDOCTOR_PPROF"
)

// Options configure the aggregator. Every field is optional except DataDir
// when NATSURL is empty.
type Options struct {
	// NATSURL is the NATS server (comma-separated for a cluster). Empty
	// embeds a nats-server with JetStream in DataDir/nats.
	NATSURL string
	// NATSListen is the client address of the embedded server. Default
	// 127.0.0.1:4222; port 0 picks a free port.
	NATSListen string
	// Listen is the HTTP API address. Default 127.0.0.1:9800; port 0 picks
	// a free port (see HTTPAddr).
	Listen string
	// DataDir holds the embedded server's JetStream store, the NATS
	// authority (DATA/auth: keys, enrolled agents, TLS CA) and the
	// diagnoses' history. Empty keeps no history (and needs NATSURL).
	DataDir string
	// NATSNoAuth lets the embedded server accept every client without
	// credentials. Default false: only holders of credentials issued by
	// DATA/auth (esdoctor-aggregator enroll) may connect, each agent
	// publishing only its own node's subjects.
	NATSNoAuth bool
	// NATSTLS makes the embedded server require TLS, with a certificate
	// for NATSListen's host (plus 127.0.0.1, localhost, the host name and
	// NATSTLSHosts) issued by the CA in DATA/auth/ca.pem, which agents
	// pin (nats.ca_file).
	NATSTLS      bool
	NATSTLSHosts []string
	// NATSCredsFile and NATSCAFile are the aggregator's credentials and
	// the pinned CA for an external NATS (NATSURL).
	NATSCredsFile, NATSCAFile string
	// Durable names the durable consumers. Default "esdoctor-aggregator".
	Durable string
	// Replicas of the streams: 1 (default) or 3 (a NATS cluster).
	Replicas int
	// EvalInterval is the shortest time between two evaluations after
	// the model changed. Default 200 ms.
	EvalInterval time.Duration
	// MaxEvalInterval is the longest time without an evaluation, for rules
	// that depend on the clock (agent-silent). Default 5 s.
	MaxEvalInterval time.Duration
	// CatchUpTimeout bounds the wait for the durable consumers to catch up
	// before the API answers. Default 30 s.
	CatchUpTimeout time.Duration
	// Rules selects the rules and packs.
	Rules rules.Options
	// QuietPeriod: log evidence of a fault that has not recurred while the
	// fleet's logs moved on by this long (log time, the latest symptom
	// time seen) stops counting, and the diagnosis resolves. Default 24 h;
	// negative: no limit.
	QuietPeriod time.Duration
	// Logger, named "aggregator". Default: no logs.
	Logger *zap.Logger
	// Registry receives the metrics and serves /metrics. Default: a new
	// registry with the Go and process collectors.
	Registry *prometheus.Registry
	// Now is the clock of the rules. Default time.Now.
	Now func() time.Time
	// Tokens are the API tokens (--api-token-file): beyond loopback the
	// API answers 401 without one. Nil: loopback only.
	Tokens *api.Tokens
}

// Stats count what the aggregator did.
type Stats struct {
	Store  store.Stats  `json:"store"`
	Ingest ingest.Stats `json:"ingest"`
	// Replayed is the number of events applied by the model rebuild.
	Replayed uint64 `json:"replayed"`
	// Evaluations counts rule evaluations; EvaluatedVersion is the store
	// version the last one saw, StoreVersion the current one.
	Evaluations      uint64 `json:"evaluations"`
	EvaluatedVersion uint64 `json:"evaluated_version"`
	StoreVersion     uint64 `json:"store_version"`
}

// Aggregator is one running aggregator.
type Aggregator struct {
	o       Options
	log     *zap.Logger
	reg     *prometheus.Registry
	m       *metrics
	store   *store.Store
	tracker *tracker.Tracker
	// inc evaluates the rules incrementally; owned by the evaluation loop.
	inc *incremental.Evaluator

	ran      atomic.Bool
	ready    atomic.Bool
	readyC   chan struct{}
	stopped  chan struct{}
	replayed atomic.Uint64
	evals    atomic.Uint64
	evalVer  atomic.Uint64
	// dirty: the history changed since it was last saved.
	dirty atomic.Bool

	mu       sync.Mutex
	httpAddr string
	natsURL  string
	ingest   *ingest.Ingest
	nc       *nats.Conn
	auth     *natsauth.Authority
	lastEval time.Time
	acks     *acks.Store
	// broker feeds the console's event stream.
	broker *api.Broker
}

// New checks the options; Run starts the aggregator.
func New(o Options) (*Aggregator, error) {
	if o.NATSListen == "" {
		o.NATSListen = DefaultNATSListen
	}
	if o.Listen == "" {
		o.Listen = api.DefaultListen
	}
	if o.Durable == "" {
		o.Durable = ingest.DefaultDurable
	}
	if o.Replicas == 0 {
		o.Replicas = 1
	}
	if o.Replicas != 1 && o.Replicas != 3 {
		return nil, fmt.Errorf("aggregator: replicas must be 1 or 3, not %d", o.Replicas)
	}
	if o.EvalInterval <= 0 {
		o.EvalInterval = DefaultEvalInterval
	}
	if o.MaxEvalInterval <= 0 {
		o.MaxEvalInterval = DefaultMaxEvalInterval
	}
	if o.QuietPeriod == 0 {
		o.QuietPeriod = DefaultQuietPeriod
	}
	if o.CatchUpTimeout <= 0 {
		o.CatchUpTimeout = DefaultCatchUpTimeout
	}
	if o.Logger == nil {
		o.Logger = zap.NewNop()
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.NATSURL == "" && o.DataDir == "" {
		return nil, errors.New("aggregator: a data directory is needed for the embedded NATS server (or give a NATS URL)")
	}
	if _, _, err := splitListen(o.NATSListen); err != nil {
		return nil, fmt.Errorf("aggregator: NATS listen address: %w", err)
	}
	if _, _, err := net.SplitHostPort(o.Listen); err != nil {
		return nil, fmt.Errorf("aggregator: listen address %q: %w", o.Listen, err)
	}
	reg := o.Registry
	if reg == nil {
		reg = prometheus.NewRegistry()
		reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	}
	a := &Aggregator{o: o, log: o.Logger.Named("aggregator"), reg: reg, store: store.New(), tracker: tracker.New(tracker.Options{}),
		inc:    incremental.New(incremental.Options{Rules: o.Rules, QuietPeriod: o.QuietPeriod}),
		readyC: make(chan struct{}), stopped: make(chan struct{}), broker: api.NewBroker()}
	m, err := newMetrics(reg, a)
	if err != nil {
		return nil, err
	}
	a.m = m
	return a, nil
}

// Run starts an aggregator with o and runs it until ctx ends.
func Run(ctx context.Context, o Options) error {
	a, err := New(o)
	if err != nil {
		return err
	}
	return a.Run(ctx)
}

// Run runs the aggregator until ctx ends, then shuts down in order (API,
// evaluation, ingest, NATS) and returns nil; it returns an error when it
// cannot start. It may be called once.
func (a *Aggregator) Run(ctx context.Context) error {
	if !a.ran.CompareAndSwap(false, true) {
		return errors.New("aggregator: Run called twice")
	}
	defer close(a.stopped)
	if a.o.DataDir != "" {
		if err := os.MkdirAll(a.o.DataDir, 0o750); err != nil {
			return fmt.Errorf("aggregator: data directory %s: %w", a.o.DataDir, err)
		}
		unlock, err := lockDataDir(a.o.DataDir)
		if err != nil {
			return err
		}
		defer unlock()
		a.loadHistory()
	}

	ln, err := net.Listen("tcp", a.o.Listen)
	if err != nil {
		return fmt.Errorf("aggregator: HTTP API on %s: %w", a.o.Listen, err)
	}
	srv := &http.Server{Handler: api.NewHandler(a, api.HandlerOptions{Gatherer: a.reg, Logger: a.o.Logger, Broker: a.broker,
		Tokens: a.o.Tokens, UI: web.Handler()}), ReadHeaderTimeout: 10 * time.Second, IdleTimeout: 2 * time.Minute}
	srv.RegisterOnShutdown(a.broker.Close)
	a.mu.Lock()
	a.httpAddr = ln.Addr().String()
	a.mu.Unlock()
	httpDone := make(chan error, 1)
	go func() { httpDone <- srv.Serve(ln) }()
	defer func() {
		sctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = srv.Shutdown(sctx)
		<-httpDone
	}()
	a.log.Info("HTTP API and console listening", zap.String("address", a.HTTPAddr()), zap.String("console", "http://"+a.HTTPAddr()+"/"),
		zap.Int("api_tokens", a.o.Tokens.Len()))
	if a.o.Tokens.Len() == 0 && !loopbackListen(a.HTTPAddr()) {
		a.log.Warn("the API listens beyond loopback without --api-token-file: it answers 401 to every request from another host")
	}
	if addr := os.Getenv(PprofEnv); addr != "" {
		stop, err := a.servePprof(addr)
		if err != nil {
			return err
		}
		defer stop()
	}

	url := a.o.NATSURL
	credsFile, caFile := a.o.NATSCredsFile, a.o.NATSCAFile
	if url == "" {
		s, err := a.startEmbedded()
		if err != nil {
			return err
		}
		defer func() {
			s.Shutdown()
			s.WaitForShutdown()
		}()
		url = s.ClientURL()
		if a.auth != nil {
			credsFile = a.auth.AggregatorCredsFile()
			go a.watchAuthority(ctx, s)
		}
		if a.o.NATSTLS {
			caFile = a.auth.CAFilePath()
		}
	}
	a.mu.Lock()
	a.natsURL = url
	a.mu.Unlock()

	copts, _, err := natsx.ClientOptions(credsFile, caFile)
	if err != nil {
		return fmt.Errorf("aggregator: %w", err)
	}
	nc, err := natsx.Connect(url, "esdoctor-aggregator", a.o.Logger, copts...)
	if err != nil {
		return fmt.Errorf("aggregator: %w", err)
	}
	defer nc.Close()
	a.mu.Lock()
	a.nc = nc
	a.mu.Unlock()
	js, err := jetstream.New(nc)
	if err != nil {
		return fmt.Errorf("aggregator: jetstream: %w", err)
	}
	if err := a.ensureStreams(ctx, js); err != nil {
		return err
	}
	if ctx.Err() != nil {
		return nil
	}

	var ackStore *acks.Store
	err = a.retry(ctx, "open the acknowledgements bucket", func() error {
		var err error
		ackStore, err = acks.Open(ctx, js, acks.Options{Replicas: a.o.Replicas, Logger: a.o.Logger, OnChange: a.onAck})
		return err
	})
	if err != nil {
		if ctx.Err() != nil {
			return nil
		}
		return fmt.Errorf("aggregator: %w", err)
	}
	a.mu.Lock()
	a.acks = ackStore
	a.mu.Unlock()
	ackCtx, stopAcks := context.WithCancel(context.Background())
	acksDone := make(chan struct{})
	go func() {
		defer close(acksDone)
		if err := ackStore.Watch(ackCtx); err != nil {
			a.log.Warn("acknowledgements are not watched", zap.Error(err))
		}
	}()
	defer func() {
		stopAcks()
		<-acksDone
	}()

	svc, err := api.NewService(nc, a)
	if err != nil {
		return fmt.Errorf("aggregator: %w", err)
	}
	defer func() { _ = svc.Stop() }()

	// The site fingerprint key: created in the data dir at first start,
	// handed to every agent that asks (see shared/sitekey).
	key, err := a.siteKey()
	if err != nil {
		return err
	}
	a.checkSiteKey(ctx, nc, key)
	ksub, err := sitekey.Serve(nc, key)
	if err != nil {
		return fmt.Errorf("aggregator: site key service: %w", err)
	}
	defer func() { _ = ksub.Unsubscribe() }()

	// A NATS cluster may be electing leaders or a server catching up
	// ("no responders", timeouts): the rebuild is tried again; events it
	// applied twice are recognised by id.
	var fresh []string
	err = a.retry(ctx, "rebuild the model from the streams", func() error {
		var err error
		fresh, err = a.rebuild(ctx, js)
		return err
	})
	if err != nil {
		if ctx.Err() != nil {
			return nil
		}
		return err
	}
	in, err := ingest.New(js, a.store, ingest.Options{Durable: a.o.Durable, Logger: a.o.Logger, Registry: a.reg})
	if err != nil {
		return fmt.Errorf("aggregator: %w", err)
	}
	a.mu.Lock()
	a.ingest = in
	a.mu.Unlock()
	ingestCtx, stopIngest := context.WithCancel(context.Background())
	ingestDone := make(chan struct{})
	go func() {
		defer close(ingestDone)
		_ = in.Run(ingestCtx)
	}()
	defer func() {
		stopIngest()
		<-ingestDone
	}()

	a.waitCaughtUp(ctx, js, fresh)
	if ctx.Err() != nil {
		return nil
	}
	a.evaluate(nc)
	a.ready.Store(true)
	a.m.ready.Set(1)
	close(a.readyC)
	st := a.store.Stats()
	a.log.Info("ready", zap.String("nats", natsx.RedactURL(url)), zap.String("durable", a.o.Durable),
		zap.Uint64("events", st.Applied), zap.Uint64("replayed", a.replayed.Load()), zap.Int("open", len(a.tracker.List(tracker.Filter{}))))

	a.loop(ctx, nc)
	a.ready.Store(false)
	a.m.ready.Set(0)
	_ = svc.Stop()
	a.saveHistory()
	a.log.Info("stopped", zap.Uint64("events", a.store.Stats().Applied))
	return nil
}

// servePprof serves net/http/pprof on addr until stop is called.
func (a *Aggregator) servePprof(addr string) (stop func(), err error) {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("aggregator: %s=%s: %w", PprofEnv, addr, err)
	}
	mux := http.NewServeMux()
	mux.HandleFunc("/debug/pprof/", pprof.Index)
	mux.HandleFunc("/debug/pprof/cmdline", pprof.Cmdline)
	mux.HandleFunc("/debug/pprof/profile", pprof.Profile)
	mux.HandleFunc("/debug/pprof/symbol", pprof.Symbol)
	mux.HandleFunc("/debug/pprof/trace", pprof.Trace)
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second, IdleTimeout: 2 * time.Minute}
	go func() { _ = srv.Serve(ln) }()
	a.log.Info("pprof listening", zap.String("address", ln.Addr().String()))
	return func() { _ = srv.Close() }, nil
}

// startEmbedded runs the embedded nats-server on NATSListen with JetStream
// in DataDir/nats.
func (a *Aggregator) startEmbedded() (*server.Server, error) {
	host, port, _ := splitListen(a.o.NATSListen)
	if port == 0 {
		port = -1
	}
	slog := a.o.Logger
	if !slog.Core().Enabled(zap.DebugLevel) {
		slog = slog.WithOptions(zap.IncreaseLevel(zap.WarnLevel)) // the server's banner is noise at info
	}
	eo := natsx.EmbeddedOptions{Host: host, Port: port, StoreDir: filepath.Join(a.o.DataDir, "nats"),
		Logger: slog, ServerName: "esdoctor-aggregator"}
	if !a.o.NATSNoAuth || a.o.NATSTLS {
		auth, err := natsauth.Open(a.o.DataDir)
		if err != nil {
			return nil, fmt.Errorf("aggregator: %w", err)
		}
		if !a.o.NATSNoAuth {
			a.auth = auth
			eo.Auth = auth.Configure
		}
		if a.o.NATSTLS {
			hosts := append([]string{host, "127.0.0.1", "localhost"}, a.o.NATSTLSHosts...)
			if hn, err := os.Hostname(); err == nil {
				hosts = append(hosts, hn)
			}
			if eo.TLS, err = auth.ServerTLS(hosts); err != nil {
				return nil, fmt.Errorf("aggregator: %w", err)
			}
			a.auth = auth
		}
	}
	s, err := natsx.StartEmbedded(eo)
	if err != nil {
		return nil, fmt.Errorf("aggregator: %w", err)
	}
	a.log.Info("embedded NATS server with JetStream", zap.String("url", s.ClientURL()), zap.String("store", filepath.Join(a.o.DataDir, "nats")),
		zap.Bool("authentication", !a.o.NATSNoAuth), zap.Bool("tls", a.o.NATSTLS))
	if a.o.NATSNoAuth {
		a.log.Warn("the embedded NATS server accepts every client without credentials (--nats-insecure-no-auth)")
	}
	return s, nil
}

// Authority is the NATS authority of the embedded server (nil with an
// external NATS, or without authentication and TLS).
func (a *Aggregator) Authority() *natsauth.Authority { return a.auth }

// NATSCredsFile is the aggregator's own credentials for its embedded
// server (empty without authentication).
func (a *Aggregator) NATSCredsFile() string {
	if a.auth == nil || a.o.NATSNoAuth {
		return ""
	}
	return a.auth.AggregatorCredsFile()
}

// NATSCAFile is the CA the embedded server's TLS certificate chains to
// (empty without TLS).
func (a *Aggregator) NATSCAFile() string {
	if a.auth == nil || !a.o.NATSTLS {
		return ""
	}
	return a.auth.CAFilePath()
}

// watchAuthority applies a changed account JWT (esdoctor-aggregator
// revoke) to the running server: revoked agents are disconnected and
// refused from then on.
func (a *Aggregator) watchAuthority(ctx context.Context, s *server.Server) {
	path := filepath.Join(a.auth.Dir(), natsauth.AccountJWTFile)
	stamp := func() string {
		fi, err := os.Stat(path)
		if err != nil {
			return ""
		}
		return fi.ModTime().String() + "/" + strconv.FormatInt(fi.Size(), 10)
	}
	last := stamp()
	t := time.NewTicker(authPollInterval)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		if cur := stamp(); cur != last && cur != "" {
			last = cur
			if err := a.auth.Apply(s); err != nil {
				a.log.Error("cannot apply the changed NATS account (revocations)", zap.Error(err))
				continue
			}
			a.log.Info("NATS account reloaded (revocations applied)")
		}
	}
}

// ensureStreams creates the streams, retrying while NATS is not there.
func (a *Aggregator) ensureStreams(ctx context.Context, js jetstream.JetStream) error {
	for attempt := 1; ; attempt++ {
		cctx, cancel := context.WithTimeout(ctx, 10*time.Second)
		err := natsx.EnsureStreams(cctx, js, a.o.Replicas)
		cancel()
		if err == nil || ctx.Err() != nil {
			return nil
		}
		if errors.Is(err, jetstream.ErrJetStreamNotEnabled) || errors.Is(err, jetstream.ErrJetStreamNotEnabledForAccount) {
			return fmt.Errorf("aggregator: %w", err)
		}
		if attempt == 1 || attempt%10 == 0 {
			a.log.Warn("cannot create the streams yet; retrying", zap.Int("attempt", attempt), zap.Error(err))
		}
		sleep(ctx, min(time.Duration(attempt)*200*time.Millisecond, 5*time.Second))
	}
}

// retry runs f until it succeeds, ctx ends (then it returns ctx's error)
// or the error is one that waiting cannot fix (JetStream not enabled).
func (a *Aggregator) retry(ctx context.Context, what string, f func() error) error {
	for attempt := 1; ; attempt++ {
		err := f()
		if err == nil {
			if attempt > 1 {
				a.log.Info("done after retrying", zap.String("what", what), zap.Int("attempts", attempt))
			}
			return nil
		}
		if ctx.Err() != nil {
			return ctx.Err()
		}
		if errors.Is(err, jetstream.ErrJetStreamNotEnabled) || errors.Is(err, jetstream.ErrJetStreamNotEnabledForAccount) {
			return err
		}
		if attempt == 1 || attempt%10 == 0 {
			a.log.Warn("cannot "+what+" yet; retrying", zap.Int("attempt", attempt), zap.Error(err))
		}
		sleep(ctx, min(time.Duration(attempt)*200*time.Millisecond, 5*time.Second))
	}
}

// loadHistory restores the diagnoses' history; a bad file is logged and
// set aside, never fatal.
func (a *Aggregator) loadHistory() {
	path := filepath.Join(a.o.DataDir, StateFile)
	ok, err := a.tracker.LoadFile(path)
	switch {
	case err != nil:
		bad := path + ".bad-" + strconv.FormatInt(time.Now().Unix(), 10)
		_ = os.Rename(path, bad)
		a.log.Warn("ignoring an unreadable diagnoses history", zap.Error(err), zap.String("moved_to", bad))
	case ok:
		open, resolved := a.tracker.Len()
		a.log.Info("diagnoses history loaded", zap.String("path", path), zap.Int("open", open), zap.Int("resolved", resolved))
	}
}

func (a *Aggregator) saveHistory() {
	if a.o.DataDir == "" {
		return
	}
	if err := a.tracker.SaveFile(filepath.Join(a.o.DataDir, StateFile), a.o.Now()); err != nil {
		a.log.Warn("cannot save the diagnoses history", zap.Error(err))
	}
}

// loopbackListen reports whether an address binds loopback only.
func loopbackListen(addr string) bool {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return false
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// splitListen parses host:port; port 0 means any free port.
func splitListen(hp string) (string, int, error) {
	host, ps, err := net.SplitHostPort(hp)
	if err != nil {
		return "", 0, fmt.Errorf("%q: %w", hp, err)
	}
	port, err := strconv.Atoi(ps)
	if err != nil || port < 0 || port > 65535 {
		return "", 0, fmt.Errorf("%q: port must be 0..65535", hp)
	}
	if host == "" {
		host = "127.0.0.1"
	}
	return host, port, nil
}

func sleep(ctx context.Context, d time.Duration) {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
	case <-t.C:
	}
}

var _ api.Source = (*Aggregator)(nil)

// checkSiteKey asks whether another aggregator on the same NATS already
// serves a site key, and says so loudly when it differs from key: agents
// asking one or the other would fingerprint differently.
func (a *Aggregator) checkSiteKey(ctx context.Context, nc *nats.Conn, key []byte) {
	cctx, cancel := context.WithTimeout(ctx, 2*time.Second)
	defer cancel()
	other, err := sitekey.Fetch(cctx, nc, "_aggregator", a.o.Durable)
	if err != nil || bytes.Equal(other, key) {
		return // nobody else answers (no responders), or the same key
	}
	a.m.siteKeyConflict.Set(1)
	a.log.Error("another aggregator on this NATS serves a different site key: fingerprints of agents that ask it will not compare with "+
		"those of agents that ask this one; give every aggregator the same data-dir site.key (copy it, 0600) and restart",
		zap.String("path", filepath.Join(a.o.DataDir, sitekey.FileName)))
}

// siteKey loads or creates DataDir/site.key (without a data dir, a key for
// this run only).
func (a *Aggregator) siteKey() ([]byte, error) {
	if a.o.DataDir == "" {
		a.log.Warn("no data directory: the site fingerprint key lives only as long as this process")
		return sitekey.Generate()
	}
	path := filepath.Join(a.o.DataDir, sitekey.FileName)
	key, created, err := sitekey.LoadOrCreate(path)
	if err != nil {
		return nil, fmt.Errorf("aggregator: %w", err)
	}
	if created {
		a.log.Info("created the site fingerprint key; agents fetch it at start", zap.String("path", path))
	}
	return key, nil
}
