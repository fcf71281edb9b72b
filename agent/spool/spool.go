package spool

import (
	"errors"
	"fmt"
	"os"
	"sync"

	"go.uber.org/zap"
)

// ErrFull is returned by Append when the event would take the spool over
// Options.MaxBytes. The event is dropped, counted in
// esdoctor_spool_full_total and logged (once per episode).
var ErrFull = errors.New("spool: full")

// ErrClosed is returned by every method after Close.
var ErrClosed = errors.New("spool: closed")

// Spool is a durable FIFO of events on disk. Append may be called from any
// number of goroutines; Next, Ack and Rewind are meant for one consumer (the
// publisher).
type Spool struct {
	dir  string
	o    Options
	log  *zap.Logger
	m    *metrics
	lock *os.File

	mu      sync.Mutex
	dropped int64      // events refused since Open (ErrFull)
	cond    *sync.Cond // durableSeq advanced, or a sync finished

	segments []*segment // oldest first
	cur      *segment   // appended to; nil until the next Append
	sealed   []*segment // rolled over, awaiting their final fsync and close
	dirDirty bool       // a segment was created since the last fsync

	nextSeq    uint64 // sequence of the next Append
	lastSeq    uint64 // last appended
	durableSeq uint64 // every record up to here is fsync'd
	syncing    bool   // one appender is fsyncing for everybody
	syncErr    error  // a failed fsync; the spool refuses appends after it

	acked     uint64 // ack cursor: every record up to here is done
	ackDirty  bool
	delivered []delivery // returned by Next, not yet acked, oldest first
	pending   int64      // records above the ack cursor
	bytes     int64      // sum of segment sizes
	rd        reader

	changed chan struct{} // closed and replaced when readers may go on
	closed  bool

	nearWarned bool
	fullWarned bool
	wbuf       []byte

	flushKick chan struct{}
	flushStop chan struct{}
	flushDone chan struct{}
}

// reader is the position Next reads from.
type reader struct {
	seg *segment
	off int64
	f   *os.File
}

// delivery remembers where a record returned by Next starts, for Rewind.
type delivery struct {
	seq uint64
	seg *segment
	off int64
}

// Open opens (creating it if needed) the spool in dir, recovering from a
// crash: torn or corrupt records are cut (and logged), and every record
// above the ack cursor will be returned by Next again, in order.
func Open(dir string, o Options) (*Spool, error) {
	o = o.withDefaults()
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("spool %s: %w", dir, err)
	}
	lock, err := lockDir(dir)
	if err != nil {
		return nil, err
	}
	s := &Spool{
		dir:       dir,
		o:         o,
		log:       o.Logger.With(zap.String("dir", dir)),
		m:         newMetrics(o.Registry),
		lock:      lock,
		changed:   make(chan struct{}),
		flushKick: make(chan struct{}, 1),
		flushStop: make(chan struct{}),
		flushDone: make(chan struct{}),
	}
	s.cond = sync.NewCond(&s.mu)
	if err := s.recover(); err != nil {
		s.closeFiles()
		lock.Close()
		return nil, err
	}
	go s.flushLoop()
	s.log.Info("spool opened", zap.Int64("bytes", s.bytes), zap.Int64("events", s.pending),
		zap.Uint64("acked", s.acked), zap.Int("segments", len(s.segments)))
	return s, nil
}

