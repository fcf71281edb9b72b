package logfiles

import (
	"reflect"
	"testing"
)

func TestFamily(t *testing.T) {
	for _, tc := range []struct {
		name    string
		cluster string
		json    bool
		ok      bool
	}{
		{"prod.log", "prod", false, true},
		{"prod_server.json", "prod", true, true},
		{"prod-2024-05-01-1.log.gz", "prod", false, true},
		{"prod-2024-05-01-12.json.gz", "prod", true, true},
		{"my-prod-cluster.log", "my-prod-cluster", false, true},
		{"my-prod-cluster-2024-05-01-1.log.gz", "my-prod-cluster", false, true},
		{"prod_audit.json", "", false, false},
	} {
		c, js, ok := Family(tc.name)
		if c != tc.cluster || js != tc.json || ok != tc.ok {
			t.Errorf("Family(%q) = %q, %v, %v", tc.name, c, js, ok)
		}
	}
}

func TestDedupePrefersJSON(t *testing.T) {
	in := []string{"/l/prod-2024-05-01-1.log.gz", "/l/prod-2024-05-01-1.json.gz", "/l/prod.log", "/l/prod_server.json", "/l/other.log", "/l/prod_audit.json"}
	want := []string{"/l/prod-2024-05-01-1.json.gz", "/l/prod_server.json", "/l/other.log", "/l/prod_audit.json"}
	if got := Dedupe(in); !reflect.DeepEqual(got, want) {
		t.Errorf("Dedupe = %v", got)
	}
}

func TestIsServerLog(t *testing.T) {
	for name, want := range map[string]bool{
		"prod.log": true, "prod_server.json": true, "prod-2024-05-01-1.json.gz": true, "gc.log": false,
		"prod_deprecation.json": false, "prod_index_search_slowlog.json": false, "hs_err_pid1.log": false, "prod_audit.json": true,
	} {
		if IsServerLog(name) != want {
			t.Errorf("IsServerLog(%q) != %v", name, want)
		}
	}
}
