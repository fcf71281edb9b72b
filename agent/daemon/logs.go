package daemon

import (
	"context"
	"path/filepath"
	"time"

	"go.uber.org/zap"

	"github.com/esdoctor/esdoctor/agent/collect"
	"github.com/esdoctor/esdoctor/agent/logs/pipeline"
	"github.com/esdoctor/esdoctor/shared/event"
)

// logDir is where the node's server logs are.
func (a *Agent) logDir() string {
	if a.cfg.Node.PathLogs != "" {
		return a.cfg.Node.PathLogs
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.lastSnap != nil && a.lastSnap.PathLogs != "" {
		return a.lastSnap.PathLogs
	}
	return "/var/log/elasticsearch"
}

// followLogs runs the log pipeline (agent/logs/pipeline, shared with
// `scan --follow`) over the node's server logs; its symptoms go to the
// spool (fsync'd) before the lines are acknowledged.
func (a *Agent) followLogs(ctx context.Context) error {
	dir := a.logDir()
	p, err := pipeline.New(pipeline.Options{
		Paths:       []string{dir},
		Positions:   filepath.Join(a.cfg.StateDir, "positions.json"),
		FromEnd:     a.cfg.Logs.FromEnd,
		Selector:    pipeline.Selector{Cluster: func() string { c, _ := a.identity(); return c }},
		Location:    a.location(),
		MeshPack:    a.cfg.Logs.Mesh,
		Window:      time.Duration(a.cfg.Logs.Window),
		RepeatFlush: time.Duration(a.cfg.Logs.RepeatFlush),
		IdleAfter:   time.Duration(a.cfg.Logs.IdleAfter),
		Emit:        a.spoolSymptoms,
		Registry:    a.reg,
		Logger:      a.log,
	})
	if err != nil {
		return err
	}
	a.log.Info("following logs", zap.String("path", dir))
	return p.Run(ctx)
}

// spoolSymptoms writes symptoms to the spool durably. When the spool is
// full (NATS away for too long) they are dropped, counted by the spool
// (and in heartbeats), with a warning: the follower goes on.
func (a *Agent) spoolSymptoms(ss []event.Symptom) error {
	cluster, node := a.identity()
	es := make([]*event.Envelope, len(ss))
	for i, s := range ss {
		es[i] = collect.SymptomEvent(cluster, node, a.cfg.Agent, s)
		if ce := a.log.Check(zap.DebugLevel, "symptom"); ce != nil {
			ce.Write(zap.String("code", s.Symptom), zap.String("file", s.File), zap.Int64("line", s.Line), zap.Int("count", s.Count))
		}
	}
	if _, err := a.sp.AppendBatch(es); err != nil {
		a.log.Warn("symptom events dropped: the spool refused them", zap.Int("events", len(es)), zap.Error(err))
	}
	return nil
}
