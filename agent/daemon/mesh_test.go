package daemon

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"go.uber.org/zap"

	"github.com/esdoctor/esdoctor/shared/event"
)

// The mesh: section: relative paths against the config's directory, the
// older logs.mesh switch, a bad CA rejected; with the pack off nothing
// mesh-related is read into the snapshot.
func TestMeshConfigSection(t *testing.T) {
	dir := t.TempDir()
	write := func(body string) string {
		p := filepath.Join(dir, "agent.yml")
		os.WriteFile(p, []byte(body), 0o600)
		return p
	}
	c, err := LoadConfig(write("mesh:\n  logs: ['/var/log/containers/*istiod*', 'saved/istio-proxy.log']\n  objects: [objects/]\n  cert_checks: [checks/s_client.txt]\n  trust_domain: cluster.local\n  ca: istiod\n"))
	if err != nil {
		t.Fatal(err)
	}
	if !c.Mesh.On() || c.Mesh.Logs[0] != "/var/log/containers/*istiod*" || c.Mesh.Logs[1] != filepath.Join(dir, "saved/istio-proxy.log") ||
		c.Mesh.Objects[0] != filepath.Join(dir, "objects") || c.Mesh.CA != "istiod" {
		t.Errorf("mesh section: %+v", c.Mesh)
	}
	if c, err := LoadConfig(write("logs:\n  mesh: true\n")); err != nil || !c.Mesh.On() {
		t.Errorf("logs.mesh: %v %+v", err, c)
	}
	if _, err := LoadConfig(write("mesh:\n  ca: citadel\n")); err == nil || !strings.Contains(err.Error(), "agent.yml") || !strings.Contains(err.Error(), "mesh.ca") {
		t.Errorf("bad ca: %v", err)
	}
	if _, err := LoadConfig(write("mesh:\n  colour: blue\n")); err == nil {
		t.Error("unknown key in mesh: accepted")
	}

	off := testConfig(t)
	a := &Agent{cfg: off}
	var s event.Snapshot
	if files := a.readMesh(&s); files != nil || s.Mesh != nil {
		t.Errorf("pack off: read %v %+v", files, s.Mesh)
	}
	on := testConfig(t)
	os.WriteFile(filepath.Join(dir, "ns.yaml"), []byte("kind: Namespace\nmetadata:\n  name: search\n  labels: {istio-injection: enabled}\n"), 0o600)
	on.Mesh.Objects = []string{filepath.Join(dir, "ns.yaml")}
	a = &Agent{cfg: on, log: zap.NewNop()}
	if files := a.readMesh(&s); len(files) != 1 || s.Mesh == nil || len(s.Mesh.Objects.Namespaces) != 1 {
		t.Errorf("pack on: files %v mesh %+v", files, s.Mesh)
	}
}
