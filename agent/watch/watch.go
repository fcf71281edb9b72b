// Package watch tells the agent when a node's configuration may have
// changed: fsnotify on the directories holding elasticsearch.yml, the
// keystore and every certificate file (editors and config management
// replace files by rename, so directories are watched, not files), with a
// debounce and a periodic fallback for file systems without notifications.
package watch

import (
	"context"
	"path/filepath"
	"sort"
	"sync"
	"time"

	"github.com/fsnotify/fsnotify"
	"go.uber.org/zap"
)

// Options configure a Watcher.
type Options struct {
	// Debounce groups bursts of events (default 500 ms).
	Debounce time.Duration
	// Every triggers a check even without events (default 5 min; <0 off).
	Every  time.Duration
	Logger *zap.Logger
}

// Watcher calls a function when any watched file may have changed.
type Watcher struct {
	o     Options
	mu    sync.Mutex
	files map[string]bool // cleaned absolute paths
	dirs  map[string]bool
	fw    *fsnotify.Watcher
	kick  chan struct{}
}

// New returns a watcher; call SetFiles, then Run.
func New(o Options) (*Watcher, error) {
	if o.Debounce <= 0 {
		o.Debounce = 500 * time.Millisecond
	}
	if o.Every == 0 {
		o.Every = 5 * time.Minute
	}
	if o.Logger == nil {
		o.Logger = zap.NewNop()
	}
	fw, err := fsnotify.NewWatcher()
	if err != nil {
		return nil, err
	}
	return &Watcher{o: o, files: map[string]bool{}, dirs: map[string]bool{}, fw: fw, kick: make(chan struct{}, 1)}, nil
}

// SetFiles replaces the set of watched files (their directories are
// watched). Directories that cannot be watched are logged and skipped.
func (w *Watcher) SetFiles(paths []string) {
	w.mu.Lock()
	defer w.mu.Unlock()
	files := map[string]bool{}
	dirs := map[string]bool{}
	for _, p := range paths {
		if abs, err := filepath.Abs(p); err == nil {
			p = abs
		}
		files[filepath.Clean(p)] = true
		dirs[filepath.Dir(filepath.Clean(p))] = true
	}
	for d := range w.dirs {
		if !dirs[d] {
			_ = w.fw.Remove(d)
		}
	}
	keys := make([]string, 0, len(dirs))
	for d := range dirs {
		keys = append(keys, d)
	}
	sort.Strings(keys)
	for _, d := range keys {
		if w.dirs[d] {
			continue
		}
		if err := w.fw.Add(d); err != nil {
			w.o.Logger.Warn("cannot watch directory", zap.String("path", d), zap.Error(err))
			delete(dirs, d)
		}
	}
	w.files, w.dirs = files, dirs
}

// Trigger asks for a check as if a file changed.
func (w *Watcher) Trigger() {
	select {
	case w.kick <- struct{}{}:
	default:
	}
}

// Run calls changed (never concurrently) after each debounced burst of
// events on watched files, on Trigger, and every Options.Every. It returns
// when ctx is done.
func (w *Watcher) Run(ctx context.Context, changed func()) error {
	defer w.fw.Close()
	var tick <-chan time.Time
	if w.o.Every > 0 {
		t := time.NewTicker(w.o.Every)
		defer t.Stop()
		tick = t.C
	}
	var timer *time.Timer
	var fire <-chan time.Time
	arm := func() {
		if timer == nil {
			timer = time.NewTimer(w.o.Debounce)
		} else {
			timer.Reset(w.o.Debounce)
		}
		fire = timer.C
	}
	for {
		select {
		case <-ctx.Done():
			return nil
		case ev, ok := <-w.fw.Events:
			if !ok {
				return nil
			}
			w.mu.Lock()
			hit := w.files[filepath.Clean(ev.Name)]
			w.mu.Unlock()
			if hit {
				arm()
			}
		case err, ok := <-w.fw.Errors:
			if !ok {
				return nil
			}
			// Overflow or another watcher error: check everything.
			w.o.Logger.Warn("watcher error; re-inspecting", zap.Error(err))
			arm()
		case <-w.kick:
			arm()
		case <-tick:
			changed()
		case <-fire:
			fire = nil
			changed()
		}
	}
}
