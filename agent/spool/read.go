package spool

import (
	"context"
	"fmt"
	"io"
	"os"
	"slices"
	"time"

	"go.uber.org/zap"

	"github.com/esdoctor/esdoctor/shared/event"
)

// Next returns the oldest event not yet returned since the last Rewind (at
// Open: the oldest not yet acknowledged), in append order, blocking until
// one is on disk or ctx ends. A record that no longer decodes (written by
// an incompatible build) is logged, counted and skipped.
func (s *Spool) Next(ctx context.Context) (uint64, *event.Envelope, error) {
	for {
		s.mu.Lock()
		if s.closed {
			s.mu.Unlock()
			return 0, nil, ErrClosed
		}
		seq, payload, ok, err := s.readLocked()
		if err != nil {
			s.mu.Unlock()
			return 0, nil, err
		}
		if ok {
			s.mu.Unlock()
			e, err := event.Decode(payload)
			if err != nil {
				s.m.corrupt.Inc()
				s.log.Error("spool record does not decode; skipping it", zap.Uint64("seq", seq), zap.Error(err))
				continue
			}
			return seq, e, nil
		}
		ch := s.changed
		s.mu.Unlock()
		select {
		case <-ctx.Done():
			return 0, nil, ctx.Err()
		case <-ch:
		}
	}
}

// readLocked reads the record at the reader position when it is on disk,
// and records its delivery.
func (s *Spool) readLocked() (uint64, []byte, bool, error) {
	rd := &s.rd
	for {
		if rd.seg == nil {
			if len(s.segments) == 0 {
				return 0, nil, false, nil
			}
			rd.seg, rd.off = s.segments[0], 0
		}
		seg := rd.seg
		if rd.off < seg.synced {
			if rd.f == nil {
				f, err := os.Open(seg.path)
				if err != nil {
					return 0, nil, false, fmt.Errorf("spool segment %s: %w", seg.path, err)
				}
				rd.f = f
			}
			off := rd.off
			seq, payload, n, err := readRecord(io.NewSectionReader(rd.f, off, seg.synced-off))
			if err != nil {
				if !isFormatError(err) && err != io.EOF {
					return 0, nil, false, fmt.Errorf("spool segment %s at offset %d: %w", seg.path, off, err)
				}
				// Damaged after it was written and checked: skip what
				// is left of the durable part of this segment.
				s.m.corrupt.Inc()
				s.log.Error("spool segment damaged while reading; skipping the rest of it",
					zap.String("file", seg.path), zap.Int64("offset", off), zap.Error(err))
				rd.off = seg.synced
				continue
			}
			rd.off += n
			if seq <= s.acked {
				continue
			}
			s.delivered = append(s.delivered, delivery{seq: seq, seg: seg, off: off})
			return seq, payload, true, nil
		}
		// At the end of what is durable here: go on to the next segment
		// once this one is complete.
		i := slices.Index(s.segments, seg)
		if i < 0 || i+1 >= len(s.segments) || seg == s.cur || seg.synced < seg.size {
			return 0, nil, false, nil
		}
		s.moveReader(s.segments[i+1], 0)
	}
}

func (s *Spool) moveReader(seg *segment, off int64) {
	if s.rd.seg != seg && s.rd.f != nil {
		s.rd.f.Close()
		s.rd.f = nil
	}
	s.rd.seg, s.rd.off = seg, off
}

// Rewind makes Next return again every event it returned that is not yet
// acknowledged (the publisher calls it when it starts, so that an event in
// flight when a previous run stopped is sent again).
func (s *Spool) Rewind() {
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(s.delivered) == 0 {
		return
	}
	d := s.delivered[0]
	s.moveReader(d.seg, d.off)
	s.delivered = s.delivered[:0]
}

// Ack records that every event up to and including seq is safely in
// JetStream. Segments whose events are all acknowledged are deleted. The
// cursor reaches the disk within Options.AckInterval (and on Close). seq
// must have been returned by Next; acknowledging an older one is a no-op.
func (s *Spool) Ack(seq uint64) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return ErrClosed
	}
	if seq <= s.acked {
		return nil
	}
	if len(s.delivered) == 0 || seq > s.delivered[len(s.delivered)-1].seq {
		last := s.acked
		if len(s.delivered) > 0 {
			last = s.delivered[len(s.delivered)-1].seq
		}
		return fmt.Errorf("spool: ack of sequence %d, which Next has not returned (last returned %d)", seq, last)
	}
	n := 0
	for n < len(s.delivered) && s.delivered[n].seq <= seq {
		n++
	}
	s.delivered = slices.Delete(s.delivered, 0, n)
	s.pending -= int64(n)
	s.acked = seq
	s.ackDirty = true
	s.collectLocked()
	s.checkNearFullLocked()
	s.updateGaugesLocked()
	select {
	case s.flushKick <- struct{}{}:
	default:
	}
	return nil
}

// collectLocked deletes fully acknowledged segments. The current segment
// goes too once everything in it is acknowledged and it holds more than
// min(SegmentBytes/2, 1 MiB), so that the disk is freed even when the
// publisher keeps up and segments never fill.
func (s *Spool) collectLocked() {
	if c := s.cur; c != nil && c.last != 0 && c.last <= s.acked && !s.syncing &&
		len(s.sealed) == 0 && c.synced == c.size && c.size >= min(s.o.SegmentBytes/2, 1<<20) {
		c.w.Close()
		c.w = nil
		s.cur = nil
	}
	keep := s.segments[:0]
	for _, seg := range s.segments {
		if seg == s.cur || seg.w != nil || seg.last == 0 || seg.last > s.acked {
			keep = append(keep, seg)
			continue
		}
		if s.rd.seg == seg {
			s.moveReader(nil, 0)
		}
		if err := os.Remove(seg.path); err != nil {
			s.log.Warn("cannot delete an acknowledged spool segment", zap.String("file", seg.path), zap.Error(err))
			keep = append(keep, seg)
			continue
		}
		s.bytes -= seg.size
	}
	clear(s.segments[len(keep):])
	s.segments = keep
}

// flushLoop writes the ack cursor when it moved, at most once per
// AckInterval.
func (s *Spool) flushLoop() {
	defer close(s.flushDone)
	for {
		select {
		case <-s.flushStop:
			return
		case <-s.flushKick:
		}
		if err := s.flushCursor(); err != nil {
			s.log.Warn("cannot write the spool ack cursor; will retry", zap.Error(err))
		}
		select {
		case <-s.flushStop:
			return
		case <-time.After(s.o.AckInterval):
		}
	}
}

// flushCursor writes the ack cursor if it changed.
func (s *Spool) flushCursor() error {
	s.mu.Lock()
	if !s.ackDirty {
		s.mu.Unlock()
		return nil
	}
	v := s.acked
	s.ackDirty = false
	s.mu.Unlock()
	if err := writeCursor(s.dir, v); err != nil {
		s.mu.Lock()
		s.ackDirty = true
		s.mu.Unlock()
		select {
		case s.flushKick <- struct{}{}:
		default:
		}
		return err
	}
	return nil
}
