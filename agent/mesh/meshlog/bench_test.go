package meshlog

import (
	"bytes"
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/esdoctor/esdoctor/shared/event"
)

// proxyLog is n lines of an istio-proxy CRI file: access log entries, one
// in 1000 a 403 RBAC denial.
func proxyLog(n int) []byte {
	var b bytes.Buffer
	for i := 0; i < n; i++ {
		code, details := 200, "via_upstream"
		if i%1000 == 999 {
			code, details = 403, "rbac_access_denied_matched_policy[ns[search]-policy[deny-all]-rule[0]]"
		}
		fmt.Fprintf(&b, `2024-05-01T10:00:00.%09dZ stdout F [2024-05-01T10:00:00.000Z] "GET /_search HTTP/1.1" %d - %s - "-" 0 19 3 2 "-" "curl/8.5.0" "8f5c0b1e-2a5d-4c1e-9d3a-%012d" "es.search:9200" "10.244.0.12:9200" inbound|9200|| 127.0.0.6:40123 10.244.0.12:9200 10.244.0.9:52344 outbound_.9200_._.es.search.svc.cluster.local default`+"\n",
			i%1000000000, code, details, i)
	}
	return b.Bytes()
}

// BenchmarkScanProxyLog: MB/s of an istio-proxy access log through the
// pack, repeats folded as scan does (wall time of one goroutine; go test
// -bench ScanProxyLog).
func BenchmarkScanProxyLog(b *testing.B) {
	data := proxyLog(20000)
	name := "/var/log/containers/es-0_search_istio-proxy-0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef.log"
	b.SetBytes(int64(len(data)))
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		got := map[string]int{}
		if err := Scan(context.Background(), bytes.NewReader(data), name, 10*time.Minute, func(s event.Symptom) { got[s.Symptom] += s.Count }); err != nil {
			b.Fatal(err)
		}
		if got["mesh-rbac-denied"] != 20 || got["mesh-request-allowed"] != 19980 {
			b.Fatalf("symptoms %v", got)
		}
	}
}
