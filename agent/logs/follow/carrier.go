package follow

import (
	"bytes"
	"context"
	"errors"
	"io"
	"os"
	"sync"
	"time"

	"go.uber.org/zap"

	"github.com/esdoctor/esdoctor/agent/logs/positions"
)

// readChunk is the size of one read.
const readChunk = 64 << 10

// outcome is how a carrier ended.
type outcome int

const (
	outStopped    outcome = iota // Run is stopping
	outReleased                  // the file left the followed set and was drained
	outConsumed                  // a .gz read to its end (or holding nothing new)
	outIncomplete                // a .gz that ends early: retry when it changes
	outError                     // a read error: retry at the next scan
)

// carrier reads one open file (one identity) for one lineage at a time.
// It owns the descriptor: a renamed or deleted file is read through it to
// its end before it is let go.
type carrier struct {
	fw   *Follower
	file *os.File
	fid  fileID
	gzip bool
	lin  *lineage

	mu       sync.Mutex
	path     string
	draining bool

	wake    chan struct{}
	split   splitter
	readPos int64 // next byte to read (bytes of a held partial line included)
	size    int64 // the file's size when last looked at
	batch   *Batch
	bbytes  int // text bytes in batch
	buf     []byte
	vbuf    []byte
}

func (c *carrier) getPath() string {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.path
}

// setPath records a rename and whether the file is still in the followed
// set (draining is false) or left it (renamed away or deleted).
func (c *carrier) setPath(path string, draining bool) {
	c.mu.Lock()
	changed := c.draining != draining
	if path != "" {
		c.path = path
	}
	c.draining = draining
	c.mu.Unlock()
	if changed {
		c.poke()
	}
}

func (c *carrier) isDraining() bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.draining
}

// poke wakes the carrier; wakeups coalesce.
func (c *carrier) poke() {
	select {
	case c.wake <- struct{}{}:
	default:
	}
}

func (c *carrier) logger() *zap.Logger {
	return c.fw.log.With(zap.String("path", c.getPath()))
}

func (c *carrier) run(ctx context.Context) {
	defer c.fw.wg.Done()
	defer c.file.Close()
	c.buf = make([]byte, readChunk)
	var out outcome
	if c.gzip {
		out = c.followGzip(ctx)
	} else {
		out = c.followPlain(ctx)
	}
	c.fw.carrierDone(c, out)
}

// followPlain reads the file as it grows until it has left the followed
// set and stayed unchanged for DrainGrace.
func (c *carrier) followPlain(ctx context.Context) outcome {
	var changes <-chan struct{}
	if n, err := newFDNotifier(c.file, c.readPos); err == nil {
		defer n.Stop()
		changes = n.C()
	} else {
		c.logger().Debug("no descriptor watcher; polling", zap.Error(err))
	}
	opts := &c.fw.opts
	timer := time.NewTimer(opts.Poll)
	defer timer.Stop()
	lastGrowth := time.Now()
	idleSent := false
	var drainStart time.Time
	for {
		grew, err := c.readPlain(ctx)
		if ctx.Err() != nil {
			return outStopped
		}
		if err != nil {
			c.logger().Warn("read failed; will retry", zap.Error(err))
			c.release(ctx, "read-error", false)
			return outError
		}
		now := time.Now()
		if grew {
			lastGrowth, idleSent = now, false
		}
		wait := opts.Poll
		if !idleSent {
			if quiet := now.Sub(lastGrowth); quiet >= opts.IdleAfter {
				c.send(ctx, &Batch{Idle: true})
				idleSent = true
			} else {
				wait = min(wait, opts.IdleAfter-quiet)
			}
		}
		if c.isDraining() {
			if drainStart.IsZero() {
				drainStart = now
			}
			quiet := now.Sub(lastGrowth)
			if s := now.Sub(drainStart); s < quiet {
				quiet = s
			}
			if quiet >= opts.DrainGrace {
				return c.letGo(ctx)
			}
			wait = min(opts.Poll, max(opts.DrainGrace/4, 10*time.Millisecond))
		} else {
			drainStart = time.Time{}
		}
		timer.Reset(wait)
		select {
		case <-ctx.Done():
			return outStopped
		case <-c.wake:
		case <-changes:
		case <-timer.C:
		}
		if !timer.Stop() {
			select {
			case <-timer.C:
			default:
			}
		}
	}
}

