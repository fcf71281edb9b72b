package follow

import (
	"bufio"
	"compress/gzip"
	"context"
	"errors"
	"io"

	"github.com/esdoctor/esdoctor/shared/safefile"
	"go.uber.org/zap"
)

// followGzip reads a rotated .gz once, from the lineage's position (what
// an earlier carrier of the same content, usually the plain file before it
// was compressed, already delivered is skipped) to its end.
func (c *carrier) followGzip(ctx context.Context) outcome {
	// Rotated files are read a few at a time: a backlog of them costs
	// neither memory nor order.
	select {
	case c.fw.gzSlots <- struct{}{}:
		defer func() { <-c.fw.gzSlots }()
	case <-ctx.Done():
		return outStopped
	}
	zr, err := gzip.NewReader(bufio.NewReaderSize(io.NewSectionReader(c.file, 0, 1<<62), 64<<10))
	if err != nil {
		c.logger().Warn("gzip file unreadable; will retry when it changes", zap.Error(err))
		c.release(ctx, "gzip-incomplete", false)
		return outIncomplete
	}
	defer zr.Close()
	if c.readPos > 0 {
		n, err := io.CopyN(io.Discard, zr, c.readPos)
		if err != nil {
			if errors.Is(err, io.EOF) {
				// A complete copy holding less than was delivered.
				c.release(ctx, "gzip-end", false)
				return outConsumed
			}
			c.logger().Info("gzip file ends early; will retry when it changes",
				zap.Int64("decompressed", n), zap.Error(err))
			c.release(ctx, "gzip-incomplete", false)
			return outIncomplete
		}
	}
	for ctx.Err() == nil {
		if c.readPos > safefile.MaxGzipLog {
			c.logger().Warn("gzip file decompresses past the cap (a gzip bomb, or not a rotated log); the rest is not read",
				zap.Int64("cap", safefile.MaxGzipLog))
			c.deliverPartial(ctx)
			c.release(ctx, "gzip-end", true)
			return outConsumed
		}
		n, err := zr.Read(c.buf)
		if n > 0 {
			c.split.feed(c.buf[:n], func(l Line) { c.add(ctx, l) })
			c.readPos += int64(n)
		}
		if errors.Is(err, io.EOF) {
			c.deliverPartial(ctx)
			c.release(ctx, "gzip-end", true)
			return outConsumed
		}
		if err != nil {
			c.logger().Info("gzip file ends early (still being written, or damaged); will retry when it changes",
				zap.Int64("decompressed", c.readPos), zap.Error(err))
			c.release(ctx, "gzip-incomplete", false)
			return outIncomplete
		}
	}
	return outStopped
}
