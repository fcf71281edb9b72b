// Package pipeline is the agent's one path from log files to symptoms:
// follow (agent/logs/follow: loss-free across rotations and restarts) →
// process (agent/logs/scan.Processor: multi-line records, the rule table)
// → dedup (symptom.Live) → emit → commit. The daemon (`esdoctor-agent
// run`, which spools the symptoms for NATS) and `esdoctor-agent scan
// --follow` (which prints them) both run it; only Options.Emit differs.
//
// # When a symptom is emitted
//
//   - A record is complete when the next record's first line arrives, or
//     when the file has had nothing new for Options.IdleAfter (default
//     200 ms): Elasticsearch writes a record — header and stack trace — in
//     one write, so a short quiet tick completes it without splitting a
//     stack trace. JSON records are complete when their object closes.
//   - The first occurrence of a symptom is emitted at once. Repeats within
//     Options.Window (log time) of the previous one are rate-limited per
//     symptom to one event per Options.RepeatFlush (default 500 ms): a
//     repeat after a quiet RepeatFlush is emitted at once, the repeats
//     that follow it within RepeatFlush are counted and emitted as one
//     fold by the next tick. Nothing waits for an unrelated line.
//
// # What is committed
//
// A batch is acknowledged after Emit returned for its symptoms (the
// daemon's Emit is an fsync'd spool append), and the committed offset is
// the start of a record still being assembled: after a crash or a stop,
// nothing is lost and nothing emitted is read again. The deduper's open
// groups (and the repeats counted but not yet emitted) are saved with the
// positions, so a restart neither announces a first occurrence twice nor
// loses a count. A clean stop emits the counted repeats first.
package pipeline

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"go.uber.org/zap"

	"github.com/esdoctor/esdoctor/agent/logs/follow"
	"github.com/esdoctor/esdoctor/agent/logs/scan"
	"github.com/esdoctor/esdoctor/agent/logs/symptom"
	"github.com/esdoctor/esdoctor/shared/event"
)

// Defaults of Options.
const (
	DefaultIdleAfter   = 200 * time.Millisecond
	DefaultRepeatFlush = 500 * time.Millisecond
)

// Options configures a Pipeline. Paths and Emit are required.
type Options struct {
	// Paths are files, directories and globs (see follow.Options.Paths).
	Paths []string
	// Positions is the positions file (optional: in memory only).
	Positions string
	// FromEnd starts files found on the first run at their end.
	FromEnd bool
	// Selector picks the files of a directory (Cluster optional).
	Selector Selector
	// Location is the zone of plain-layout timestamps (nil: time.Local).
	Location *time.Location
	// MeshPack enables the service-mesh rules.
	MeshPack bool
	// Window folds repeats of a symptom (log time); 0 emits every one.
	Window time.Duration
	// RepeatFlush is how often counted repeats are emitted (default 500ms).
	RepeatFlush time.Duration
	// IdleAfter completes a pending record of a quiet file (default 200ms).
	IdleAfter time.Duration
	// Include, when set, replaces Selector: which files of a directory
	// are followed (the service-mesh logs have their own names).
	Include func(dir, name string) bool
	// NewProcessor, when set, makes the processor of one file (default:
	// Elasticsearch server logs, scan.Processor; the service-mesh pack's
	// istiod and istio-proxy logs bring their own).
	NewProcessor func(path string) Processor
	// Emit receives the symptoms of a batch before the batch is
	// acknowledged; it is called from one goroutine. An error stops Run
	// (it returns the error): nothing emitted is committed twice.
	Emit func([]event.Symptom) error
	// Registry receives the pipeline's metrics (optional).
	Registry prometheus.Registerer
	// Logger (optional).
	Logger *zap.Logger
}

// Processor turns the lines of one file into symptoms (not deduplicated).
type Processor interface {
	// Push takes one line (without its "\n"; offset/end its byte offsets,
	// end after the "\n"; lineNo 1-based) and returns the symptoms of what
	// it completed.
	Push(line []byte, offset, end, lineNo int64) []event.Symptom
	// Idle is called when the file has been quiet for IdleAfter: it
	// returns what a quiet file completes.
	Idle() []event.Symptom
	// Flush ends the file (it was rotated away or deleted).
	Flush() []event.Symptom
	// Safe is the position before which every line is fully processed
	// (the offset and the number of the first line not done).
	Safe() (offset, lineNo int64)
}

// serverLogs processes Elasticsearch server logs: Elasticsearch writes a
// record's lines at once, so a quiet file's pending record is complete.
type serverLogs struct{ *scan.Processor }

func (s serverLogs) Idle() []event.Symptom { return s.Flush() }

// Pipeline follows log files and emits their symptoms. Create it with New
// and start it with Run (once).
type Pipeline struct {
	o     Options
	log   *zap.Logger
	f     *follow.Follower
	procs map[string]Processor
	live  *symptom.Live
	so    scan.Options
	m     *metrics
	out   []event.Symptom
	err   error
	stop  context.CancelFunc
}

