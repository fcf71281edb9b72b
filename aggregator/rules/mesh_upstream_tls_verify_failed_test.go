package rules_test

import (
	"testing"
	"time"

	"github.com/esdoctor/esdoctor/internal/testkit/scenario"
)

// The ES sidecar cannot verify the remote cluster's sidecar (two meshes
// with different roots): the access log's UF,URX with
// CERTIFICATE_VERIFY_FAILED, old and new wordings.
func TestMeshUpstreamTLSVerifyFailed(t *testing.T) {
	w := scenario.New(t)
	c := w.Cluster("search", "es-1@127.0.7.1")
	up := "outbound|9443||es-remote.search-dr.svc.cluster.local"
	c.Node("es-1").MeshLog(proxyLog,
		accessLine(w.At(time.Minute), "- - -", 0, "UF,URX", "-", "TLS error: 268435581:SSL routines:OPENSSL_internal:CERTIFICATE_VERIFY_FAILED", "-", "10.8.0.5:9443", up, "10.244.0.12:45678", "10.244.0.12:9443"),
		accessLine(w.At(2*time.Minute), "- - -", 0, "UF,URX", "-", "TLS_error:|268435581:SSL_routines:OPENSSL_internal:CERTIFICATE_VERIFY_FAILED:TLS_error_end", "-", "10.8.0.5:9443", up, "10.244.0.12:45680", "10.244.0.12:9443"))
	ds := w.AnalyzeMesh()
	expectExactly(t, ds, "mesh-upstream-tls-verify-failed [search] alias= fix=search/es-1")
	if len(ds) == 1 && (ds[0].Severity != "error" || ds[0].Facts["upstream_cluster"] != up) {
		t.Errorf("severity %s facts %v", ds[0].Severity, ds[0].Facts)
	}
	expectExactly(t, w.Analyze())
}

// The 503 body a client saw with WRONG_VERSION_NUMBER: a warning with the
// plaintext/TLS explanation; Consul's Envoy control-plane stream error
// stays silent.
func TestMeshUpstreamTLSOtherReason(t *testing.T) {
	w := scenario.New(t)
	c := w.Cluster("search", "es-1@127.0.7.1")
	c.Node("es-1").MeshLog("curl-output.txt",
		"upstream connect error or disconnect/reset before headers. retried and the latest reset reason: remote connection failure, transport failure reason: TLS_error:|268435703:SSL routines:OPENSSL_internal:WRONG_VERSION_NUMBER:TLS_error_end:TLS_error_end",
		"[2023-03-11 09:41:49.044][1][warning][config] [./source/common/config/grpc_stream.h:201] DeltaAggregatedResources gRPC config stream to local_agent closed since 376s ago: 14, upstream connect error or disconnect/reset before headers. reset reason: connection failure, transport failure reason: TLS error: 268436498:SSL routines:OPENSSL_internal:SSLV3_ALERT_BAD_CERTIFICATE")
	ds := w.AnalyzeMesh()
	expectExactly(t, ds, "mesh-upstream-tls-verify-failed [search] alias= fix=search/es-1")
	if len(ds) == 1 && (ds[0].Severity != "warning" || ds[0].Count != 1) {
		t.Errorf("severity %s count %d", ds[0].Severity, ds[0].Count)
	}
}
