package rules

import (
	"fmt"
	"github.com/esdoctor/esdoctor/aggregator/pairing"
	"github.com/esdoctor/esdoctor/shared/catalog"
	"github.com/esdoctor/esdoctor/shared/diagnosis"
	"github.com/esdoctor/esdoctor/shared/event"
	"strings"
)

// InsufficientRemotePrivileges: a cross-cluster action unauthorized by the
// intersection of the API key's access and the user's remote_indices.
type InsufficientRemotePrivileges struct{}

var _ Rule = InsufficientRemotePrivileges{}

func (InsufficientRemotePrivileges) Meta() Meta {
	return Meta{Code: catalog.InsufficientRemotePrivileges, Description: "cross-cluster action denied for lack of privileges",
		Inputs: []event.Kind{event.KindSnapshot, event.KindSymptom}}
}

func (InsufficientRemotePrivileges) Evaluate(v *pairing.View, r *Reporter) {
	privilegeFindings(v, r, "remote-indices-unauthorized", catalog.InsufficientRemotePrivileges,
		"Grant the local user remote_indices privileges for the indices, or ask the remote administrator for a cross-cluster API key that covers them.")
}

// privilegeFindings groups privilege symptoms by cluster, user and alias.
func privilegeFindings(v *pairing.View, r *Reporter, code string, c catalog.Code, summary string) {
	type acc struct {
		cluster, remote, alias, user string
		f                            Finding
	}
	accs := map[string]*acc{}
	var order []string
	for _, n := range v.Nodes {
		for _, a := range v.Symptoms(n, code) {
			fl := a.Last.Fields
			alias, remote, cluster := fl["alias"], "", n.Key.Cluster
			// The fulfilling side names the key id: pair it with the querying cluster.
			if id := fl["api_key_id"]; id != "" {
				for _, l := range v.Links() {
					if len(l.KeyIDs[id]) == 0 {
						continue
					}
					if l.Local != n.Key.Cluster {
						cluster, remote, alias = l.Local, n.Key.Cluster, l.Alias // logged by the remote cluster
					} else if alias == "" {
						remote, alias = l.Remote, l.Alias // the response relayed by the querying cluster
					}
				}
			}
			if remote == "" && alias != "" {
				if l := v.Link(cluster, alias); l != nil {
					remote = l.Remote
				}
			}
			k := cluster + "\x00" + alias + "\x00" + fl["user"]
			ac := accs[k]
			if ac == nil {
				ac = &acc{cluster: cluster, remote: remote, alias: alias, user: fl["user"]}
				ac.f = Finding{Code: c, Key: fl["user"], Clusters: clusters(cluster, remote), Alias: alias,
					Facts: map[string]any{"user": fl["user"], "action": fl["action"], "indices": fl["indices"]},
					Fix:   diagnosis.Fix{Summary: summary, Nodes: []diagnosis.NodeRef{}}}
				accs[k] = ac
				order = append(order, k)
			}
			side := diagnosis.SideLocal
			if n.Key.Cluster != cluster {
				side = diagnosis.SideRemote
			}
			ac.f.Evidence = append(ac.f.Evidence, symptomEvidence(side, n, a))
			ac.f.Nodes = append(ac.f.Nodes, ref(n))
		}
	}
	for _, k := range order {
		ac := accs[k]
		privilegeFix(&ac.f, c, ac.alias, ac.user)
		r.Report(ac.f)
	}
}

// privilegeFix names the privileges seed 003 lists: cross-cluster search
// needs read, read_cross_cluster and view_index_metadata on the remote
// indices; cross-cluster replication needs the cross_cluster_replication
// remote index privilege (and manage_ccr on the local cluster). The local
// user's role grants them with remote_indices; the cross-cluster API key
// must cover them too (its "search" / "replication" access).
func privilegeFix(f *Finding, c catalog.Code, alias, user string) {
	action, _ := f.Facts["action"].(string)
	indices, _ := f.Facts["indices"].(string)
	names := "<remote indices>"
	if indices != "" {
		var ns []string
		for _, x := range strings.Split(indices, ",") {
			if _, after, ok := strings.Cut(x, ":"); ok {
				x = after
			}
			ns = append(ns, `"`+x+`"`)
		}
		names = strings.Join(ns, ", ")
	}
	cl := alias
	if cl == "" {
		cl = "<alias>"
	}
	ccr := strings.Contains(action, "/ccr") || strings.Contains(action, "xpack/ccr")
	privs := `"read", "read_cross_cluster", "view_index_metadata"`
	access := `"search": [ { "names": [ ` + names + ` ] } ]`
	cluster := ""
	if ccr {
		privs = `"cross_cluster_replication"`
		access = `"replication": [ { "names": [ ` + names + ` ] } ]`
		cluster = `"cluster": [ "manage_ccr" ], `
	}
	role := fmt.Sprintf(`POST /_security/role/remote-access (local cluster) { %s"remote_indices": [ { "clusters": [ "%s" ], "names": [ %s ], "privileges": [ %s ] } ] }`, cluster, cl, names, privs)
	key := fmt.Sprintf(`POST /_security/cross_cluster/api_key (remote cluster) { "name": "%s-key", "access": { %s } }`, cl, access)
	what := "cross-cluster search"
	if ccr {
		what = "cross-cluster replication"
	}
	if c == catalog.NoRemoteIndicesPrivileges {
		f.Fix.Summary = fmt.Sprintf("Give %s a role with remote_indices privileges [%s] on %s for %s (seed 003), on the local cluster.", orUnknown(user), strings.ReplaceAll(privs, `"`, ""), cl, what)
		f.Fix.Commands = []string{role, "POST /_security/user/" + orUnknown(user) + " (add the role)"}
	} else {
		f.Fix.Summary = fmt.Sprintf("The cross-cluster API key (or %s's remote_indices) does not cover %s. Create a cross-cluster API key on the remote cluster whose %s access names those indices, and give the local user remote_indices privileges [%s] (seed 003).",
			orUnknown(user), names, map[bool]string{true: "replication", false: "search"}[ccr], strings.ReplaceAll(privs, `"`, ""))
		f.Fix.Commands = []string{key, "bin/elasticsearch-keystore add --force cluster.remote." + cl + ".credentials (every local node)", "POST _nodes/reload_secure_settings", role}
	}
}
