package main

import (
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync/atomic"
	"time"
)

// Config is one run of the harness.
type Config struct {
	Duration    time.Duration // how long the writer writes
	RotateBytes int64         // rotate when the active file reaches this size
	Modes       []string      // rotation modes, used in turn
	Restarts    int           // reader restarts spread over the run
	Down        time.Duration // how long the reader stays stopped at a restart
	Pad         int           // extra bytes per line
	MaxLag      int64         // the writer waits when this many lines ahead of the reader
	Rate        int64         // lines per second; 0 = as fast as it can
	Agent       string        // esdoctor-agent binary; "" = the follower in-process
	Dir         string        // work directory; "" = a temporary one
	Settle      time.Duration // after the writer stops, how long the reader may stay without progress
}

// Result is what a run measured.
type Result struct {
	Reader         string
	Written        int64
	WrittenBytes   int64
	Delivered      int64
	Distinct       int64
	Lost           int64
	LostInWindow   int64 // lost lines written during a copytruncate (copytruncate's own loss)
	Dup            int64
	Inversions     int64 // deliveries right after a higher seq (rotated file's tail vs the new file)
	OutOfOrder     int64 // lower seq than the previous line of the same source (in-process only)
	Bad            int64 // reader lines without a seq
	Rotations      map[string]int
	Restarts       int
	Elapsed        time.Duration // start to last delivery
	PeakRSSKiB     int64
	CPU            time.Duration
	HaveUsage      bool
	AgentLogLines  int
	FirstLost      []int64
	CopytruncateWs int
	Events         []string // rotations, reported on a failure
	BadSample      string
	DupNotes       []string
	NoEOL          int64 // unterminated last lines delivered (a copy cut mid-line)
	LostRanges     [][2]int64
}

// Run runs the harness once.
func Run(cfg Config) (*Result, error) {
	dir := cfg.Dir
	if dir == "" {
		d, err := os.MkdirTemp("", "bench-tail-")
		if err != nil {
			return nil, err
		}
		defer os.RemoveAll(d)
		dir = d
	}
	logs := filepath.Join(dir, "logs")
	if err := os.MkdirAll(logs, 0o755); err != nil {
		return nil, err
	}
	positions := filepath.Join(dir, "positions.json")
	t := newTally()
	var rd reader
	var stderrPath string
	if cfg.Agent != "" {
		stderrPath = filepath.Join(dir, "agent.stderr")
		ef, err := os.Create(stderrPath)
		if err != nil {
			return nil, err
		}
		defer ef.Close()
		rd = &agentReader{bin: cfg.Agent, dir: logs, positions: positions, t: t, stderr: ef}
	} else {
		rd = &inprocReader{dir: logs, positions: positions, t: t}
	}
	w, err := newLogWriter(cfg, logs)
	if err != nil {
		return nil, err
	}
	var up atomic.Bool
	w.readerUp = up.Load
	w.seenUpTo = t.watermark
	if ar, ok := rd.(*agentReader); ok {
		w.holds = ar.holds
	}
	t.skip = func(seq int64) bool {
		for _, win := range w.copytruncateWindows() {
			if seq > win.from && seq <= win.to && time.Since(win.at) > 2*time.Second {
				return true
			}
		}
		return false
	}

	start := time.Now()
	if err := rd.start(); err != nil {
		return nil, err
	}
	up.Store(true)
	stop := make(chan struct{})
	werr := make(chan error, 1)
	go func() { werr <- w.run(stop) }()

	restarts := 0
	upSince := time.Now()
	for i := 1; i <= cfg.Restarts; i++ {
		at := start.Add(cfg.Duration * time.Duration(i) / time.Duration(cfg.Restarts+1))
		// A process needs a moment to install its signal handlers.
		time.Sleep(max(time.Until(at), time.Until(upSince.Add(time.Second))))
		// A file deleted by a delete rotation is held only by the
		// running reader: no more of those, and let it drain the last one.
		w.deleting.Lock()
		up.Store(false)
		w.deleting.Unlock()
		for wait := time.Now(); t.watermark() < w.deleted.Load() && time.Since(wait) < cfg.Settle; {
			time.Sleep(time.Millisecond)
		}
		if err := rd.stop(); err != nil {
			return nil, fmt.Errorf("stopping the reader: %w", err)
		}
		time.Sleep(cfg.Down)
		if err := rd.start(); err != nil {
			return nil, err
		}
		upSince = time.Now()
		up.Store(true)
		restarts++
	}
	time.Sleep(time.Until(start.Add(cfg.Duration)))
	close(stop)
	if err := <-werr; err != nil {
		return nil, fmt.Errorf("writer: %w", err)
	}
	written := w.flushed.Load()
	// Wait for the reader to catch up, as long as it makes progress.
	last, lastChange := int64(-1), time.Now()
	for {
		mark := t.watermark()
		if mark >= written {
			break
		}
		if mark != last {
			last, lastChange = mark, time.Now()
		}
		if time.Since(lastChange) > cfg.Settle {
			break
		}
		time.Sleep(5 * time.Millisecond)
	}
	time.Sleep(200 * time.Millisecond) // a late duplicate would show now
	if err := rd.stop(); err != nil {
		return nil, fmt.Errorf("stopping the reader: %w", err)
	}

	res := &Result{Reader: rd.name(), Written: written, WrittenBytes: w.bytes, Rotations: w.modes, Restarts: restarts}
	t.mu.Lock()
	res.Delivered, res.Dup, res.Inversions, res.OutOfOrder, res.Bad = t.delivered, t.dup, t.inversion, t.srcOOO, t.bad
	res.Elapsed = t.lastAt.Sub(start)
	bytesSeen := t.bytes
	t.mu.Unlock()
	res.Distinct = res.Delivered - res.Dup - res.Bad
	t.mu.Lock()
	res.NoEOL = t.noEOL
	t.mu.Unlock()
	if cfg.Agent == "" {
		res.WrittenBytes = bytesSeen
	}
	windows := w.copytruncateWindows()
	res.CopytruncateWs = len(windows)
	for _, s := range t.lost(written) {
		in := false
		for _, win := range windows {
			if s > win.from && s <= win.to {
				in = true
				break
			}
		}
		if in {
			res.LostInWindow++
		} else {
			res.Lost++
			if len(res.FirstLost) < 10 {
				res.FirstLost = append(res.FirstLost, s)
			}
			if n := len(res.LostRanges); n > 0 && res.LostRanges[n-1][1] == s-1 {
				res.LostRanges[n-1][1] = s
			} else if n < 20 {
				res.LostRanges = append(res.LostRanges, [2]int64{s, s})
			}
		}
	}
	res.PeakRSSKiB, res.CPU, res.HaveUsage = rd.usage()
	if len(res.FirstLost) > 0 {
		t.mu.Lock()
		for _, s := range []int64{res.FirstLost[0] - 1, res.FirstLost[len(res.FirstLost)-1] + 1} {
			if s > 0 && s < int64(len(t.firstSrc)) && t.has(s) {
				res.DupNotes = append(res.DupNotes, fmt.Sprintf("neighbour of a lost line: seq %d from %s", s, t.srcNames[t.firstSrc[s]]))
			}
		}
		t.mu.Unlock()
	}
	if res.Lost > 0 || res.Bad > 0 {
		w.mu.Lock()
		res.Events = append([]string(nil), w.events...)
		w.mu.Unlock()
		res.BadSample = t.badSample
	}
	if res.Dup > 0 {
		w.mu.Lock()
		res.Events = append([]string(nil), w.events...)
		w.mu.Unlock()
		t.mu.Lock()
		res.DupNotes = t.dupNotes
		t.mu.Unlock()
	}
	if stderrPath != "" {
		res.AgentLogLines = countLines(stderrPath)
	}
	return res, nil
}

