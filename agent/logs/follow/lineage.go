package follow

import (
	"bytes"
	"encoding/json"
	"fmt"
	"sort"
	"sync"
	"time"

	"github.com/esdoctor/esdoctor/agent/logs/positions"
)

// lineage is one file content, whatever file carries it: the active log,
// the same inode after a rename, a copytruncate copy, the .gz made from
// it. Progress is kept per lineage, so every carrier of the same content
// continues where the previous one stopped and nothing is read twice.
type lineage struct {
	id       string
	path     string
	fid      fileID
	origin   fileID // the file the content was first read from
	gzip     bool
	prefix   []byte // the content's first bytes; nil when only sig is known
	sigLen   int
	sig      string
	readOff  int64 // end of what was handed to delivery
	readLine int64
	doneOff  int64 // acknowledged by the consumer (what is saved)
	doneLine int64
	// ended: the content can never grow and was read to its end, so any
	// other file carrying it is a copy. doneEnded is the acknowledged
	// (saved) form of it.
	ended, doneEnded bool
	active           bool // a carrier is reading it
	seen             time.Time
	seq              uint64
}

// registry holds every lineage; its mutex guards all lineage fields.
type registry struct {
	mu    sync.Mutex
	byID  map[string]*lineage
	seq   uint64
	dirty bool
}

func newRegistry() *registry { return &registry{byID: map[string]*lineage{}} }

// load adds the lineages of a positions file.
func (r *registry) load(pf *positions.File) {
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, e := range pf.Entries {
		r.seq++
		r.byID[e.ID] = &lineage{
			id: e.ID, path: e.Path, fid: fileID{e.Dev, e.Ino}, origin: fileID{e.Dev, e.Ino}, gzip: e.Gzip,
			sigLen: e.SigLen, sig: e.Sig,
			readOff: e.Offset, readLine: e.Line, doneOff: e.Offset, doneLine: e.Line,
			ended: e.Ended, doneEnded: e.Ended, seen: e.Seen, seq: r.seq,
		}
	}
}

// snapshot returns the acknowledged state as a positions file. Lineages
// with no content yet (an empty file) are not saved: there is nothing to
// recognise them by, and nothing was delivered.
func (r *registry) snapshot(state json.RawMessage) *positions.File {
	r.mu.Lock()
	defer r.mu.Unlock()
	pf := &positions.File{Version: positions.Version, State: state}
	for _, l := range r.byID {
		if l.sigLen == 0 {
			continue
		}
		pf.Entries = append(pf.Entries, positions.Entry{
			ID: l.id, Path: l.path, Dev: l.fid.dev, Ino: l.fid.ino, Gzip: l.gzip,
			SigLen: l.sigLen, Sig: l.sig, Offset: l.doneOff, Line: l.doneLine,
			Ended: l.doneEnded, Seen: l.seen.UTC().Truncate(time.Second),
		})
	}
	sortEntries(pf.Entries)
	r.dirty = false
	return pf
}

// create registers a new lineage for content starting with prefix, read
// from offset (line count line). Callers hold r.mu.
func (r *registry) create(fid fileID, path string, gz bool, prefix []byte, offset, line int64, now time.Time) *lineage {
	r.seq++
	l := &lineage{
		id:   fmt.Sprintf("%x-%x-%x", fid.dev, fid.ino, now.UnixNano()),
		path: path, fid: fid, origin: fid, gzip: gz,
		readOff: offset, readLine: line, doneOff: offset, doneLine: line,
		seen: now, seq: r.seq,
	}
	for r.byID[l.id] != nil {
		l.id += "x"
	}
	l.setPrefix(prefix)
	r.byID[l.id] = l
	r.dirty = true
	return l
}

// setPrefix records the content's first bytes (at most SigMax) and the
// signature derived from them.
func (l *lineage) setPrefix(p []byte) {
	if len(p) > positions.SigMax {
		p = p[:positions.SigMax]
	}
	l.prefix = append([]byte(nil), p...)
	l.sigLen, l.sig = positions.Signature(l.prefix)
	if l.sigLen == 0 {
		l.sig = ""
	}
}

// matchesExactly reports whether content starting with p is this lineage.
func (l *lineage) matchesExactly(p []byte) bool {
	if l.sigLen == 0 || len(p) < l.sigLen {
		return false
	}
	if l.prefix != nil {
		return bytes.Equal(p[:l.sigLen], l.prefix)
	}
	_, sig := positions.Signature(p[:l.sigLen])
	return sig == l.sig
}

// mayBecome reports whether content starting with p, shorter than this
// lineage's signature, could still turn out to be this lineage once more
// bytes arrive (a copy being written). Without the prefix bytes (a lineage
// loaded from the positions file) it cannot be ruled out.
func (l *lineage) mayBecome(p []byte) bool {
	if l.sigLen == 0 || len(p) >= l.sigLen {
		return false
	}
	if l.prefix == nil {
		return true
	}
	return bytes.HasPrefix(l.prefix, p)
}

// match finds the lineage that content starting with p (in the file fid)
// is, if any. Among several it prefers the same file, then the longest
// signature, then the newest. When there is none, candidate is a lineage
// whose known first bytes p is the start of (p may be a copy being
// written, or a complete but shorter copy), and unknown says that a
// lineage known only by its signature could still match once p is longer.
// Callers hold r.mu.
func (r *registry) match(p []byte, fid fileID) (exact, candidate *lineage, unknown bool) {
	for _, l := range r.byID {
		switch {
		case l.matchesExactly(p):
			if exact == nil || better(l, exact, fid) {
				exact = l
			}
		case l.mayBecome(p):
			if l.prefix == nil {
				unknown = true
			} else if candidate == nil || better(l, candidate, fid) {
				candidate = l
			}
		}
	}
	return exact, candidate, unknown
}

func better(a, b *lineage, fid fileID) bool {
	if (a.fid == fid) != (b.fid == fid) {
		return a.fid == fid
	}
	if a.sigLen != b.sigLen {
		return a.sigLen > b.sigLen
	}
	return a.seq > b.seq
}

// prune forgets lineages that no carrier is reading and no present file
// has carried since before cutoff. Callers hold r.mu.
func (r *registry) prune(cutoff time.Time) int {
	n := 0
	for id, l := range r.byID {
		if !l.active && l.seen.Before(cutoff) {
			delete(r.byID, id)
			n++
		}
	}
	if n > 0 {
		r.dirty = true
	}
	return n
}

// sortEntries orders entries by path then id, so the saved file is stable.
func sortEntries(es []positions.Entry) {
	sort.Slice(es, func(i, j int) bool {
		if es[i].Path != es[j].Path {
			return es[i].Path < es[j].Path
		}
		return es[i].ID < es[j].ID
	})
}
