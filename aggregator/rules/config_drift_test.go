package rules_test

import "testing"

func TestDriftVerificationMode(t *testing.T) {
	w, local, _ := healthy(t)
	local.Node("local-2").YML("xpack.security.remote_cluster_client.ssl.verification_mode: certificate")
	expectExactly(t, w.Analyze(), "config-drift [local] alias= fix=local/local-2")
}

// One node holds a different credential for the alias (no failure logged yet).
func TestDriftCredentialValue(t *testing.T) {
	w, local, _ := healthy(t)
	other := key
	other.Secret = "CANARY-SECRET-other"
	local.Node("local-1").Secure("cluster.remote.my.credentials", other.Encoded())
	expectExactly(t, w.Analyze(), "config-drift [local] alias= fix=local/local-1")
}
