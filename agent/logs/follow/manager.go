package follow

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"sort"
	"time"

	"github.com/fsnotify/fsnotify"
	"go.uber.org/zap"
)

// fileStatus is what the manager decided about a file no carrier reads.
type fileStatus int

const (
	stNew        fileStatus = iota
	stParked                // a copy of content being read, or possibly one: decided later
	stSkipped               // a copy of content already delivered (or skipped by FromEnd)
	stIncomplete            // a .gz that ends early: retried when it changes
	stFailed                // could not be opened or read: retried at every scan
)

// fileState is the manager's memory of a present file no carrier reads.
type fileState struct {
	path    string
	size    int64
	mtime   time.Time
	changed time.Time // when size or mtime last differed
	status  fileStatus
	lin     *lineage // the content it carries, when recognised
	initial bool     // present at the first scan
}

// manager is the state of the manage goroutine.
type manager struct {
	f        *Follower
	ctx      context.Context
	watcher  *fsnotify.Watcher
	watched  map[string]bool
	carriers map[fileID]*carrier
	files    map[fileID]*fileState
	byPath   map[string]fileID
	initial  bool
	changing [][]byte // see refreshCarriers
}

// manage discovers files (fsnotify on their directories, backed by a
// periodic full scan), starts one carrier per file identity, and decides
// what to do with files that carry content already known.
func (f *Follower) manage(ctx context.Context) {
	m := &manager{f: f, ctx: ctx, watched: map[string]bool{}, carriers: map[fileID]*carrier{},
		files: map[fileID]*fileState{}, byPath: map[string]fileID{}, initial: true}
	w, err := fsnotify.NewBufferedWatcher(4096)
	if err != nil {
		f.log.Warn("fsnotify unavailable; relying on periodic scans", zap.Error(err))
	} else {
		m.watcher = w
		defer w.Close()
	}
	defer f.wg.Wait()

	m.fullScan()
	m.initial = false
	close(f.ready)

	rescan := time.NewTicker(f.opts.Rescan)
	defer rescan.Stop()
	settle := time.NewTicker(max(f.opts.SettleTime/2, 10*time.Millisecond))
	defer settle.Stop()
	var events <-chan fsnotify.Event
	var errs <-chan error
	if m.watcher != nil {
		events, errs = m.watcher.Events, m.watcher.Errors
	}
	for {
		needScan := false
		dirty := map[string]bool{}
		select {
		case <-ctx.Done():
			return
		case ev, ok := <-events:
			if !ok {
				events = nil
				continue
			}
			needScan = m.onEvent(ev, dirty)
		case err, ok := <-errs:
			if !ok {
				errs = nil
				continue
			}
			needScan = m.onError(err)
		case <-f.kickC:
			needScan = true
		case <-rescan.C:
			needScan = true
		case <-settle.C:
			for _, fs := range m.files {
				if fs.status == stParked {
					dirty[fs.path] = true
				}
			}
		}
		// Take every event already queued before acting on them.
	drain:
		for i := 0; i < 4096; i++ {
			select {
			case ev, ok := <-events:
				if !ok {
					events = nil
					break drain
				}
				needScan = m.onEvent(ev, dirty) || needScan
			default:
				break drain
			}
		}
		m.reap()
		if needScan {
			m.fullScan()
			continue
		}
		if len(dirty) > 0 {
			m.refreshCarriers()
		}
		for p := range dirty {
			m.scanOne(p)
		}
	}
}

// onEvent handles one fsnotify event; it returns true when a full scan is
// needed. Writes wake the carrier of the file, or mark a file waiting for
// a decision for a look.
func (m *manager) onEvent(ev fsnotify.Event, dirty map[string]bool) bool {
	name := filepath.Clean(ev.Name)
	if ev.Op == fsnotify.Write {
		if id, ok := m.byPath[name]; ok {
			if c := m.carriers[id]; c != nil {
				c.poke()
			} else {
				dirty[name] = true
			}
			return false
		}
		return m.f.candidate(name)
	}
	if id, ok := m.byPath[name]; ok {
		if c := m.carriers[id]; c != nil {
			c.poke()
		}
	}
	return true
}

func (m *manager) onError(err error) bool {
	if errors.Is(err, fsnotify.ErrEventOverflow) {
		m.f.log.Warn("fsnotify queue overflow; rescanning everything")
		for _, c := range m.carriers {
			c.poke()
		}
		return true
	}
	m.f.log.Warn("fsnotify error", zap.Error(err))
	return true
}

