package follow

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"os"
	"sync"
	"sync/atomic"
	"time"

	"go.uber.org/zap"

	"github.com/esdoctor/esdoctor/agent/logs/positions"
)

// Follower follows a set of log files and delivers their lines, once
// each, across rotations and restarts. Create it with New and start it
// with Run.
type Follower struct {
	opts  Options
	log   *zap.Logger
	reg   *registry
	fresh bool
	state json.RawMessage
	out   chan *Batch
	wg    sync.WaitGroup // carriers
	ran   atomic.Bool

	kickC   chan struct{}
	ready   chan struct{}
	gzSlots chan struct{} // bounds the .gz files read at once

	inboxMu sync.Mutex
	inbox   []carrierExit

	warnMu sync.Mutex
	warned map[string]string

	lastSaved []byte
}

type carrierExit struct {
	c   *carrier
	out outcome
}

// New prepares a Follower: it validates the options and loads the
// positions file. A missing positions file, or one that cannot be decoded,
// is reported (a warning for a corrupt one) and the Follower starts fresh.
func New(opts Options) (*Follower, error) {
	if err := opts.defaults(); err != nil {
		return nil, err
	}
	f := &Follower{
		opts:    opts,
		log:     opts.Logger.Named("logs.follow"),
		reg:     newRegistry(),
		out:     make(chan *Batch, 4),
		kickC:   make(chan struct{}, 1),
		ready:   make(chan struct{}),
		gzSlots: make(chan struct{}, 2),
		warned:  map[string]string{},
		fresh:   true,
	}
	if opts.Positions != "" {
		pf, err := positions.Load(opts.Positions)
		switch {
		case errors.Is(err, os.ErrNotExist):
			f.log.Info("no positions file yet; starting fresh", zap.String("path", opts.Positions))
		case err != nil:
			f.log.Warn("positions file unusable; starting fresh (files are read "+f.freshFrom()+")",
				zap.String("path", opts.Positions), zap.Error(err))
		default:
			f.reg.load(pf)
			f.state = pf.State
			f.fresh = false
		}
	}
	return f, nil
}

func (f *Follower) freshFrom() string {
	if f.opts.FromEnd {
		return "from their end"
	}
	return "from their start"
}

// State returns the consumer state saved with the positions (see
// Options.SaveState), or nil when there was none.
func (f *Follower) State() json.RawMessage { return f.state }

// Ready is closed once Run has looked at every file present at its start
// (and started reading those it reads).
func (f *Follower) Ready() <-chan struct{} { return f.ready }

// Fresh reports whether the Follower started without usable positions.
func (f *Follower) Fresh() bool { return f.fresh }

// Run follows the files until ctx is done, then saves the positions and
// returns nil. deliver is called from Run's goroutine, one batch at a
// time, in order within a source. A batch counts as delivered when deliver
// returns nil; on an error the same batch is offered again after a
// backoff, until it is taken or ctx is done. Run may be called once.
func (f *Follower) Run(ctx context.Context, deliver func(*Batch) error) error {
	if !f.ran.CompareAndSwap(false, true) {
		return errors.New("follow: Run called twice")
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	mgrDone := make(chan struct{})
	go func() {
		defer close(mgrDone)
		f.manage(ctx)
	}()
	save := time.NewTicker(f.opts.SaveInterval)
	defer save.Stop()
	var tickC <-chan time.Time
	if f.opts.Tick != nil {
		tick := time.NewTicker(f.opts.TickInterval)
		defer tick.Stop()
		tickC = tick.C
	}
loop:
	for {
		select {
		case <-ctx.Done():
			break loop
		case b := <-f.out:
			if !f.deliver(ctx, b, deliver) {
				break loop
			}
		case <-save.C:
			f.save(false)
		case now := <-tickC:
			f.opts.Tick(now)
		}
	}
	cancel()
	<-mgrDone
	f.save(true)
	return nil
}

// deliver offers b until the consumer takes it, then records the
// consumer's position.
func (f *Follower) deliver(ctx context.Context, b *Batch, fn func(*Batch) error) bool {
	backoff := 100 * time.Millisecond
	for {
		err := fn(b)
		if err == nil {
			break
		}
		f.log.Warn("consumer refused a batch; retrying", zap.String("path", b.Source.Path), zap.Error(err))
		select {
		case <-ctx.Done():
			return false
		case <-time.After(backoff):
		}
		backoff = min(2*backoff, 5*time.Second)
	}
	f.reg.mu.Lock()
	l := b.lin
	l.doneOff, l.doneLine = b.commitOff, b.commitLine
	if b.Final && b.ended && b.commitOff == b.endOff {
		l.doneEnded = true
	}
	f.reg.dirty = true
	f.reg.mu.Unlock()
	return true
}

// save writes the acknowledged positions (and the consumer's state) when
// they changed.
func (f *Follower) save(final bool) {
	f.reg.mu.Lock()
	dirty := f.reg.dirty
	f.reg.mu.Unlock()
	if !dirty && f.opts.SaveState == nil {
		return
	}
	var state json.RawMessage
	if f.opts.SaveState != nil {
		st, err := f.opts.SaveState(final)
		if err != nil {
			f.log.Warn("consumer state not saved", zap.String("path", f.opts.Positions), zap.Error(err))
			return
		}
		state = st
	}
	pf := f.reg.snapshot(state)
	if f.opts.Positions == "" {
		return
	}
	data, err := positions.Encode(pf)
	if err == nil && bytes.Equal(data, f.lastSaved) {
		return
	}
	if err == nil {
		err = positions.Save(f.opts.Positions, pf)
	}
	if err != nil {
		f.warnOnce(f.opts.Positions, "cannot save positions; will retry", err)
		f.reg.mu.Lock()
		f.reg.dirty = true
		f.reg.mu.Unlock()
		return
	}
	f.lastSaved = data
	f.forget(f.opts.Positions)
}

// kick asks the manager for a full scan (a lineage was released, so a
// copy waiting for it may go on).
func (f *Follower) kick() {
	select {
	case f.kickC <- struct{}{}:
	default:
	}
}

// carrierDone is called by a carrier's goroutine when it ends.
func (f *Follower) carrierDone(c *carrier, out outcome) {
	f.inboxMu.Lock()
	f.inbox = append(f.inbox, carrierExit{c, out})
	f.inboxMu.Unlock()
	f.kick()
}

// warnOnce logs a warning about path unless the same one was the last
// logged for it; forget re-arms it once the path works again.
func (f *Follower) warnOnce(path, msg string, err error) {
	key := msg + ": " + err.Error()
	f.warnMu.Lock()
	same := f.warned[path] == key
	f.warned[path] = key
	f.warnMu.Unlock()
	if !same {
		f.log.Warn(msg, zap.String("path", path), zap.Error(err))
	}
}

func (f *Follower) forget(path string) {
	f.warnMu.Lock()
	delete(f.warned, path)
	f.warnMu.Unlock()
}
