package follow

import (
	"bytes"
	"errors"
	"os"
	"time"

	"go.uber.org/zap"

	"github.com/esdoctor/esdoctor/agent/logs/positions"
	"github.com/esdoctor/esdoctor/shared/safefile"
)

// evaluate decides about a present file that no carrier reads. By its
// content's first bytes it is one of:
//   - the continuation of known content that nobody reads now (the same
//     file after a restart, a renamed file, the .gz of a file whose end we
//     did not see, a copytruncate copy): read it from that content's
//     delivered position;
//   - a copy of content being read right now (the .gz log4j is writing, a
//     copytruncate copy before the truncate): wait; once the reader lets
//     the content go, look again;
//   - a copy of content that ended (the .gz of a deleted file we drained):
//     skip it, it was delivered;
//   - too short to tell (a copy being written may become one of the
//     above): wait until it is longer or has settled;
//   - new content: read it from its start (or from its end, on a first
//     run with FromEnd).
func (m *manager) evaluate(p present) {
	f := m.f
	now := time.Now()
	fs := m.files[p.id]
	if fs == nil {
		fs = &fileState{initial: m.initial, changed: now, size: -1}
		m.files[p.id] = fs
	}
	fs.path = p.path
	changed := p.st.Size() != fs.size || !p.st.ModTime().Equal(fs.mtime)
	if changed {
		fs.size, fs.mtime, fs.changed = p.st.Size(), p.st.ModTime(), now
	}
	if !changed && (fs.status == stSkipped || fs.status == stIncomplete) {
		return
	}
	file, _, err := safefile.Open(p.path, 0)
	if err != nil {
		fs.status = stFailed
		if !errors.Is(err, os.ErrNotExist) {
			f.warnOnce(p.path, "cannot open file; will retry", err)
		}
		return
	}
	keep := false
	defer func() {
		if !keep {
			file.Close()
		}
	}()
	st, err := file.Stat()
	if err != nil {
		return
	}
	if id, ok := idOf(st); !ok || id != p.id {
		f.kick() // replaced since the scan listed it
		return
	}
	gz := isGzipName(p.path)
	prefix, complete, err := readPrefix(file, gz)
	if err != nil {
		if errors.Is(err, errNotGzip) {
			fs.status = stIncomplete
			f.warnOnce(p.path, "skipping a .gz file that is not gzip", err)
		} else {
			fs.status = stFailed
			f.warnOnce(p.path, "cannot read file; will retry", err)
		}
		return
	}
	f.forget(p.path)

	for _, b := range m.changing {
		if len(b) > 0 && len(prefix) > 0 && (bytes.HasPrefix(b, prefix) || bytes.HasPrefix(prefix, b)) {
			fs.status = stParked // a copy of content a carrier is about to start
			return
		}
	}
	reg := f.reg
	reg.mu.Lock()
	defer reg.mu.Unlock()
	lin, candidate, unknown := reg.match(prefix, p.id)
	defer func() {
		var id string
		if fs.lin != nil {
			id = fs.lin.id
		}
		f.log.Debug("evaluated", zap.String("path", p.path), zap.Int("status", int(fs.status)), zap.Bool("carried", keep),
			zap.String("lineage", id), zap.Int("prefix", len(prefix)), zap.Bool("complete", complete), zap.Bool("unknown", unknown))
	}()
	if lin == nil && gz && complete && candidate != nil {
		// The whole (final) content is the start of known content: a
		// partial copy of it.
		lin = candidate
	}
	if lin != nil {
		fs.lin = lin
		switch {
		case lin.active:
			fs.status = stParked
			return
		case lin.ended:
			fs.status = stSkipped
			return
		case lin.fid != p.id && !gz && st.Size() <= lin.readOff:
			// A copy holding no more than was delivered (copytruncate
			// copied before the reader went past the copy's end).
			fs.status = stSkipped
			return
		case lin.fid == p.id && !gz && st.Size() < lin.readOff:
			f.log.Info("file is shorter than what was delivered from it: truncated while not followed; reading it from the start",
				zap.String("path", p.path), zap.Int64("size", st.Size()), zap.Int64("offset", lin.readOff))
		default:
			keep = true
			f.log.Debug("continuing", zap.String("path", p.path), zap.String("lineage", lin.id), zap.Int64("offset", lin.readOff))
			m.startCarrier(file, p, gz, lin, prefix, st.Size())
			return
		}
	}
	fs.lin = nil
	if gz && !complete {
		fs.status = stIncomplete // being written: look again when it changes
		return
	}
	if !gz && len(prefix) < positions.SigMax && (candidate != nil || unknown) && now.Sub(fs.changed) < f.opts.SettleTime {
		fs.status = stParked // may be a copy being written
		return
	}
	var off, line int64
	if fs.initial && f.fresh && f.opts.FromEnd {
		if gz {
			if len(prefix) > 0 {
				l := reg.create(p.id, p.path, true, prefix, 0, 0, now)
				l.ended, l.doneEnded = true, true
				fs.lin = l
			}
			fs.status = stSkipped
			return
		}
		off, line, err = lastLineStart(file, st.Size())
		if err != nil {
			fs.status = stFailed
			f.warnOnce(p.path, "cannot read file; will retry", err)
			return
		}
	}
	keep = true
	fs.lin = reg.create(p.id, p.path, gz, prefix, off, line, now)
	m.startCarrier(file, p, gz, fs.lin, prefix, st.Size())
}

// refreshCarriers brings the known first bytes of the files being read up
// to date before new files are matched against them, and notes the files
// whose content changed under a carrier that has not noticed yet.
func (m *manager) refreshCarriers() {
	m.changing = m.changing[:0]
	for _, c := range m.carriers {
		if b := c.refreshPrefix(); b != nil {
			m.changing = append(m.changing, b)
		}
	}
}

// startCarrier starts reading file for lin at lin's read position. Callers
// hold the registry's mutex.
func (m *manager) startCarrier(file *os.File, p present, gz bool, lin *lineage, prefix []byte, size int64) {
	f := m.f
	lin.active = true
	lin.path, lin.fid, lin.gzip = p.path, p.id, gz
	if len(prefix) >= lin.sigLen && (lin.prefix == nil || len(prefix) > len(lin.prefix)) {
		lin.setPrefix(prefix)
	}
	f.reg.dirty = true
	c := &carrier{
		fw: f, file: file, fid: p.id, gzip: gz, lin: lin, path: p.path,
		wake: make(chan struct{}, 1), split: splitter{max: f.opts.MaxLineBytes}, readPos: lin.readOff, size: size,
	}
	c.split.reset(lin.readOff, lin.readLine)
	m.carriers[p.id] = c
	delete(m.files, p.id)
	f.wg.Add(1)
	go c.run(m.ctx)
}