// letGo ends a drained file: a deleted one's content is complete (its
// last line is delivered even without "\n"); a renamed-away one may come
// back or be copied, so its position is kept.
func (c *carrier) letGo(ctx context.Context) outcome {
	st, err := c.file.Stat()
	if err == nil && linkCount(st) == 0 {
		c.deliverPartial(ctx)
		c.release(ctx, "deleted", true)
	} else {
		c.release(ctx, "gone", false)
	}
	if ctx.Err() != nil {
		return outStopped
	}
	return outReleased
}

// deliverPartial delivers a held unterminated last line (NoEOL), once the
// content can no longer grow, but only from the file the content was
// first read from: in a copy (copytruncate's, or the .gz made from it) an
// unterminated tail is where the copy cut a line, not a line.
func (c *carrier) deliverPartial(ctx context.Context) {
	c.fw.reg.mu.Lock()
	own := c.lin.origin == c.fid
	c.fw.reg.mu.Unlock()
	if !own {
		return
	}
	if l, ok := c.split.partial(); ok {
		c.add(ctx, l)
	}
}

// readPlain reads everything available. It checks after every read that
// the file still holds the same content (its first bytes), so a truncate
// or a truncate-and-rewrite is never read as a continuation.
func (c *carrier) readPlain(ctx context.Context) (grew bool, err error) {
	for ctx.Err() == nil {
		n, rerr := c.file.ReadAt(c.buf, c.readPos)
		if rerr != nil && !errors.Is(rerr, io.EOF) {
			return grew, rerr
		}
		if n > 0 {
			same, err := c.sameContent()
			if err != nil {
				return grew, err
			}
			if !same {
				c.truncated(ctx, "content replaced")
				grew = true
				continue
			}
			c.extendPrefix(c.buf[:n])
			c.split.feed(c.buf[:n], func(l Line) { c.add(ctx, l) })
			c.readPos += int64(n)
			grew = true
		}
		if n < len(c.buf) {
			c.flush(ctx)
			st, err := c.file.Stat()
			if err != nil {
				return grew, err
			}
			if st.Size() < c.size {
				c.truncated(ctx, "file shrank")
				grew = true
				continue
			}
			c.size = st.Size()
			if same, err := c.sameContent(); err != nil {
				return grew, err
			} else if !same {
				c.truncated(ctx, "content replaced")
				grew = true
				continue
			}
			return grew, nil
		}
	}
	return grew, nil
}

// prefix returns the lineage's known first bytes (an immutable slice: it
// is replaced, never changed in place).
func (c *carrier) prefix() []byte {
	c.fw.reg.mu.Lock()
	defer c.fw.reg.mu.Unlock()
	return c.lin.prefix
}

// refreshPrefix is called by the manager before it matches a new file
// against known content: the first bytes of the file this carrier holds
// may be ahead of what it has read, and a copy of them (a .gz, a
// copytruncate copy) must be recognised even before the carrier caught up.
// When the file no longer starts with the lineage's bytes (it was
// truncated and the carrier has not noticed yet) it returns the file's
// current first bytes: a copy of those belongs to the lineage the carrier
// is about to start, and must wait for it.
func (c *carrier) refreshPrefix() (changed []byte) {
	if c.gzip {
		return nil
	}
	c.fw.reg.mu.Lock()
	l, have := c.lin, c.lin.prefix
	c.fw.reg.mu.Unlock()
	buf := make([]byte, positions.SigMax)
	n, _ := c.file.ReadAt(buf, 0)
	buf = buf[:n]
	if !bytes.HasPrefix(buf, have) {
		c.poke()
		return buf
	}
	if n <= len(have) {
		return nil
	}
	c.fw.reg.mu.Lock()
	if c.lin == l && len(l.prefix) == len(have) {
		l.setPrefix(buf)
		c.fw.reg.dirty = true
	}
	c.fw.reg.mu.Unlock()
	return nil
}

