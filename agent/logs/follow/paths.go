package follow

import (
	"os"
	"path/filepath"
	"sort"
	"strings"
)

func hasMeta(p string) bool { return strings.ContainsAny(p, `*?[\`) }

// expand returns the candidate files of the configured paths (cleaned,
// deduplicated, not necessarily existing) and the directories to watch.
func (f *Follower) expand() (files, dirs []string) {
	seenF, seenD := map[string]bool{}, map[string]bool{}
	addF := func(p string) {
		if p = filepath.Clean(p); !seenF[p] {
			seenF[p] = true
			files = append(files, p)
		}
	}
	addD := func(p string) {
		if p = filepath.Clean(p); !seenD[p] {
			seenD[p] = true
			dirs = append(dirs, p)
		}
	}
	for _, p := range f.opts.Paths {
		if hasMeta(p) {
			matches, _ := filepath.Glob(p) // the pattern was validated by New
			for _, m := range matches {
				addF(m)
			}
			d := filepath.Dir(p)
			if hasMeta(d) {
				ds, _ := filepath.Glob(d)
				for _, x := range ds {
					if st, err := os.Stat(x); err == nil && st.IsDir() {
						addD(x)
					}
				}
			} else {
				addD(d)
			}
			continue
		}
		st, err := os.Stat(p)
		if err == nil && st.IsDir() {
			addD(p)
			ents, err := os.ReadDir(p)
			if err != nil {
				f.warnOnce(p, "cannot list directory; will retry", err)
			}
			for _, e := range ents {
				if f.opts.Include(p, e.Name()) {
					addF(filepath.Join(p, e.Name()))
				}
			}
			continue
		}
		addF(p)
		addD(filepath.Dir(p))
	}
	sort.Strings(files)
	return files, dirs
}

// candidate reports whether path (from a directory event) is one of the
// files the configured paths select.
func (f *Follower) candidate(path string) bool {
	path = filepath.Clean(path)
	for _, p := range f.opts.Paths {
		if hasMeta(p) {
			if ok, _ := filepath.Match(p, path); ok {
				return true
			}
			continue
		}
		cp := filepath.Clean(p)
		if cp == path {
			return true
		}
		if filepath.Dir(path) == cp && f.opts.Include(cp, filepath.Base(path)) {
			return true
		}
	}
	return false
}
