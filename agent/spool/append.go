package spool

import (
	"fmt"
	"os"
	"path/filepath"

	"go.uber.org/zap"

	"github.com/esdoctor/esdoctor/shared/event"
)

// Append encodes e and adds it to the spool. It returns once the record is
// on disk (fsync'd; concurrent appends share one fsync). When the spool is
// over Options.MaxBytes it returns ErrFull at once: the event is dropped and
// counted, it never blocks waiting for room.
func (s *Spool) Append(e *event.Envelope) (uint64, error) {
	seqs, err := s.AppendBatch([]*event.Envelope{e})
	if len(seqs) == 0 {
		return 0, err
	}
	return seqs[0], err
}

// AppendBatch appends events in order with one fsync for all of them. It
// stops at the first event that cannot be appended (ErrFull, an invalid
// event) and returns the sequences of those appended before it, which are
// on disk.
func (s *Spool) AppendBatch(events []*event.Envelope) ([]uint64, error) {
	datas := make([][]byte, 0, len(events))
	var encErr error
	for _, e := range events {
		data, err := event.Encode(e)
		if err == nil && len(data) > maxRecordPayload {
			err = fmt.Errorf("%d bytes exceed the %d byte event limit", len(data), maxRecordPayload)
		}
		if err != nil {
			encErr = fmt.Errorf("spool: event %s: %w", e.ID, err)
			break
		}
		datas = append(datas, data)
	}

	s.mu.Lock()
	defer s.mu.Unlock()
	seqs := make([]uint64, 0, len(datas))
	var err error
	for i, data := range datas {
		var sq uint64
		if sq, err = s.appendLocked(events[i], data); err != nil {
			break
		}
		seqs = append(seqs, sq)
	}
	if err == nil {
		err = encErr
	}
	if len(seqs) > 0 {
		if serr := s.waitDurableLocked(seqs[len(seqs)-1]); serr != nil {
			return nil, serr
		}
	}
	return seqs, err
}

// appendLocked writes one record (not yet fsync'd).
func (s *Spool) appendLocked(e *event.Envelope, data []byte) (uint64, error) {
	size := int64(headerSize + len(data))
	switch {
	case s.closed:
		return 0, ErrClosed
	case s.syncErr != nil:
		return 0, s.syncErr
	case s.bytes+size > s.o.MaxBytes:
		s.fullLocked(e, size)
		return 0, fmt.Errorf("%w: %d of %d bytes used, event %s (%d bytes) dropped", ErrFull, s.bytes, s.o.MaxBytes, e.ID, size)
	}
	if s.cur == nil || (s.cur.size > 0 && s.cur.size+size > s.o.SegmentBytes) {
		if err := s.rollLocked(); err != nil {
			return 0, err
		}
	}
	seq := s.nextSeq
	s.wbuf = appendRecord(s.wbuf[:0], seq, data)
	cur := s.cur
	if n, err := cur.w.Write(s.wbuf); err != nil {
		if n > 0 {
			if terr := cur.w.Truncate(cur.size); terr != nil {
				s.syncErr = fmt.Errorf("spool segment %s: cannot undo a partial write: %w", cur.path, terr)
			}
		}
		return 0, fmt.Errorf("spool segment %s: write: %w", cur.path, err)
	}
	s.nextSeq++
	s.lastSeq = seq
	cur.last = seq
	cur.size += size
	s.bytes += size
	s.pending++
	s.fullWarned = false
	s.checkNearFullLocked()
	s.updateGaugesLocked()
	if cap(s.wbuf) > 1<<20 {
		s.wbuf = nil // do not pin a large event's buffer
	}
	return seq, nil
}

// fullLocked counts and reports a dropped event.
func (s *Spool) fullLocked(e *event.Envelope, size int64) {
	s.m.full.Inc()
	s.dropped++
	if !s.fullWarned {
		s.fullWarned = true
		s.log.Warn("spool full: dropping events until the publisher catches up",
			zap.Int64("bytes", s.bytes), zap.Int64("max_bytes", s.o.MaxBytes), zap.Int64("events", s.pending))
	}
	s.log.Debug("event dropped, no room in the spool", zap.String("id", e.ID), zap.String("kind", string(e.Kind)), zap.Int64("size", size))
}

// checkNearFullLocked warns once when the spool passes NearFullRatio, and
// re-arms when it has drained well below it.
func (s *Spool) checkNearFullLocked() {
	limit := int64(float64(s.o.MaxBytes) * s.o.NearFullRatio)
	switch {
	case !s.nearWarned && s.bytes > limit:
		s.nearWarned = true
		s.log.Warn("spool nearly full: NATS unreachable or too slow?",
			zap.Int64("bytes", s.bytes), zap.Int64("max_bytes", s.o.MaxBytes), zap.Int64("events", s.pending))
	case s.nearWarned && s.bytes < limit*8/10:
		s.nearWarned = false
		s.log.Info("spool drained below its warning level", zap.Int64("bytes", s.bytes))
	}
}

// rollLocked starts a new segment; the old one is fsync'd and closed by the
// next sync.
func (s *Spool) rollLocked() error {
	path := filepath.Join(s.dir, segmentName(s.nextSeq))
	f, err := os.OpenFile(path, os.O_CREATE|os.O_EXCL|os.O_WRONLY|os.O_APPEND, 0o600)
	if err != nil {
		return fmt.Errorf("spool segment %s: %w", path, err)
	}
	if s.cur != nil {
		s.sealed = append(s.sealed, s.cur)
	}
	seg := &segment{path: path, first: s.nextSeq, w: f}
	s.segments = append(s.segments, seg)
	s.cur = seg
	s.dirDirty = true
	return nil
}

// waitDurableLocked returns once record seq is fsync'd. The first waiter
// to find no fsync running does one for everybody (group commit); the
// others wait for it.
func (s *Spool) waitDurableLocked(seq uint64) error {
	for s.durableSeq < seq {
		if s.syncErr != nil {
			return s.syncErr
		}
		if s.syncing {
			s.cond.Wait()
			continue
		}
		s.syncing = true
		target := s.lastSeq
		sealed := s.sealed
		s.sealed = nil
		cur, curSize := s.cur, int64(0)
		if cur != nil {
			curSize = cur.size
		}
		dirDirty := s.dirDirty
		s.dirDirty = false
		s.mu.Unlock()

		var err error
		for _, seg := range sealed {
			if e := seg.w.Sync(); e != nil && err == nil {
				err = fmt.Errorf("spool segment %s: fsync: %w", seg.path, e)
			}
			seg.w.Close()
		}
		if cur != nil {
			if e := cur.w.Sync(); e != nil && err == nil {
				err = fmt.Errorf("spool segment %s: fsync: %w", cur.path, e)
			}
		}
		if dirDirty {
			if e := syncDir(s.dir); e != nil && err == nil {
				err = fmt.Errorf("spool %s: fsync: %w", s.dir, e)
			}
		}

		s.mu.Lock()
		s.syncing = false
		for _, seg := range sealed {
			seg.w = nil
			seg.synced = seg.size
		}
		if err != nil {
			// After a failed fsync the kernel may have dropped the data:
			// refuse further appends rather than pretend.
			s.syncErr = err
			s.log.Error("spool fsync failed; refusing new events", zap.Error(err))
			s.cond.Broadcast()
			return err
		}
		if cur != nil {
			cur.synced = max(cur.synced, curSize)
		}
		s.durableSeq = max(s.durableSeq, target)
		s.notifyLocked()
		s.cond.Broadcast()
	}
	return nil
}
