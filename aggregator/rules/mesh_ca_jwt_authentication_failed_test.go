package rules_test

import (
	"strings"
	"testing"
	"time"

	"github.com/esdoctor/esdoctor/internal/testkit/scenario"
)

// Istio 1.10's serverca wording, the token's audience is wrong.
func TestMeshJWTAudienceOldWording(t *testing.T) {
	w := scenario.New(t)
	c := w.Cluster("search", "es-1@127.0.7.1")
	c.Node("es-1").MeshLog(istiodLog, istiodLine(w.At(time.Minute), "warn", "serverca",
		`Authentication failed for 10.244.1.53:37692: Authenticator ClientCertAuthenticator at index 0 got error: no verified chain is found. Authenticator KubeJWTAuthenticator at index 1 got error: failed to validate the JWT from cluster "cluster1": the service account authentication returns an error: [invalid bearer token, token audiences ["https://kubernetes.default.svc.cluster.local"] is invalid for the target audiences ["istio-ca"]].`))
	ds := w.AnalyzeMesh()
	expectExactly(t, ds, "mesh-ca-jwt-authentication-failed [search] alias= fix=search/es-1")
	if len(ds) == 1 && (!strings.Contains(ds[0].Explanation, "audience") || len(ds[0].Facts["reasons"].([]string)) != 1 || ds[0].Facts["reasons"].([]string)[0] != "audience") {
		t.Errorf("facts %v explanation %s", ds[0].Facts, ds[0].Explanation)
	}
	expectExactly(t, w.Analyze())
}

// The newer shared wording, an expired token; cert-manager istio-csr's
// JSON line with the same JWT text stays silent.
func TestMeshJWTExpiredNewWording(t *testing.T) {
	w := scenario.New(t)
	c := w.Cluster("search", "es-1@127.0.7.1")
	c.Node("es-1").MeshLog(istiodLog, istiodLine(w.At(time.Minute), "error", "ads",
		`Failed to authenticate client from 10.10.4.66:36454: Authenticator ClientCertAuthenticator: no verified chain is found; Authenticator KubeJWTAuthenticator: failed to validate the JWT from cluster "Kubernetes": the service account authentication returns an error: [invalid bearer token, service account token has expired]`)).
		MeshLog(scenario.ContainerLog("cert-manager-istio-csr-5c7d9", "cert-manager", "cert-manager-istio-csr"),
			scenario.CRI("2024-05-01T11:00:00Z", `{"ts":1739555837650.0012,"logger":"grpc-server","caller":"server/auth.go:52","msg":"failed to authenticate request","err":"failed to validate the JWT from cluster \"Kubernetes\": [invalid bearer token]"}`))
	ds := w.AnalyzeMesh()
	expectExactly(t, ds, "mesh-ca-jwt-authentication-failed [search] alias= fix=search/es-1")
	if len(ds) == 1 && !strings.Contains(ds[0].Explanation, "expired service account token") {
		t.Errorf("explanation %s", ds[0].Explanation)
	}
}
