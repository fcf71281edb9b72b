// Package logfiles tells which files of an Elasticsearch log directory are
// server logs worth scanning: <cluster>.log, <cluster>_server.json, the audit
// log, and their rotated (gzip) copies — not gc, slowlog, deprecation or
// hs_err files.
package logfiles

import (
	"os"
	"path/filepath"
	"sort"
	"strings"
)

// IsServerLog tells whether a file name is an ES server (or audit) log,
// current or rotated.
func IsServerLog(name string) bool {
	n := strings.ToLower(name)
	for _, skip := range []string{"deprecation", "slowlog", "querylog", "gc.log", "hs_err", "jvm.log"} {
		if strings.Contains(n, skip) {
			return false
		}
	}
	n = strings.TrimSuffix(n, ".gz")
	return strings.HasSuffix(n, ".log") || strings.HasSuffix(n, "_server.json") || strings.HasSuffix(n, "_audit.json") ||
		(strings.HasSuffix(strings.ToLower(name), ".json.gz") && !strings.HasSuffix(n, "_deprecation.json"))
}

// ServerLogs lists the server logs in dir, oldest rotated files first and
// the active files last (by modification time, then name).
func ServerLogs(dir string) ([]string, error) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil, err
	}
	type f struct {
		path string
		mod  int64
	}
	var fs []f
	for _, e := range entries {
		if !e.Type().IsRegular() || !IsServerLog(e.Name()) {
			continue
		}
		info, err := e.Info()
		if err != nil {
			continue
		}
		fs = append(fs, f{filepath.Join(dir, e.Name()), info.ModTime().UnixNano()})
	}
	sort.Slice(fs, func(i, j int) bool {
		if fs[i].mod != fs[j].mod {
			return fs[i].mod < fs[j].mod
		}
		return fs[i].path < fs[j].path
	})
	out := make([]string, len(fs))
	for i, x := range fs {
		out[i] = x.path
	}
	return out, nil
}
