package daemon

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"time"

	"go.uber.org/zap"

	"github.com/esdoctor/esdoctor/agent/collect"
	"github.com/esdoctor/esdoctor/agent/logs/follow"
	"github.com/esdoctor/esdoctor/agent/logs/logfiles"
	"github.com/esdoctor/esdoctor/agent/logs/scan"
	"github.com/esdoctor/esdoctor/agent/logs/symptom"
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

// followLogs tails the server logs: each batch of lines goes through a
// per-file processor (multi-line records, the rule table) and the live
// deduper, and the symptoms go to the spool. A batch is acknowledged only
// after its symptoms are in the spool (fsync'd), and the committed offset is
// the start of a record still being assembled, so nothing is lost or sent
// twice across restarts; the deduper's open groups are saved with the
// positions.
func (a *Agent) followLogs(ctx context.Context) error {
	dir := a.logDir()
	sink := &logSink{a: a, procs: map[string]*scan.Processor{}, live: symptom.NewLive(time.Duration(a.cfg.Logs.Window))}
	sink.so = scan.Options{Location: a.location(), MeshPack: a.cfg.Logs.Mesh}
	sink.so.Matcher = symptom.NewMatcher(symptom.Options{MeshPack: a.cfg.Logs.Mesh})
	f, err := follow.New(follow.Options{
		Paths:     []string{dir},
		Include:   a.includeIn(dir),
		Positions: filepath.Join(a.cfg.StateDir, "positions.json"),
		FromEnd:   a.cfg.Logs.FromEnd,
		SaveState: sink.saveState,
		Logger:    a.log,
	})
	if err != nil {
		return err
	}
	if raw := f.State(); len(raw) > 0 {
		var st symptom.LiveState
		if err := json.Unmarshal(raw, &st); err != nil {
			a.log.Warn("saved symptom state unusable; ignoring it", zap.Error(err))
		} else {
			sink.live.Restore(st)
		}
	}
	a.log.Info("following logs", zap.String("path", dir))
	return f.Run(ctx, sink.deliver)
}

// includeIn selects the server logs of a directory, reading each event
// once: when a cluster's ECS JSON file exists, its plain twin is skipped.
func (a *Agent) includeIn(dir string) func(string) bool {
	return func(name string) bool {
		cluster, _ := a.identity()
		if c, _, ok := logfiles.Family(name); ok && cluster != "" && c != cluster {
			// Another cluster's file in a shared log dir: only when this
			// cluster has files of its own there.
			if ents, err := os.ReadDir(dir); err == nil {
				for _, e := range ents {
					if oc, _, ok := logfiles.Family(e.Name()); ok && oc == cluster {
						return false
					}
				}
			}
		}
		base := name
		if i := strings.LastIndexByte(name, '.'); i > 0 && strings.Trim(name[i+1:], "0123456789") == "" {
			base = name[:i] // logrotate's numbered copies (x.log.1)
		}
		if !logfiles.IsServerLog(base) {
			return false
		}
		if c, js, ok := logfiles.Family(base); ok && !js {
			if _, err := os.Stat(filepath.Join(dir, c+"_server.json")); err == nil {
				return false
			}
		}
		return true
	}
}

type logSink struct {
	a     *Agent
	so    scan.Options
	procs map[string]*scan.Processor
	live  *symptom.Live
	out   []*event.Envelope
}

func (s *logSink) deliver(b *follow.Batch) error {
	p := s.procs[b.Source.ID]
	if p == nil && (len(b.Lines) > 0 || b.Idle) {
		p = scan.NewProcessor(b.Source.Path, s.so)
		s.procs[b.Source.ID] = p
	}
	for _, l := range b.Lines {
		s.add(p.Push([]byte(l.Text), l.Offset, l.End, l.Number))
	}
	switch {
	case b.Final:
		if p != nil {
			s.add(p.Flush())
		}
		delete(s.procs, b.Source.ID)
	case b.Idle:
		if p != nil {
			s.add(p.Flush())
		}
		s.emit(s.live.Expire(time.Now()))
	default:
		off, line := p.Safe()
		b.Commit(off, line-1)
	}
	return s.spool()
}

func (s *logSink) add(ss []event.Symptom) {
	for _, sym := range ss {
		s.emit(s.live.Add(sym))
	}
}

func (s *logSink) emit(ss []event.Symptom) {
	cluster, node := s.a.identity()
	for _, sym := range ss {
		s.out = append(s.out, collect.SymptomEvent(cluster, node, s.a.cfg.Agent, sym))
	}
}

// spool writes the batch's events durably before the batch is
// acknowledged. When the spool is full (NATS away for too long) the events
// are dropped, counted by the spool, with a warning: the follower goes on.
func (s *logSink) spool() error {
	if len(s.out) == 0 {
		return nil
	}
	if _, err := s.a.sp.AppendBatch(s.out); err != nil {
		s.a.log.Warn("symptom events dropped: the spool refused them", zap.Int("events", len(s.out)), zap.Error(err))
	}
	s.out = s.out[:0]
	return nil
}

// saveState saves the live deduper's open groups with the positions.
func (s *logSink) saveState(final bool) (json.RawMessage, error) {
	if err := s.spool(); err != nil {
		return nil, err
	}
	return json.Marshal(s.live.State())
}
