package daemon

import (
	"context"
	"path/filepath"
	"time"

	"go.uber.org/zap"

	"github.com/esdoctor/esdoctor/agent/logs/pipeline"
	"github.com/esdoctor/esdoctor/agent/mesh/meshlog"
	"github.com/esdoctor/esdoctor/shared/event"
)

// readMesh adds what the mesh: section names (objects, certificate checks)
// to the snapshot and returns the files to watch for changes. Nothing is
// read when the pack is off.
func (a *Agent) readMesh(s *event.Snapshot) []string {
	if !a.cfg.Mesh.On() {
		return nil
	}
	s.Mesh = a.cfg.Mesh.Read()
	for _, e := range s.Mesh.Errors {
		a.log.Warn("mesh input unreadable", zap.String("path", e.File), zap.String("error", e.Error))
	}
	files := append([]string{}, s.Mesh.ObjectFiles...)
	for _, c := range s.Mesh.CertChecks {
		files = append(files, c.File)
	}
	return files
}

// followMeshLogs tails the istiod and istio-proxy logs the mesh: section
// names (files or globs, e.g. /var/log/containers/*istiod*), with their
// own positions file, through the same log pipeline as the server logs
// (follow → process → dedup → commit, repeats flushed on its timer) with
// the mesh pack's processor, into the same spool.
func (a *Agent) followMeshLogs(ctx context.Context) error {
	p, err := pipeline.New(pipeline.Options{
		Paths:        a.cfg.Mesh.Logs,
		Include:      meshInclude,
		NewProcessor: func(path string) pipeline.Processor { return meshlog.NewProcessor(path) },
		Positions:    filepath.Join(a.cfg.StateDir, "mesh-positions.json"),
		FromEnd:      a.cfg.Logs.FromEnd,
		Window:       time.Duration(a.cfg.Logs.Window),
		RepeatFlush:  time.Duration(a.cfg.Logs.RepeatFlush),
		IdleAfter:    time.Duration(a.cfg.Logs.IdleAfter),
		Emit:         a.spoolSymptoms,
		Registry:     a.reg,
		Logger:       a.log.Named("mesh"),
	})
	if err != nil {
		return err
	}
	a.log.Info("following mesh logs", zap.Strings("paths", a.cfg.Mesh.Logs))
	return p.Run(ctx)
}

// meshInclude selects, in a directory named as is, the mesh containers'
// logs.
func meshInclude(_, name string) bool {
	c := meshlog.ComponentOfPath(name)
	return c == meshlog.Istiod || c == meshlog.Proxy
}