// sameContent reports whether the file still starts with the lineage's
// known first bytes.
func (c *carrier) sameContent() (bool, error) {
	want := c.prefix()
	k := len(want)
	if k == 0 {
		return true, nil
	}
	if c.vbuf == nil {
		c.vbuf = make([]byte, positions.SigMax)
	}
	n, err := c.file.ReadAt(c.vbuf[:k], 0)
	if err != nil && !errors.Is(err, io.EOF) {
		return false, err
	}
	return n == k && bytes.Equal(c.vbuf[:k], want), nil
}

// extendPrefix grows the lineage's known first bytes with a chunk read at
// c.readPos, up to SigMax.
func (c *carrier) extendPrefix(chunk []byte) {
	c.fw.reg.mu.Lock()
	defer c.fw.reg.mu.Unlock()
	have := int64(len(c.lin.prefix))
	if have >= positions.SigMax || c.readPos > have || c.readPos+int64(len(chunk)) <= have {
		return
	}
	take := chunk[have-c.readPos : min(int64(len(chunk)), positions.SigMax-c.readPos)]
	c.lin.setPrefix(append(append([]byte(nil), c.lin.prefix...), take...))
	c.fw.reg.dirty = true
}

// truncated ends the current lineage in this file (a copy, such as the one
// copytruncate made, may continue it) and starts a new one at offset 0.
func (c *carrier) truncated(ctx context.Context, why string) {
	c.logger().Info("file truncated or rewritten; reading it again from the start",
		zap.String("why", why), zap.Int64("offset", c.readPos))
	c.release(ctx, "truncated", false)
	c.fw.reg.mu.Lock()
	c.lin = c.fw.reg.create(c.fid, c.getPath(), false, nil, 0, 0, time.Now())
	c.lin.active = true
	c.fw.reg.mu.Unlock()
	c.readPos, c.size = 0, 0
	c.split.reset(0, 0)
}

// add appends a line to the current batch and sends the batch when full.
func (c *carrier) add(ctx context.Context, l Line) {
	if c.batch == nil {
		c.batch = &Batch{}
	}
	c.batch.Lines = append(c.batch.Lines, l)
	c.bbytes += len(l.Text)
	if len(c.batch.Lines) >= c.fw.opts.BatchLines || c.bbytes >= c.fw.opts.BatchBytes {
		c.flush(ctx)
	}
}

// flush sends the current batch, if it holds lines.
func (c *carrier) flush(ctx context.Context) {
	if c.batch != nil && len(c.batch.Lines) > 0 {
		c.send(ctx, c.batch)
	}
	c.batch, c.bbytes = nil, 0
}

// send hands a batch to Run's delivery loop and advances the lineage's
// read position (the saved one advances only when the consumer acks).
func (c *carrier) send(ctx context.Context, b *Batch) bool {
	c.fw.reg.mu.Lock()
	b.lin = c.lin
	b.startOff, b.startLine = c.lin.readOff, c.lin.readLine
	c.fw.reg.mu.Unlock()
	b.endOff, b.endLine = b.startOff, b.startLine
	if n := len(b.Lines); n > 0 {
		b.endOff, b.endLine = b.Lines[n-1].End, b.Lines[n-1].Number
	}
	b.commitOff, b.commitLine = b.endOff, b.endLine
	b.Source = Source{ID: c.lin.id, Path: c.getPath(), Gzip: c.gzip}
	select {
	case c.fw.out <- b:
	case <-ctx.Done():
		return false
	}
	c.fw.reg.mu.Lock()
	c.lin.readOff, c.lin.readLine = b.endOff, b.endLine
	c.fw.reg.mu.Unlock()
	return true
}

// release sends the lineage's Final batch (with any lines not sent yet)
// and lets another carrier take the lineage over.
func (c *carrier) release(ctx context.Context, reason string, ended bool) {
	b := c.batch
	if b == nil {
		b = &Batch{}
	}
	c.batch, c.bbytes = nil, 0
	b.Final, b.Reason, b.ended = true, reason, ended
	if !c.send(ctx, b) {
		return
	}
	c.fw.reg.mu.Lock()
	c.lin.active = false
	if ended {
		c.lin.ended = true
	}
	c.fw.reg.mu.Unlock()
	c.fw.kick()
}
