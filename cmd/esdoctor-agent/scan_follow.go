package main

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"

	"go.uber.org/zap"

	"github.com/esdoctor/esdoctor/agent/logs/follow"
	"github.com/esdoctor/esdoctor/agent/logs/scan"
	"github.com/esdoctor/esdoctor/agent/logs/symptom"
	"github.com/esdoctor/esdoctor/shared/cli"
	"github.com/esdoctor/esdoctor/shared/event"
	"github.com/esdoctor/esdoctor/shared/logx"
)

// runScanFollow follows the files of opts (scan --follow) and prints
// symptoms as they are written, until SIGINT or SIGTERM; then it prints
// what the deduper still holds, saves the positions and exits 0.
func runScanFollow(env *cli.Env, opts scanOptions) int {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	log := logx.New(logx.Options{})
	defer func() { _ = log.Sync() }()
	if err := followScan(ctx, opts, env.Stdout, log); err != nil {
		return cli.Usagef(env, "%v", err)
	}
	return cli.ExitOK
}

// followScan is scan --follow without the process around it.
func followScan(ctx context.Context, opts scanOptions, stdout io.Writer, log *zap.Logger) error {
	sink := newFollowSink(opts, stdout)
	f, err := follow.New(follow.Options{
		Paths:     opts.Paths,
		Include:   followInclude,
		Positions: opts.Positions,
		SaveState: sink.saveState,
		Logger:    log,
	})
	if err != nil {
		return err
	}
	if err := sink.restore(f.State()); err != nil {
		log.Warn("saved symptom state unusable; ignoring it", zap.String("path", opts.Positions), zap.Error(err))
	}
	return f.Run(ctx, sink.deliver)
}

// followInclude selects, in a directory, the files scan reads plus the
// numbered plain copies logrotate's copytruncate makes (es.log.1).
func followInclude(name string) bool {
	if isServerLog(name) {
		return true
	}
	if i := strings.LastIndexByte(name, '.'); i > 0 {
		if n := name[i+1:]; n != "" && strings.Trim(n, "0123456789") == "" {
			return isServerLog(name[:i])
		}
	}
	return false
}

// followSink turns batches into symptoms. Per source it keeps a
// scan.Processor (multi-line records); it commits the processor's Safe()
// offset, so a record still being assembled is read again after a restart.
// Symptoms go through the live deduper (symptom.Live): a symptom's first
// occurrence is printed at once, its repeats are folded and printed when
// the window closes (the file went quiet) or at the stop. The deduper's
// groups are saved with the positions (Options.SaveState), so a crash
// neither loses the repeats folded so far nor prints a first occurrence
// twice; a clean stop prints the folds and keeps the groups, so a repeat
// after a restart is still folded.
type followSink struct {
	opts  scanOptions
	so    scan.Options
	procs map[string]*scan.Processor
	dedup *symptom.Live
	w     *bufio.Writer
	enc   *json.Encoder
}

func newFollowSink(opts scanOptions, stdout io.Writer) *followSink {
	s := &followSink{
		opts:  opts,
		so:    scan.Options{Location: opts.Location, MeshPack: opts.Mesh},
		procs: map[string]*scan.Processor{},
		dedup: symptom.NewLive(opts.Window),
		w:     bufio.NewWriterSize(stdout, 64<<10),
	}
	s.so.Matcher = symptom.NewMatcher(symptom.Options{MeshPack: opts.Mesh})
	s.enc = json.NewEncoder(s.w)
	s.enc.SetEscapeHTML(false)
	return s
}

func (s *followSink) deliver(b *follow.Batch) error {
	id := b.Source.ID
	p := s.procs[id]
	if p == nil && (len(b.Lines) > 0 || b.Idle) {
		p = scan.NewProcessor(b.Source.Path, s.so)
		s.procs[id] = p
	}
	for _, l := range b.Lines {
		s.emit(p.Push([]byte(l.Text), l.Offset, l.End, l.Number))
	}
	switch {
	case p == nil:
	case b.Final:
		s.emit(p.Flush())
		delete(s.procs, id)
	case b.Idle:
		// Elasticsearch writes a record's lines at once: a quiet file's
		// pending record is complete. Repeats too old to be folded any
		// more are final as well.
		s.emit(p.Flush())
		s.emit(s.dedup.Expire(time.Now()))
	default:
		off, line := p.Safe()
		b.Commit(off, line-1)
	}
	return s.flush()
}

func (s *followSink) emit(ss []event.Symptom) {
	for _, sym := range ss {
		s.print(s.dedup.Add(sym))
	}
}

func (s *followSink) print(ss []event.Symptom) {
	for _, sym := range ss {
		if s.opts.Format == cli.FormatJSON {
			_ = s.enc.Encode(sym)
		} else {
			fmt.Fprintln(s.w, textLine(sym))
		}
	}
}

func (s *followSink) flush() error {
	if err := s.w.Flush(); err != nil {
		return fmt.Errorf("writing symptoms: %w", err)
	}
	return nil
}

// saveState returns the deduper's groups for the positions file. On the
// final save (the stop) the folded repeats are printed first and the
// groups kept without them; without a positions file nothing would be
// read again, so the processors' pending records are completed and
// everything is printed.
func (s *followSink) saveState(final bool) (json.RawMessage, error) {
	if final {
		if s.opts.Positions == "" {
			for id, p := range s.procs {
				s.emit(p.Flush())
				delete(s.procs, id)
			}
			s.print(s.dedup.Flush())
			return nil, s.flush()
		}
		st := s.dedup.State()
		s.print(s.dedup.Flush())
		for i := range st.Groups {
			st.Groups[i].Held = nil
		}
		s.dedup.Restore(st)
		if err := s.flush(); err != nil {
			return nil, err
		}
	}
	if s.dedup.Len() == 0 {
		return nil, nil
	}
	return json.Marshal(s.dedup.State())
}

// restore puts the saved groups back into the deduper.
func (s *followSink) restore(raw json.RawMessage) error {
	if len(raw) == 0 {
		return nil
	}
	var st symptom.LiveState
	if err := json.Unmarshal(raw, &st); err != nil {
		return fmt.Errorf("symptom state: %w", err)
	}
	s.dedup.Restore(st)
	return nil
}
