package pipeline

import (
	"os"
	"path/filepath"
	"testing"
)

func touch(t *testing.T, dir string, names ...string) {
	t.Helper()
	for _, n := range names {
		if err := os.WriteFile(filepath.Join(dir, n), nil, 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

func TestSelectorNames(t *testing.T) {
	dir := t.TempDir()
	for name, want := range map[string]bool{
		"prod.log": true, "prod.log.1": true, "prod-2024-04-10-1.log.gz": true, "prod_server.json": true,
		"prod_server.json.2": true, "prod_audit.json": true, "gc.log": false, "gc.log.3": false, "prod_deprecation.json": false,
		"prod_index_search_slowlog.json": false, "notes.txt.1": false, ".prod.log.swp": false, "hs_err_pid1.log": false,
	} {
		if got := (Selector{}).Include(dir, name); got != want {
			t.Errorf("Include(%q) = %v, want %v", name, got, want)
		}
	}
}

// ES 8 writes every event to <cluster>.log and <cluster>_server.json: the
// JSON is read, its plain twin (and the twin's rolled copies) is not.
func TestSelectorReadsEachEventOnce(t *testing.T) {
	dir := t.TempDir()
	touch(t, dir, "prod.log", "prod_server.json", "prod-2024-04-10-1.log.gz", "prod-2024-04-10-1.json.gz", "other.log")
	want := map[string]bool{"prod.log": false, "prod-2024-04-10-1.log.gz": false, "prod_server.json": true,
		"prod-2024-04-10-1.json.gz": true, "other.log": true}
	for name, w := range want {
		if got := (Selector{}).Include(dir, name); got != w {
			t.Errorf("Include(%q) = %v, want %v", name, got, w)
		}
	}
}

// A log dir shared by nodes of two clusters: each agent reads its own
// cluster's files, and all of them while its cluster is unknown or has
// none there.
func TestSelectorSharedDirectory(t *testing.T) {
	dir := t.TempDir()
	touch(t, dir, "local.log", "remote.log", "remote_audit.json")
	cluster := ""
	s := Selector{Cluster: func() string { return cluster }}
	check := func(name string, want bool) {
		t.Helper()
		if got := s.Include(dir, name); got != want {
			t.Errorf("cluster %q: Include(%q) = %v, want %v", cluster, name, got, want)
		}
	}
	check("remote.log", true)
	cluster = "local"
	check("local.log", true)
	check("remote.log", false)
	check("remote_audit.json", false)
	cluster = "third" // none of its own: read what is there
	check("remote.log", true)
	check("local.log", true)
}
