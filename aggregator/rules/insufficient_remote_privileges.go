package rules

import (
	"github.com/esdoctor/esdoctor/aggregator/pairing"
	"github.com/esdoctor/esdoctor/shared/catalog"
	"github.com/esdoctor/esdoctor/shared/diagnosis"
	"github.com/esdoctor/esdoctor/shared/event"
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
		r.Report(accs[k].f)
	}
}
