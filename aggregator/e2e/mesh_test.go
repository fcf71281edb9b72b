package e2e

import (
	"os"
	"strings"
	"testing"
	"time"

	"github.com/esdoctor/esdoctor/aggregator"
	"github.com/esdoctor/esdoctor/aggregator/api"
	"github.com/esdoctor/esdoctor/aggregator/rules"
	"github.com/esdoctor/esdoctor/internal/testkit/scenario"
	"github.com/esdoctor/esdoctor/shared/diagnosis"
	"github.com/esdoctor/esdoctor/shared/natsx/natstest"
)

// A real agent daemon with a mesh: section (an istiod container log as
// the node's /var/log/containers holds it, saved objects) and an aggregator
// with the pack on: the objects' prediction appears at once, and an istiod
// line written while the agent tails the file becomes its diagnosis.
func TestLiveAgentMeshPack(t *testing.T) {
	w := scenario.New(t)
	n := w.Cluster("search", "es-1@127.0.7.1").Node("es-1")
	istiod := scenario.ContainerLog("istiod-7c9f8b6d4-x2x9v", "istio-system", "discovery")
	n.Started().MeshLog(istiod, scenario.CRI("2024-05-01T10:00:00Z", "2024-05-01T10:00:00.000000Z\tinfo\tads\tADS: new connection for node:sidecar~10.244.0.12")).
		MeshObjects("policy.yaml", "apiVersion: security.istio.io/v1beta1\nkind: AuthorizationPolicy\nmetadata:\n  name: deny-authz-ns\n  namespace: authz-ns\nspec: {}\n").
		MeshObjects("ns.yaml", "apiVersion: v1\nkind: Namespace\nmetadata:\n  name: authz-ns\n")
	w.Build()

	url, _ := natstest.RunTestServer(t)
	agg := start(t, aggregator.Options{NATSURL: url, Durable: "mesh-live", Rules: rules.Options{MeshPack: true}})
	startAgentsWith(t, agg, []*scenario.Node{n}, func(cfg *daemonConfig, n *scenario.Node) { cfg.Mesh = *n.MeshConfig() })
	waitDiagnosis(t, agg, "the deny-all prediction", func(ds []diagnosis.Diagnosis) bool {
		return has(ds, "mesh-authorization-policy-not-enforced [search] alias= fix=search/es-1")
	})

	at := time.Now().UTC()
	f, err := os.OpenFile(n.MeshLogPath(istiod), os.O_APPEND|os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	f.WriteString(scenario.CRI(at.Format(time.RFC3339Nano), at.Format("2006-01-02T15:04:05.000000Z")+"\terror\tads\tFailed to authenticate client from 10.244.0.12:36454: Authenticator ClientCertAuthenticator: no verified chain is found; Authenticator KubeJWTAuthenticator: failed to validate the JWT from cluster \"Kubernetes\": the service account authentication returns an error: [invalid bearer token, service account token has expired]") + "\n")
	f.Close()
	ds := waitDiagnosis(t, agg, "the JWT diagnosis", func(ds []diagnosis.Diagnosis) bool {
		return has(ds, "mesh-ca-jwt-authentication-failed [search] alias= fix=search/es-1")
	})
	for _, d := range ds {
		if d.Code == "mesh-ca-jwt-authentication-failed" && !strings.Contains(d.Explanation, "expired") {
			t.Errorf("explanation %s", d.Explanation)
		}
	}

	// An aggregator without the pack on the same stream reports nothing
	// mesh-related.
	off := start(t, aggregator.Options{Durable: "mesh-off", NATSURL: url})
	waitFor(t, 30*time.Second, func() bool {
		return off.Stats().Store.Applied >= agg.Stats().Store.Applied && agg.Stats().Store.Applied > 0
	},
		func() string { return "the second aggregator catching up" })
	time.Sleep(200 * time.Millisecond)
	for _, d := range off.Diagnoses(api.Query{}) {
		if strings.HasPrefix(d.Code, "mesh-") {
			t.Errorf("pack off, yet %s", d.Code)
		}
	}
}
