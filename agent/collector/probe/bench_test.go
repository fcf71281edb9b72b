package probe_test

import (
	"context"
	"testing"

	"github.com/esdoctor/esdoctor/agent/collector/probe"
	"github.com/esdoctor/esdoctor/agent/inspect"
	"github.com/esdoctor/esdoctor/internal/testkit/certgen"
)

// BenchmarkProbeRun is one full probe run of a node with one remote seed
// (a real TLS server on 127.0.1.2 presenting a certgen ECDSA chain),
// three peers in discovery.seed_hosts (refused) and the kernel facts: what
// the daemon does at start, on a configuration change and every interval.
func BenchmarkProbeRun(b *testing.B) {
	w, n, remote := apiKeyNode(b)
	leaf, err := remote.RemoteCA.Issue("remote-1", certgen.IPs("127.0.1.2"))
	if err != nil {
		b.Fatal(err)
	}
	addr := serveTLS(b, "127.0.1.2", certgen.ServerTLSConfig(leaf))
	n.C.Settings["cluster.remote.my.seeds"] = []string{addr}
	n.YML(`discovery.seed_hosts: ["127.0.2.7", "127.0.2.8", "127.0.2.9"]`)
	w.Build()
	res, err := inspect.Inspect(context.Background(), n.Options())
	if err != nil {
		b.Fatal(err)
	}
	in := probe.FromInspect(res)
	set := probe.New(probe.Options{Spacing: -1})
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		ps := set.Run(context.Background(), in)
		if len(ps) != 8 { // 1 tls + 6 peer tcp + 1 kernel
			b.Fatalf("%d results", len(ps))
		}
	}
}
