package rules

import "github.com/esdoctor/esdoctor/shared/catalog"

// All returns every rule, one per catalog code, in catalog order.
func All() []Rule {
	return []Rule{
		RemoteUnreachable{},
		RemoteServerDisabled{},
		RemoteServerBoundToLoopback{},
		ConnectionUnreliable{},
		TLSUntrustedCA{},
		TLSHostnameMismatch{},
		TLSCertificateExpired{},
		SSLReloadFailed{},
		TransportPortInsteadOfRemoteClusterPort{},
		MissingCrossClusterCredentials{},
		RestAPIKeyInsteadOfCrossCluster{},
		InvalidAPIKey{},
		InsufficientRemotePrivileges{},
		NoRemoteIndicesPrivileges{},
		APIKeyPrerequisites{},
		ConfigChangedSinceStart{},
		ConfigDrift{},
		S3StaleKeystoreCredentials{},
		NodePortUnreachable{},
		MeshIstiodBadCertificate{},
		MeshIstiodCannotListResource{},
		MeshCAJwtAuthenticationFailed{},
		MeshPlaintextRefusedByStrictMTLS{},
		MeshRBACAccessDenied{},
		MeshAuthorizationPolicyNotEnforced{},
		MeshMTLSRootMismatch{},
		MeshUpstreamTLSVerifyFailed{},
		KeystoreUnreadable{},
		AgentSilent{},
	}
}

// Held lists catalog codes whose evidence comes only from collectors that
// are optional (probes) or packs that are off by default; their rules exist
// but need those inputs.
var Held = map[catalog.Code]string{
	catalog.NodePortUnreachable: "probe-only: needs the agent's TCP probes",
}
