package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/esdoctor/esdoctor/shared/bundle"
)

// collect reads the mesh pack's inputs only when asked: without --mesh*
// the bundle has no mesh data even with mesh logs beside the node.
func TestCollectMeshInputs(t *testing.T) {
	conf := minimalNode(t)
	dir := t.TempDir()
	logf := filepath.Join(dir, "istiod-1_istio-system_discovery-"+strings.Repeat("ab", 32)+".log")
	os.WriteFile(logf, []byte("2024-05-01T10:00:00Z stderr F 2024-05-01T10:00:00.000000Z\terror\tklog\thttp: TLS handshake error from 10.1.2.3:45678: remote error: tls: bad certificate\n"), 0o600)
	objs := filepath.Join(dir, "objects")
	os.MkdirAll(objs, 0o750)
	os.WriteFile(filepath.Join(objs, "webhook.yaml"), []byte("kind: MutatingWebhookConfiguration\nmetadata:\n  name: istio-sidecar-injector\nwebhooks:\n- name: w\n  clientConfig:\n    caBundle: \"\"\n"), 0o600)
	os.WriteFile(filepath.Join(objs, "broken.yaml"), []byte("kind: [\n"), 0o600)
	read := func(args ...string) *bundle.Bundle {
		t.Helper()
		out := filepath.Join(t.TempDir(), "b.bundle")
		r := runAgent(t, nil, append([]string{"collect", "--path-conf", conf, "-o", out, "--format", "json"}, args...)...)
		if r.code != 0 {
			t.Fatalf("collect %v: %s", args, r)
		}
		b, err := bundle.Read(out)
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	off := read()
	for _, e := range off.Events {
		if e.Snapshot != nil && e.Snapshot.Mesh != nil || e.Symptom != nil && strings.HasPrefix(e.Symptom.Symptom, "mesh-") {
			t.Errorf("pack off, yet mesh data: %+v", e)
		}
	}
	on := read("--mesh-logs", filepath.Join(dir, "*istiod*"), "--mesh-objects", objs, "--mesh-trust-domain", "cluster.local", "--mesh-ca", "istiod")
	var mesh, symptoms int
	for _, e := range on.Events {
		if e.Snapshot != nil && e.Snapshot.Mesh != nil {
			m := e.Snapshot.Mesh
			if len(m.Objects.MutatingWebhooks) != 1 || m.TrustDomain != "cluster.local" || m.CA != "istiod" {
				t.Errorf("mesh %+v", m)
			}
			mesh++
		}
		if e.Symptom != nil && e.Symptom.Symptom == "mesh-bad-certificate" {
			symptoms++
		}
	}
	if mesh != 1 || symptoms != 1 {
		t.Errorf("mesh snapshots %d, mesh symptoms %d", mesh, symptoms)
	}
	broken := false
	for _, e := range on.Errors {
		broken = broken || strings.Contains(e.Error, "broken.yaml")
	}
	if !broken {
		t.Errorf("the unreadable objects file is not listed: %+v", on.Errors)
	}
	if r := runAgent(t, nil, "collect", "--path-conf", conf, "-o", filepath.Join(dir, "x"), "--mesh", "--mesh-ca", "citadel"); r.code != 2 || !strings.Contains(string(r.stderr), "mesh.ca") {
		t.Errorf("bad --mesh-ca: %s", r)
	}
}