// recover reads the ack cursor and every segment back.
func (s *Spool) recover() error {
	acked, err := readCursor(s.dir)
	if err != nil {
		// Replaying from the start is safe (JetStream drops repeats).
		s.log.Warn("spool ack cursor unreadable; replaying every spooled event", zap.Error(err))
		acked = 0
	}
	s.acked = acked
	segs, err := listSegments(s.dir)
	if err != nil {
		return err
	}
	var last uint64
	for _, seg := range segs {
		res, err := scanSegment(seg.path, last, acked)
		if err != nil {
			return err
		}
		if res.damage != nil {
			s.m.corrupt.Inc()
			s.log.Warn("spool segment damaged; cutting it after the last good record",
				zap.String("file", seg.path), zap.Int64("offset", res.valid), zap.Uint64("last_good_seq", res.last),
				zap.String("cause", res.damage.Error()))
			if err := cut(seg.path, res.valid); err != nil {
				return err
			}
		}
		if res.records == 0 || res.last <= acked {
			if err := os.Remove(seg.path); err != nil {
				return fmt.Errorf("spool segment %s: %w", seg.path, err)
			}
			if res.records > 0 {
				last = res.last
			}
			continue
		}
		seg.last, seg.size, seg.synced = res.last, res.valid, res.valid
		last = res.last
		s.pending += res.pending
		s.bytes += res.valid
		s.segments = append(s.segments, seg)
	}
	s.lastSeq = max(last, acked)
	s.nextSeq = s.lastSeq + 1
	s.durableSeq = s.lastSeq
	if n := len(s.segments); n > 0 {
		tail := s.segments[n-1]
		f, err := os.OpenFile(tail.path, os.O_WRONLY|os.O_APPEND, 0)
		if err != nil {
			return fmt.Errorf("spool segment %s: %w", tail.path, err)
		}
		tail.w = f
		s.cur = tail
	}
	s.checkNearFullLocked()
	s.updateGaugesLocked()
	return nil
}

// cut truncates a damaged segment to its good prefix, durably.
func cut(path string, size int64) error {
	f, err := os.OpenFile(path, os.O_WRONLY, 0)
	if err != nil {
		return fmt.Errorf("spool segment %s: cut: %w", path, err)
	}
	defer f.Close()
	if err := f.Truncate(size); err != nil {
		return fmt.Errorf("spool segment %s: cut at %d: %w", path, size, err)
	}
	if err := f.Sync(); err != nil {
		return fmt.Errorf("spool segment %s: cut: %w", path, err)
	}
	return nil
}

// Bytes is the size of the spool's files on disk.
func (s *Spool) Bytes() int64 {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.bytes
}

// Pending is the number of events not yet acknowledged.
func (s *Spool) Pending() int64 {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.pending
}

// Dropped is the number of events refused because the spool was full,
// since Open.
func (s *Spool) Dropped() int64 {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.dropped
}

// MaxBytes is the configured limit.
func (s *Spool) MaxBytes() int64 { return s.o.MaxBytes }

// Close syncs and closes the files and writes the ack cursor. Blocked Next
// calls return ErrClosed. Closing twice is a no-op.
func (s *Spool) Close() error {
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return nil
	}
	s.closed = true
	for s.syncing {
		s.cond.Wait()
	}
	var errs []error
	for _, seg := range append(s.sealed, s.cur) {
		if seg == nil || seg.w == nil {
			continue
		}
		if err := seg.w.Sync(); err != nil {
			errs = append(errs, fmt.Errorf("spool segment %s: fsync: %w", seg.path, err))
		}
		seg.synced = seg.size
	}
	if s.dirDirty {
		if err := syncDir(s.dir); err != nil {
			errs = append(errs, fmt.Errorf("spool %s: fsync: %w", s.dir, err))
		}
	}
	if len(errs) == 0 {
		s.durableSeq = s.lastSeq
	} else if s.syncErr == nil {
		s.syncErr = errors.Join(errs...)
	}
	s.sealed = nil
	s.closeFiles()
	close(s.changed)
	s.cond.Broadcast()
	s.mu.Unlock()

	close(s.flushStop)
	<-s.flushDone
	if err := s.flushCursor(); err != nil {
		errs = append(errs, err)
	}
	s.lock.Close()
	return errors.Join(errs...)
}

// closeFiles closes every open descriptor (writers and the reader).
func (s *Spool) closeFiles() {
	for _, seg := range append(s.sealed, s.segments...) {
		if seg.w != nil {
			seg.w.Close()
			seg.w = nil
		}
	}
	if s.rd.f != nil {
		s.rd.f.Close()
		s.rd.f = nil
	}
}

// notifyLocked wakes blocked Next calls.
func (s *Spool) notifyLocked() {
	close(s.changed)
	s.changed = make(chan struct{})
}

func (s *Spool) updateGaugesLocked() {
	s.m.bytes.Set(float64(s.bytes))
	s.m.events.Set(float64(s.pending))
}
