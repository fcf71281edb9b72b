package pipeline

import (
	"os"
	"path/filepath"
	"strings"

	"github.com/esdoctor/esdoctor/agent/logs/logfiles"
)

// Selector is the one rule for which files of a log directory are
// followed (the daemon and `scan --follow` both use it):
//
//   - Elasticsearch server and audit logs, current and rotated (.gz), and
//     the numbered plain copies logrotate's copytruncate makes (x.log.1);
//     not gc, slowlog, deprecation or hs_err files, not hidden files;
//   - each event once: when a cluster's ECS JSON file (<cluster>_server.json)
//     is in the directory, its plain twin (<cluster>.log and its rolled
//     copies) is skipped;
//   - a directory shared by nodes of several clusters: when Cluster names
//     this node's cluster and the directory holds files of that cluster,
//     the other clusters' files are skipped.
type Selector struct {
	// Cluster returns the node's cluster name, "" while unknown. Optional.
	Cluster func() string
}

// Include reports whether the file name in dir is followed (the signature
// of follow.Options.Include).
func (s Selector) Include(dir, name string) bool {
	if strings.HasPrefix(name, ".") {
		return false
	}
	base := name
	if i := strings.LastIndexByte(name, '.'); i > 0 && i < len(name)-1 && strings.Trim(name[i+1:], "0123456789") == "" {
		base = name[:i] // logrotate's numbered copies (x.log.1)
	}
	if !logfiles.IsServerLog(base) {
		return false
	}
	if c, js, ok := logfiles.Family(base); ok && !js {
		if _, err := os.Stat(filepath.Join(dir, c+"_server.json")); err == nil {
			return false
		}
	}
	if s.Cluster == nil {
		return true
	}
	cluster := s.Cluster()
	if cluster == "" || belongsTo(base, cluster) {
		return true
	}
	if _, _, ok := logfiles.Family(base); !ok && !strings.Contains(base, "_audit") {
		return true
	}
	// Another cluster's file: only when this cluster has none of its own
	// in the directory.
	ents, err := os.ReadDir(dir)
	if err != nil {
		return true
	}
	for _, e := range ents {
		if belongsTo(e.Name(), cluster) {
			return false
		}
	}
	return true
}

// belongsTo tells whether a server log file name is cluster's.
func belongsTo(name, cluster string) bool {
	if c, _, ok := logfiles.Family(name); ok {
		return c == cluster
	}
	return strings.HasPrefix(strings.TrimSuffix(name, ".gz"), cluster+"_audit")
}
