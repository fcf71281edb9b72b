package daemon

import (
	"context"
	"time"

	"go.uber.org/zap"

	"github.com/esdoctor/esdoctor/agent/collector/probe"
	"github.com/esdoctor/esdoctor/agent/inspect"
)

// ProbeConfig is the probes section of agent.yml.
type ProbeConfig struct {
	// Disabled turns the active probes off.
	Disabled bool `yaml:"disabled"`
	// Interval between probe runs besides start and configuration changes
	// (default 5m).
	Interval Duration `yaml:"interval"`
	// MinGap is the least time between two runs, however often the
	// configuration changes (default 10s).
	MinGap Duration `yaml:"min_gap"`
	// ConnectTimeout (default 3s) and HandshakeTimeout (default 5s) bound
	// one probe.
	ConnectTimeout   Duration `yaml:"connect_timeout"`
	HandshakeTimeout Duration `yaml:"handshake_timeout"`
	// Concurrency is the number of probes at a time (default 4).
	Concurrency int `yaml:"concurrency"`
}

// ESAPIConfig is the es_api section of agent.yml: the optional local
// Elasticsearch API collector.
type ESAPIConfig struct {
	// URL of the node's HTTP API (e.g. https://127.0.0.1:9200); empty: off.
	URL string `yaml:"url"`
	// CredentialsFile holds "user:password" or an API key on its first
	// line; it must be readable by the agent's user only (mode 0600).
	CredentialsFile string `yaml:"credentials_file"`
	// CAFile overrides the node's HTTP CA (default: the
	// xpack.security.http.ssl trust of the node).
	CAFile string `yaml:"ca_file"`
	// Timeout of one request (default 10s).
	Timeout Duration `yaml:"timeout"`
}

func (p ProbeConfig) withDefaults() ProbeConfig {
	if p.Interval <= 0 {
		p.Interval = Duration(5 * time.Minute)
	}
	if p.MinGap <= 0 {
		p.MinGap = Duration(10 * time.Second)
	}
	return p
}

// kickProbes asks the probe loop for a run (at start and when the
// configuration changed).
func (a *Agent) kickProbes(res *inspect.Result) {
	a.mu.Lock()
	a.lastRes = res
	a.mu.Unlock()
	select {
	case a.probeKick <- struct{}{}:
	default:
	}
}

// probeLoop runs the probes at start, on configuration change and every
// interval, never closer than MinGap, and spools their results.
func (a *Agent) probeLoop(ctx context.Context) error {
	pc := a.cfg.Probes.withDefaults()
	o := probe.Options{ConnectTimeout: time.Duration(pc.ConnectTimeout), HandshakeTimeout: time.Duration(pc.HandshakeTimeout),
		Concurrency: pc.Concurrency}
	if e := a.cfg.ESAPI; e.URL != "" {
		o.ESAPI = &probe.ESAPI{URL: e.URL, CredentialsFile: e.CredentialsFile, CAFile: e.CAFile, Timeout: time.Duration(e.Timeout)}
	}
	set := probe.New(o)
	t := time.NewTicker(time.Duration(pc.Interval))
	defer t.Stop()
	var last time.Time
	for {
		select {
		case <-ctx.Done():
			return nil
		case <-a.probeKick:
		case <-t.C:
		}
		if wait := time.Duration(pc.MinGap) - time.Since(last); !last.IsZero() && wait > 0 {
			select {
			case <-ctx.Done():
				return nil
			case <-time.After(wait):
			}
		}
		a.mu.Lock()
		res := a.lastRes
		a.mu.Unlock()
		if res == nil {
			continue
		}
		last = time.Now()
		ps := set.Run(ctx, probe.FromInspect(res))
		if ctx.Err() != nil {
			return nil
		}
		failed := 0
		for _, e := range probe.Events(res.Snapshot, a.cfg.Agent, ps, time.Now()) {
			if !e.Probe.OK {
				failed++
			}
			if _, err := a.sp.Append(e); err != nil {
				a.log.Warn("probe result not spooled", zap.Error(err))
			}
		}
		a.log.Debug("probes done", zap.Int("probes", len(ps)), zap.Int("failed", failed), zap.Duration("took", time.Since(last)))
	}
}