// Print writes the result for people.
func (r *Result) Print(w io.Writer) {
	secs := r.Elapsed.Seconds()
	var modes []string
	for m, n := range r.Rotations {
		modes = append(modes, fmt.Sprintf("%s %d", m, n))
	}
	sort.Strings(modes)
	fmt.Fprintf(w, "reader:          %s\n", r.Reader)
	fmt.Fprintf(w, "rotations:       %s; reader restarts %d\n", strings.Join(modes, ", "), r.Restarts)
	fmt.Fprintf(w, "lines written:   %d (%.1f MiB)\n", r.Written, float64(r.WrittenBytes)/(1<<20))
	fmt.Fprintf(w, "lines seen:      %d delivered, %d distinct\n", r.Delivered, r.Distinct)
	fmt.Fprintf(w, "lost:            %d", r.Lost)
	if len(r.LostRanges) > 0 {
		fmt.Fprintf(w, " (ranges: %v)", r.LostRanges)
	}
	fmt.Fprintf(w, "\nlost to copytruncate's own window: %d (lines written between copy and truncate that the reader had not reached; %d windows)\n", r.LostInWindow, r.CopytruncateWs)
	fmt.Fprintf(w, "duplicated:      %d\n", r.Dup)
	fmt.Fprintf(w, "out-of-order:    %d within a source; %d inversions in delivery order (a rotated file's tail after the new file's start)\n", r.OutOfOrder, r.Inversions)
	if r.NoEOL > 0 {
		fmt.Fprintf(w, "partial lines:   %d (the unterminated end of a copytruncate copy, delivered flagged NoEOL)\n", r.NoEOL)
	}
	if r.Bad > 0 {
		fmt.Fprintf(w, "unparsable:      %d\n", r.Bad)
	}
	fmt.Fprintf(w, "throughput:      %.0f lines/s, %.1f MiB/s (over %.1fs)\n", float64(r.Distinct)/secs, float64(r.WrittenBytes)/(1<<20)/secs, secs)
	if len(r.Events) > 0 {
		fmt.Fprintf(w, "rotations (for the failure):\n  %s\n", strings.Join(r.Events, "\n  "))
	}
	for _, n := range r.DupNotes {
		fmt.Fprintf(w, "duplicate: %s\n", n)
	}
	if r.BadSample != "" {
		fmt.Fprintf(w, "first unparsable line: %s\n", r.BadSample)
	}
	if r.HaveUsage {
		fmt.Fprintf(w, "agent:           peak RSS %.1f MiB, CPU %.2fs (user+sys, all runs), %d log lines on stderr\n", float64(r.PeakRSSKiB)/1024, r.CPU.Seconds(), r.AgentLogLines)
	} else {
		fmt.Fprintf(w, "agent:           in-process (no separate RSS/CPU)\n")
	}
}

// OK reports whether nothing was lost (outside copytruncate's own window)
// or duplicated.
func (r *Result) OK() bool { return r.Lost == 0 && r.Dup == 0 && r.Bad == 0 && r.OutOfOrder == 0 }
