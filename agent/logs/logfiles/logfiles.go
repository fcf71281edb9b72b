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

// Family tells a server log file's cluster and layout family: ES 8 writes
// every event twice, to <cluster>.log (plain) and <cluster>_server.json
// (ECS JSON), and rolls them to <cluster>-<date>-<n>.log.gz / .json.gz.
// json is true for the JSON family. ok is false for other files (audit).
func Family(name string) (cluster string, json bool, ok bool) {
	n := strings.TrimSuffix(name, ".gz")
	switch {
	case strings.HasSuffix(n, "_server.json"):
		return strings.TrimSuffix(n, "_server.json"), true, true
	case strings.HasSuffix(n, "_audit.json"):
		return "", false, false
	case strings.HasSuffix(n, ".json"):
		return rolledCluster(strings.TrimSuffix(n, ".json")), true, true
	case strings.HasSuffix(n, ".log"):
		base := strings.TrimSuffix(n, ".log")
		if c := rolledCluster(base); c != base {
			return c, false, true
		}
		return base, false, true
	}
	return "", false, false
}

// rolledCluster strips "-YYYY-MM-DD-N" (log4j's rolled name) from a base name.
func rolledCluster(base string) string {
	parts := strings.Split(base, "-")
	if len(parts) >= 5 {
		tail := parts[len(parts)-4:]
		if len(tail[0]) == 4 && len(tail[1]) == 2 && len(tail[2]) == 2 && allDigits(tail[0]+tail[1]+tail[2]+tail[3]) {
			return strings.Join(parts[:len(parts)-4], "-")
		}
	}
	return base
}

func allDigits(s string) bool {
	for _, c := range s {
		if c < '0' || c > '9' {
			return false
		}
	}
	return s != ""
}

// Dedupe drops the plain-layout files of a cluster whose ECS JSON family is
// also present, so that an event written to both is read once (the JSON
// carries more: cluster and node names, the exception as a field).
func Dedupe(names []string) []string {
	hasJSON := map[string]bool{}
	for _, n := range names {
		if c, js, ok := Family(filepath.Base(n)); ok && js {
			hasJSON[c] = true
		}
	}
	var out []string
	for _, n := range names {
		if c, js, ok := Family(filepath.Base(n)); ok && !js && hasJSON[c] {
			continue
		}
		out = append(out, n)
	}
	return out
}

// ForCluster keeps the files of one cluster when the directory holds that
// cluster's logs (a log dir shared by two nodes of different clusters);
// when none is recognisably the cluster's, it keeps them all.
func ForCluster(files []string, cluster string) []string {
	if cluster == "" {
		return files
	}
	mine := func(path string) bool {
		name := filepath.Base(path)
		if c, _, ok := Family(name); ok {
			return c == cluster
		}
		return strings.HasPrefix(strings.TrimSuffix(name, ".gz"), cluster+"_audit")
	}
	any := false
	for _, f := range files {
		if mine(f) {
			any = true
			break
		}
	}
	if !any {
		return files
	}
	var out []string
	for _, f := range files {
		if mine(f) {
			out = append(out, f)
		}
	}
	return out
}

// ServerLogs lists the server logs in dir, oldest rotated files first and
// the active files last (by modification time, then name), reading each
// event once (Dedupe).
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
	return Dedupe(out), nil
}
