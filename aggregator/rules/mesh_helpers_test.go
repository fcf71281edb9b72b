package rules_test

import (
	"fmt"
	"strings"
	"time"

	"github.com/esdoctor/esdoctor/internal/testkit/scenario"
)

// Service-mesh pack scenarios: an Elasticsearch cluster whose nodes run
// behind Istio sidecars; the node's agent reads the node's istiod and
// istio-proxy container logs (CRI files) and saved kubectl objects.

var (
	istiodLog = scenario.ContainerLog("istiod-7c9f8b6d4-x2x9v", "istio-system", "discovery")
	proxyLog  = scenario.ContainerLog("es-data-0", "search", "istio-proxy")
)

// istiodLine is one istiod line (Istio's layout) in the CRI file.
func istiodLine(at time.Time, level, scope, msg string) string {
	ts := at.UTC().Format("2006-01-02T15:04:05.000000Z")
	p := ts + "\t" + level + "\t"
	if scope != "" {
		p += scope + "\t"
	}
	return scenario.CRI(at.UTC().Format(time.RFC3339Nano), p+msg)
}

func badCertLines(w *scenario.World, from time.Duration, n int, every time.Duration) []string {
	var out []string
	for i := 0; i < n; i++ {
		out = append(out, istiodLine(w.At(from+time.Duration(i)*every), "info", "", fmt.Sprintf("http: TLS handshake error from 10.128.0.%d:%d: remote error: tls: bad certificate", 2+i%2, 40000+i)))
	}
	return out
}

// accessLine is an Envoy access log entry in Istio's default format.
func accessLine(at time.Time, req string, code int, flags, details, failure, authority, upstreamHost, cluster, local, remote string) string {
	ts := at.UTC().Format("2006-01-02T15:04:05.000Z")
	return scenario.CRI(at.UTC().Format(time.RFC3339Nano), fmt.Sprintf(`[%s] "%s" %d %s %s - "%s" 0 0 1 - "-" "curl/8.5.0" "8f5c0b1e-2a5d-4c1e-9d3a-0c7e5b9e1f00" "%s" "%s" %s - %s %s - -`,
		ts, req, code, flags, details, failure, authority, upstreamHost, cluster, local, remote))
}

func injectorWebhook(caBundle string) string {
	return strings.ReplaceAll(`apiVersion: admissionregistration.k8s.io/v1
kind: MutatingWebhookConfiguration
metadata:
  name: istio-sidecar-injector
  labels:
    app: sidecar-injector
webhooks:
- name: rev.namespace.sidecar-injector.istio.io
  admissionReviewVersions: ["v1"]
  clientConfig:
    caBundle: "CA"
    service:
      name: istiod
      namespace: istio-system
      path: /inject
      port: 443
`, "CA", caBundle)
}

const meshNamespaces = `apiVersion: v1
kind: List
items:
- apiVersion: v1
  kind: Namespace
  metadata:
    name: search
    labels:
      istio-injection: enabled
      kubernetes.io/metadata.name: search
- apiVersion: v1
  kind: Namespace
  metadata:
    name: clients
    labels:
      kubernetes.io/metadata.name: clients
- apiVersion: v1
  kind: Namespace
  metadata:
    name: kube-system
`

const strictMeshWide = `apiVersion: security.istio.io/v1beta1
kind: PeerAuthentication
metadata:
  name: default
  namespace: istio-system
spec:
  mtls:
    mode: STRICT
`
