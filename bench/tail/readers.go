package main

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"sync"
	"syscall"
	"time"

	"go.uber.org/zap"

	"github.com/esdoctor/esdoctor/agent/logs/follow"
	"github.com/esdoctor/esdoctor/shared/logx"
)

// reader is the system under test: something that follows dir and reports
// every line it delivers to the tally.
type reader interface {
	start() error
	stop() error
	// usage is the reader's peak RSS (KiB) and CPU time, when it runs as
	// its own process.
	usage() (peakKiB int64, cpu time.Duration, ok bool)
	name() string
}

// inprocReader runs the follow package in this process (raw lines).
type inprocReader struct {
	dir, positions string
	t              *tally
	cancel         context.CancelFunc
	done           chan error
}

func (r *inprocReader) name() string { return "in-process follow.Follower" }

func (r *inprocReader) start() error {
	log := zap.NewNop()
	if os.Getenv("BENCH_TAIL_DEBUG") != "" {
		log = logx.New(logx.Options{Level: "debug"})
	}
	f, err := follow.New(follow.Options{Paths: []string{r.dir}, Positions: r.positions, DrainGrace: 500 * time.Millisecond, Logger: log})
	if err != nil {
		return err
	}
	ctx, cancel := context.WithCancel(context.Background())
	r.cancel, r.done = cancel, make(chan error, 1)
	go func() {
		r.done <- f.Run(ctx, func(b *follow.Batch) error {
			for _, l := range b.Lines {
				if l.NoEOL {
					// The unterminated tail of a file that can no longer
					// grow: here, where copytruncate's copy cut a line.
					r.t.partial()
					continue
				}
				seq := parseSeq([]byte(l.Text))
				src := b.Source.ID + " " + b.Source.Path
				if seq <= 0 {
					src = fmt.Sprintf("%s %s@%d: %.120q", b.Source.ID, b.Source.Path, l.Offset, l.Text)
				}
				r.t.add(seq, len(l.Text)+1, src)
			}
			return nil
		})
	}()
	return nil
}

func (r *inprocReader) stop() error {
	r.cancel()
	return <-r.done
}

func (r *inprocReader) usage() (int64, time.Duration, bool) { return 0, 0, false }

// agentReader runs `esdoctor-agent scan --follow` as its own process and
// reads its symptoms (one per line written: dedup is off).
type agentReader struct {
	bin, dir, positions string
	t                   *tally
	stderr              *os.File
	cmd                 *exec.Cmd
	outDone             chan struct{}
	mu                  sync.Mutex
	started             time.Time
	peak                int64
	cpu                 time.Duration
}

func (r *agentReader) name() string { return r.bin + " scan --follow (separate process)" }

func (r *agentReader) start() error {
	cmd := exec.Command(r.bin, "scan", "--follow", "--window", "0", "--format", "json", "--positions", r.positions, r.dir)
	cmd.Stderr = r.stderr
	out, err := cmd.StdoutPipe()
	if err != nil {
		return err
	}
	if err := cmd.Start(); err != nil {
		return fmt.Errorf("starting %s: %w", r.bin, err)
	}
	r.cmd, r.outDone, r.started = cmd, make(chan struct{}), time.Now()
	go func() {
		defer close(r.outDone)
		br := bufio.NewReaderSize(out, 1<<20)
		for {
			l, err := br.ReadSlice('\n')
			if errors.Is(err, bufio.ErrBufferFull) {
				continue // no symptom line is that long
			}
			if len(l) > 0 {
				r.t.add(parseSeq(l), 0, "")
			}
			if err != nil {
				if !errors.Is(err, io.EOF) {
					fmt.Fprintln(os.Stderr, "bench-tail: reading the agent:", err)
				}
				return
			}
		}
	}()
	return nil
}

func (r *agentReader) stop() error {
	if err := r.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		return err
	}
	<-r.outDone
	err := r.cmd.Wait()
	if ru, ok := r.cmd.ProcessState.SysUsage().(*syscall.Rusage); ok {
		r.mu.Lock()
		r.peak = max(r.peak, ru.Maxrss)
		r.cpu += time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
		r.mu.Unlock()
	}
	if err != nil {
		return fmt.Errorf("agent pid %d (up %v): %w", r.cmd.Process.Pid, time.Since(r.started).Round(time.Millisecond), err)
	}
	return nil
}

// holds reports whether the agent process has path open (its
// /proc/<pid>/fd entries).
func (r *agentReader) holds(path string) bool {
	st, err := os.Stat(path)
	if err != nil || r.cmd == nil || r.cmd.Process == nil {
		return false
	}
	dir := fmt.Sprintf("/proc/%d/fd", r.cmd.Process.Pid)
	ents, err := os.ReadDir(dir)
	if err != nil {
		return false
	}
	for _, e := range ents {
		if fi, err := os.Stat(dir + "/" + e.Name()); err == nil && os.SameFile(fi, st) {
			return true
		}
	}
	return false
}

func (r *agentReader) usage() (int64, time.Duration, bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.peak, r.cpu, true
}

// count of non-empty lines in a file (the agent's stderr).
func countLines(path string) int {
	data, err := os.ReadFile(path)
	if err != nil {
		return 0
	}
	return bytes.Count(data, []byte{'\n'})
}
