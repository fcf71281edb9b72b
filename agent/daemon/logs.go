package daemon

import (
	"context"
	"path/filepath"
	"time"

	"go.uber.org/zap"

	"github.com/esdoctor/esdoctor/agent/collect"
	"github.com/esdoctor/esdoctor/agent/logs/pipeline"
	"github.com/esdoctor/esdoctor/shared/catalog"
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
	lifecycle := false
	for i, s := range ss {
		es[i] = collect.SymptomEvent(cluster, node, a.cfg.Agent, s)
		lifecycle = lifecycle || lifecycleSymptom[s.Symptom]
		if ce := a.log.Check(zap.DebugLevel, "symptom"); ce != nil {
			ce.Write(zap.String("code", s.Symptom), zap.String("file", s.File), zap.Int64("line", s.Line), zap.Int("count", s.Count))
		}
	}
	if _, err := a.sp.AppendBatch(es); err != nil {
		a.log.Warn("symptom events dropped: the spool refused them", zap.Int("events", len(es)), zap.Error(err))
	}
	if lifecycle {
		a.reinspect()
	}
	return nil
}

// lifecycleSymptom are the records of a node starting or stopping: what
// the snapshot says of the running node (its start, whether the files
// changed since, whether it still runs) is out of date after one.
var lifecycleSymptom = map[string]bool{string(catalog.SymNodeStarted): true, string(catalog.SymNodeStopping): true}

// reinspect asks for a new inspection (debounced by the watcher).
func (a *Agent) reinspect() {
	a.mu.Lock()
	w := a.watch
	a.mu.Unlock()
	if w != nil {
		w.Trigger()
	}
}