// reap takes note of carriers that ended.
func (m *manager) reap() {
	m.f.inboxMu.Lock()
	exits := m.f.inbox
	m.f.inbox = nil
	m.f.inboxMu.Unlock()
	for _, e := range exits {
		if m.carriers[e.c.fid] == e.c {
			delete(m.carriers, e.c.fid)
		}
		st, err := e.c.file.Stat()
		fs := &fileState{path: e.c.getPath(), status: stNew, changed: time.Now()}
		if err == nil {
			fs.size, fs.mtime = st.Size(), st.ModTime()
		}
		switch e.out {
		case outConsumed:
			fs.status = stSkipped
		case outIncomplete:
			fs.status = stIncomplete
		case outError:
			fs.status = stFailed
		default:
			continue
		}
		m.f.reg.mu.Lock()
		fs.lin = e.c.lin
		m.f.reg.mu.Unlock()
		m.files[e.c.fid] = fs
	}
}

// present is a candidate file found by a scan.
type present struct {
	path string
	id   fileID
	st   os.FileInfo
}

// fullScan lists every candidate, follows renames, lets carriers whose
// file left the set drain, and decides about every other file.
func (m *manager) fullScan() {
	f := m.f
	paths, dirs := f.expand()
	m.syncWatches(dirs)
	found := map[fileID]present{}
	var order []present
	for _, p := range paths {
		st, err := os.Stat(p)
		if err != nil {
			if !errors.Is(err, os.ErrNotExist) {
				f.warnOnce(p, "cannot stat file; will retry", err)
			}
			continue
		}
		if !st.Mode().IsRegular() {
			continue
		}
		id, ok := idOf(st)
		if !ok {
			continue
		}
		if _, dup := found[id]; dup {
			continue
		}
		found[id] = present{p, id, st}
		order = append(order, found[id])
	}
	m.byPath = make(map[string]fileID, len(found))
	for id, p := range found {
		m.byPath[p.path] = id
	}
	for id, c := range m.carriers {
		if p, ok := found[id]; ok {
			c.setPath(p.path, false)
		} else {
			c.setPath("", true)
		}
	}
	// Plain files first: when a plain file and a .gz carry the same
	// content, the plain one (which may still grow) is the one read.
	sort.SliceStable(order, func(i, j int) bool {
		gi, gj := isGzipName(order[i].path), isGzipName(order[j].path)
		if gi != gj {
			return !gi
		}
		return order[i].path < order[j].path
	})
	m.refreshCarriers()
	for _, p := range order {
		if m.carriers[p.id] == nil {
			m.evaluate(p)
		}
	}
	for id := range m.files {
		if _, ok := found[id]; !ok {
			delete(m.files, id)
		}
	}
	now := time.Now()
	f.reg.mu.Lock()
	for _, c := range m.carriers {
		c.lin.seen = now
		c.lin.path = c.getPath()
	}
	for _, fs := range m.files {
		if fs.lin != nil {
			fs.lin.seen = now
		}
	}
	f.reg.prune(now.Add(-f.opts.PruneAfter))
	f.reg.mu.Unlock()
}

// scanOne looks again at one file waiting for a decision.
func (m *manager) scanOne(path string) {
	st, err := os.Stat(path)
	if err != nil || !st.Mode().IsRegular() {
		return
	}
	id, ok := idOf(st)
	if !ok || m.carriers[id] != nil {
		return
	}
	m.evaluate(present{path, id, st})
}

func (m *manager) syncWatches(dirs []string) {
	if m.watcher == nil {
		return
	}
	want := map[string]bool{}
	for _, d := range dirs {
		want[d] = true
		if m.watched[d] {
			continue
		}
		if err := m.watcher.Add(d); err != nil {
			if !errors.Is(err, os.ErrNotExist) {
				m.f.warnOnce(d, "cannot watch directory; relying on periodic scans", err)
			}
			continue
		}
		m.f.forget(d)
		m.watched[d] = true
	}
	for d := range m.watched {
		if !want[d] {
			_ = m.watcher.Remove(d)
			delete(m.watched, d)
		}
	}
	// A directory that was removed loses its watch silently; re-add it
	// when it exists again.
	list := map[string]bool{}
	for _, d := range m.watcher.WatchList() {
		list[d] = true
	}
	for d := range m.watched {
		if !list[d] {
			delete(m.watched, d)
		}
	}
}
