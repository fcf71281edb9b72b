package rules_test

import (
	"strings"
	"testing"
	"time"

	"github.com/esdoctor/esdoctor/internal/testkit/scenario"
)

func TestNoRemoteIndicesPrivileges(t *testing.T) {
	w, local, _ := healthy(t)
	local.Node("local-1").Log(scenario.NoRemoteIndices(w.At(time.Hour), "local-1", "my", "foo"))
	ds := w.Analyze()
	expectExactly(t, ds, "no-remote-indices-privileges [local,remote] alias=my fix=")
}

// The privilege failure only in the ES audit log (local_audit.json): the
// querying side's access_denied on an "alias:index" expression. The fix
// lists seed 003's search privileges.
func TestNoRemoteIndicesPrivilegesFromAuditLog(t *testing.T) {
	w, local, _ := healthy(t)
	local.Node("local-2").LogFile("local_audit.json").Log(
		`{"type":"audit", "timestamp":"2024-05-01T11:00:00,000+0000", "cluster.name":"local", "node.name":"local-2", "event.type":"transport", "event.action":"access_denied", "authentication.type":"REALM", "user.name":"foo", "user.realm":"default_native", "user.roles":["foo-role"], "origin.type":"rest", "origin.address":"127.0.0.9:52434", "request.id":"yKOgWxZ6TKqxu8vU4Kj0Iw", "action":"indices:data/read/search", "request.name":"SearchRequest", "indices":["my:logs-*"]}`)
	ds := w.Analyze()
	expectExactly(t, ds, "no-remote-indices-privileges [local,remote] alias=my fix=")
	if len(ds) == 1 {
		all := ds[0].Fix.Summary + strings.Join(ds[0].Fix.Commands, "\n")
		for _, p := range []string{"read", "read_cross_cluster", "view_index_metadata", `"logs-*"`} {
			if !strings.Contains(all, p) {
				t.Errorf("fix lacks %s: %s", p, all)
			}
		}
	}
}

// The fulfilling side's audit log: the cross-cluster API key does not cover
// a CCR follow; the fix asks for a key with replication access and the
// cross_cluster_replication remote index privilege.
func TestInsufficientRemotePrivilegesFromAuditLogCCR(t *testing.T) {
	w, _, remote := healthy(t)
	remote.Node("remote-1").LogFile("remote_audit.json").Log(
		`{"type":"audit", "timestamp":"2024-05-01T11:00:00,000+0000", "cluster.name":"remote", "node.name":"remote-1", "event.type":"transport", "event.action":"access_denied", "authentication.type":"API_KEY", "user.name":"foo", "user.realm":"_es_cross_cluster_access", "cross_cluster_access":{"authentication":{"user":{"name":"foo"}}}, "apikey.id":"` + key.ID + `", "apikey.name":"cc", "origin.type":"transport", "origin.address":"127.0.0.2:55532", "action":"indices:data/read/xpack/ccr/shard_changes", "request.name":"Request", "indices":["leader-index"]}`)
	ds := w.Analyze()
	expectExactly(t, ds, "insufficient-remote-privileges [local,remote] alias=my fix=")
	if len(ds) == 1 {
		all := ds[0].Fix.Summary + strings.Join(ds[0].Fix.Commands, "\n")
		for _, p := range []string{"cross_cluster_replication", `"replication"`, "manage_ccr", `"leader-index"`} {
			if !strings.Contains(all, p) {
				t.Errorf("fix lacks %s: %s", p, all)
			}
		}
	}
}
