package rules

import (
	"github.com/esdoctor/esdoctor/aggregator/pairing"
	"github.com/esdoctor/esdoctor/shared/catalog"
	"github.com/esdoctor/esdoctor/shared/event"
)

// NoRemoteIndicesPrivileges: the local user has no remote_indices
// privileges at all for the target cluster.
type NoRemoteIndicesPrivileges struct{}

var _ Rule = NoRemoteIndicesPrivileges{}

func (NoRemoteIndicesPrivileges) Meta() Meta {
	return Meta{Code: catalog.NoRemoteIndicesPrivileges, Description: "local user without remote_indices privileges for the remote cluster",
		Inputs: []event.Kind{event.KindSnapshot, event.KindSymptom}}
}

func (NoRemoteIndicesPrivileges) Evaluate(v *pairing.View, r *Reporter) {
	privilegeFindings(v, r, "no-remote-indices-privileges", catalog.NoRemoteIndicesPrivileges,
		"Grant the local user's role remote_indices privileges for the remote cluster alias (PUT /_security/role/<role> with \"remote_indices\": [{\"clusters\": [\"<alias>\"], \"names\": [...], \"privileges\": [\"read\"]}]).")
}