// New prepares a pipeline: it loads the positions and the deduper's saved
// groups.
func New(o Options) (*Pipeline, error) {
	if o.Emit == nil {
		return nil, errors.New("pipeline: no Emit")
	}
	if o.RepeatFlush <= 0 {
		o.RepeatFlush = DefaultRepeatFlush
	}
	if o.IdleAfter <= 0 {
		o.IdleAfter = DefaultIdleAfter
	}
	if o.Logger == nil {
		o.Logger = zap.NewNop()
	}
	p := &Pipeline{o: o, log: o.Logger, procs: map[string]Processor{}, live: symptom.NewLive(o.Window), m: newMetrics(o.Registry)}
	p.live.SetRepeatInterval(o.RepeatFlush)
	p.so = scan.Options{Location: o.Location, MeshPack: o.MeshPack}
	p.so.Matcher = symptom.NewMatcher(symptom.Options{MeshPack: o.MeshPack})
	if o.NewProcessor == nil {
		p.o.NewProcessor = func(path string) Processor { return serverLogs{scan.NewProcessor(path, p.so)} }
	}
	include := o.Include
	if include == nil {
		include = o.Selector.Include
	}
	f, err := follow.New(follow.Options{
		Paths:        o.Paths,
		Include:      include,
		Positions:    o.Positions,
		FromEnd:      o.FromEnd,
		IdleAfter:    o.IdleAfter,
		Tick:         p.tick,
		TickInterval: o.RepeatFlush,
		SaveState:    p.saveState,
		Logger:       o.Logger,
	})
	if err != nil {
		return nil, err
	}
	p.f = f
	if raw := f.State(); len(raw) > 0 {
		var st symptom.LiveState
		if err := json.Unmarshal(raw, &st); err != nil {
			p.log.Warn("saved symptom state unusable; ignoring it", zap.String("path", o.Positions), zap.Error(err))
		} else {
			p.live.Restore(st)
		}
	}
	return p, nil
}

// Ready is closed once the files present at the start are being read.
func (p *Pipeline) Ready() <-chan struct{} { return p.f.Ready() }

// Run follows the files until ctx is done (then it emits the counted
// repeats, saves the positions and returns nil) or Emit fails (then it
// returns Emit's error).
func (p *Pipeline) Run(ctx context.Context) error {
	ctx, p.stop = context.WithCancel(ctx)
	defer p.stop()
	if err := p.f.Run(ctx, p.deliver); err != nil {
		return err
	}
	return p.err
}

func (p *Pipeline) deliver(b *follow.Batch) error {
	if p.err != nil {
		return p.err // Run is stopping; the batch stays unacknowledged
	}
	id := b.Source.ID
	pr := p.procs[id]
	if pr == nil && (len(b.Lines) > 0 || b.Idle) {
		pr = p.o.NewProcessor(b.Source.Path)
		p.procs[id] = pr
	}
	for _, l := range b.Lines {
		p.add(pr.Push([]byte(l.Text), l.Offset, l.End, l.Number))
	}
	p.m.lines.Add(float64(len(b.Lines)))
	end, _ := b.End()
	switch {
	case pr == nil:
	case b.Final:
		p.add(pr.Flush())
		delete(p.procs, id)
	case b.Idle:
		p.add(pr.Idle())
	default:
		off, line := pr.Safe()
		b.Commit(off, line-1)
	}
	p.m.progress(b.Source, end, b.Final)
	return p.emit()
}

// add puts completed symptoms through the deduper.
func (p *Pipeline) add(ss []event.Symptom) {
	for _, s := range ss {
		p.m.symptom(s.Symptom)
		p.out = append(p.out, p.live.Add(s)...)
	}
}

// tick emits the repeats counted since the last tick, and the folds of
// groups quiet for longer than the window (which it forgets).
func (p *Pipeline) tick(now time.Time) {
	p.out = append(p.out, p.live.Expire(now)...)
	p.out = append(p.out, p.live.FlushHeld()...)
	if err := p.emit(); err != nil {
		p.log.Warn("symptoms not emitted", zap.Error(err))
	}
}

// emit hands the pending symptoms to Emit. A failure is final: Run stops.
func (p *Pipeline) emit() error {
	if len(p.out) == 0 || p.err != nil {
		return p.err
	}
	err := p.o.Emit(p.out)
	p.out = p.out[:0]
	if err != nil {
		p.err = fmt.Errorf("emitting symptoms: %w", err)
		p.stop()
	}
	return p.err
}

// saveState returns the deduper's groups for the positions file. On the
// final save the counted repeats are emitted first and the groups kept
// without them; without a positions file nothing would be read again, so
// the pending records are completed and everything is emitted.
func (p *Pipeline) saveState(final bool) (json.RawMessage, error) {
	if final {
		if p.o.Positions == "" {
			for id, pr := range p.procs {
				p.add(pr.Flush())
				delete(p.procs, id)
			}
			p.out = append(p.out, p.live.Flush()...)
			return nil, p.emit()
		}
		p.out = append(p.out, p.live.FlushHeld()...)
		if err := p.emit(); err != nil {
			return nil, err
		}
	}
	if err := p.emit(); err != nil {
		return nil, err
	}
	if p.live.Len() == 0 {
		return nil, nil
	}
	return json.Marshal(p.live.State())
}
