package daemon

import (
	"context"
	"encoding/json"
	"path/filepath"
	"time"

	"go.uber.org/zap"

	"github.com/esdoctor/esdoctor/agent/collect"
	"github.com/esdoctor/esdoctor/agent/logs/follow"
	"github.com/esdoctor/esdoctor/agent/logs/symptom"
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
// own positions file, through the mesh pack's scanner and the same live
// deduper and spool as the server logs.
func (a *Agent) followMeshLogs(ctx context.Context) error {
	sink := &meshSink{a: a, scanners: map[string]*meshlog.Scanner{}, live: symptom.NewLive(time.Duration(a.cfg.Logs.Window))}
	f, err := follow.New(follow.Options{
		Paths:     a.cfg.Mesh.Logs,
		Include:   meshInclude,
		Positions: filepath.Join(a.cfg.StateDir, "mesh-positions.json"),
		FromEnd:   a.cfg.Logs.FromEnd,
		SaveState: sink.saveState,
		Logger:    a.log.Named("mesh"),
	})
	if err != nil {
		return err
	}
	if raw := f.State(); len(raw) > 0 {
		var st symptom.LiveState
		if err := json.Unmarshal(raw, &st); err == nil {
			sink.live.Restore(st)
		}
	}
	a.log.Info("following mesh logs", zap.Strings("paths", a.cfg.Mesh.Logs))
	return f.Run(ctx, sink.deliver)
}

// meshInclude selects, in a directory named as is, the mesh containers'
// logs.
func meshInclude(_, name string) bool {
	c := meshlog.ComponentOfPath(name)
	return c == meshlog.Istiod || c == meshlog.Proxy
}

type meshSink struct {
	a        *Agent
	scanners map[string]*meshlog.Scanner
	live     *symptom.Live
	out      []*event.Envelope
}

func (s *meshSink) deliver(b *follow.Batch) error {
	sc := s.scanners[b.Source.ID]
	if sc == nil {
		sc = meshlog.NewScanner(b.Source.Path)
		s.scanners[b.Source.ID] = sc
	}
	for _, l := range b.Lines {
		s.add(sc.Push([]byte(l.Text), l.Offset, l.Number))
	}
	switch {
	case b.Final:
		s.add(sc.Flush())
		delete(s.scanners, b.Source.ID)
	case b.Idle:
		s.emit(s.live.Expire(time.Now()))
	default:
		if off, line, ok := sc.Safe(); ok {
			b.Commit(off, line-1)
		} else if n := len(b.Lines); n > 0 {
			b.Commit(b.Lines[n-1].End, b.Lines[n-1].Number)
		}
	}
	return s.spool()
}

func (s *meshSink) add(ss []event.Symptom) {
	for _, sym := range ss {
		s.emit(s.live.Add(sym))
	}
}

func (s *meshSink) emit(ss []event.Symptom) {
	cluster, node := s.a.identity()
	for _, sym := range ss {
		s.out = append(s.out, collect.SymptomEvent(cluster, node, s.a.cfg.Agent, sym))
	}
}

func (s *meshSink) spool() error {
	if len(s.out) == 0 {
		return nil
	}
	if _, err := s.a.sp.AppendBatch(s.out); err != nil {
		s.a.log.Warn("mesh symptom events dropped: the spool refused them", zap.Int("events", len(s.out)), zap.Error(err))
	}
	s.out = s.out[:0]
	return nil
}

func (s *meshSink) saveState(final bool) (json.RawMessage, error) {
	if err := s.spool(); err != nil {
		return nil, err
	}
	return json.Marshal(s.live.State())
}
