package rules_test

import (
	"testing"
	"time"

	"github.com/esdoctor/esdoctor/internal/testkit/scenario"
)

// Persistent: 30 handshake errors over 29 minutes, and the saved injector
// webhook has lost its CA bundle: an error, with the webhook as evidence.
func TestMeshBadCertificatePersistentWithEmptyCABundle(t *testing.T) {
	w := scenario.New(t)
	c := w.Cluster("search", "es-1@127.0.7.1")
	c.Node("es-1").MeshLog(istiodLog, badCertLines(w, time.Hour, 30, time.Minute)...).MeshObjects("webhooks.yaml", injectorWebhook(""))
	ds := w.AnalyzeMesh()
	expectExactly(t, ds, "mesh-istiod-bad-certificate [search] alias= fix=search/es-1")
	if len(ds) == 1 {
		d := ds[0]
		if d.Severity != "error" || d.Count < 30 || d.Facts["persistent"] != true || d.Evidence[len(d.Evidence)-1].Side != "config" {
			t.Errorf("severity %s count %d facts %v evidence %+v", d.Severity, d.Count, d.Facts, d.Evidence)
		}
	}
	// With the pack off nothing mesh-related is reported.
	expectExactly(t, w.Analyze())
}

// Transient: three errors within a minute (an istiod restart) is
// informational; the webhook has its bundle.
func TestMeshBadCertificateTransient(t *testing.T) {
	w := scenario.New(t)
	c := w.Cluster("search", "es-1@127.0.7.1")
	c.Node("es-1").MeshLog(istiodLog, badCertLines(w, time.Hour, 3, 20*time.Second)...).MeshObjects("webhooks.yaml", injectorWebhook("LS0tLS1CRUdJTiBDRVJUSUZJQ0FURS0tLS0tCg=="))
	ds := w.AnalyzeMesh()
	expectExactly(t, ds, "mesh-istiod-bad-certificate [search] alias= fix=search/es-1")
	if len(ds) == 1 && (ds[0].Severity != "info" || ds[0].Facts["persistent"] != false) {
		t.Errorf("transient: severity %s facts %v", ds[0].Severity, ds[0].Facts)
	}
}

// Persistent without objects: a warning.
func TestMeshBadCertificatePersistent(t *testing.T) {
	w := scenario.New(t)
	c := w.Cluster("search", "es-1@127.0.7.1")
	c.Node("es-1").MeshLog(istiodLog, badCertLines(w, time.Hour, 20, time.Minute)...)
	ds := w.AnalyzeMesh()
	expectExactly(t, ds, "mesh-istiod-bad-certificate [search] alias= fix=search/es-1")
	if len(ds) == 1 && ds[0].Severity != "warning" {
		t.Errorf("severity %s", ds[0].Severity)
	}
}

// The objects alone predict it: an empty caBundle.
func TestMeshBadCertificatePredictedFromWebhook(t *testing.T) {
	w := scenario.New(t)
	c := w.Cluster("search", "es-1@127.0.7.1")
	c.Node("es-1").MeshObjects("webhooks.yaml", injectorWebhook(""))
	expectExactly(t, w.AnalyzeMesh(), "mesh-istiod-bad-certificate [search] alias= fix=search/es-1")
}

// Look-alikes stay silent: the same Go error from the Kubernetes API server
// and from a Linkerd controller on the node.
func TestMeshBadCertificateLookAlikes(t *testing.T) {
	w := scenario.New(t)
	c := w.Cluster("search", "es-1@127.0.7.1")
	api := scenario.ContainerLog("kube-apiserver-master", "kube-system", "kube-apiserver")
	c.Node("es-1").MeshLog(api, scenario.CRI("2024-05-01T11:00:00Z", "I0501 11:00:00.000000       1 log.go:245] http: TLS handshake error from 10.0.0.7:51234: remote error: tls: bad certificate")).
		MeshLog("linkerd-tap.txt", "linkerd-tap-84bfb8786d-mlx9p tap 2024/05/01 11:00:00 http: TLS handshake error from 127.0.0.1:34052: remote error: tls: bad certificate")
	expectExactly(t, w.AnalyzeMesh())
}
