package inspect_test

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/esdoctor/esdoctor/agent/inspect"
)

// FuzzInspectNode writes a fuzzed elasticsearch.yml and a fuzzed
// certs/ca.crt into a node (no keystore: its KDF would make every run slow;
// package keystore fuzzes that format) and inspects it: no panic, no
// Inspect error (the config dir is fine), and every errors[] entry names a
// file (absolute, as ssl paths resolve against the config dir) and a cause.
// Seeded from the committed fixtures.
func FuzzInspectNode(f *testing.F) {
	m := material(f)
	for _, name := range []string{"apikey-local", "cert-remote", "problems", "yml-forms"} {
		yml, err := os.ReadFile(filepath.Join("testdata", "nodes", name, "config", "elasticsearch.yml"))
		if err != nil {
			f.Fatal(err)
		}
		f.Add(yml, m.caPEM)
	}
	f.Add([]byte(tableYML), m.p12)
	f.Add([]byte(tableYML+"xpack.security.http.ssl.truststore.path: certs/ca.crt\n"), m.jks)
	f.Add([]byte("a:\n  b:\n    c: ${a.b.d}\n    d: ${a.b.c}\n"), m.nodePEM[:40])
	f.Fuzz(func(t *testing.T, yml, cert []byte) {
		n := newTableNode(t)
		n.write("config/elasticsearch.yml", yml)
		n.write("config/certs/ca.crt", cert)
		n.ownKS = true
		res, err := inspect.Inspect(context.Background(), n.opts)
		if err != nil {
			t.Fatalf("Inspect: %v", err)
		}
		for _, e := range res.Snapshot.Errors {
			if !filepath.IsAbs(e.File) {
				t.Errorf("error names %q, not an absolute file name", e.File)
			}
			if e.Error == "" {
				t.Errorf("error for %s has no cause", e.File)
			}
		}
	})
}
