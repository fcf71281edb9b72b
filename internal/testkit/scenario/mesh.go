package scenario

import (
	"context"
	"os"
	"path/filepath"
	"strings"

	"github.com/esdoctor/esdoctor/agent/mesh"
	"github.com/esdoctor/esdoctor/aggregator/analyze"
	"github.com/esdoctor/esdoctor/aggregator/rules"
	"github.com/esdoctor/esdoctor/shared/diagnosis"
)

// meshInputs are the service-mesh pack's files of a node: istiod and
// istio-proxy logs as the node's /var/log/containers holds them, saved
// kubectl objects, saved certificate checks, and the expectation.
type meshInputs struct {
	logs        map[string][]string
	objects     map[string]string
	checks      map[string]string
	trustDomain string
	ca          string
}

func (n *Node) meshIn() *meshInputs {
	if n.mesh == nil {
		n.mesh = &meshInputs{logs: map[string][]string{}, objects: map[string]string{}, checks: map[string]string{}}
	}
	return n.mesh
}

// MeshLog adds lines to a mesh log file of the node (name as in
// /var/log/containers, e.g. ContainerLog("istiod-1", "istio-system",
// "discovery")).
func (n *Node) MeshLog(name string, lines ...string) *Node {
	m := n.meshIn()
	m.logs[name] = append(m.logs[name], lines...)
	return n
}

// MeshObjects adds a saved `kubectl get ... -o yaml` file.
func (n *Node) MeshObjects(name, yaml string) *Node { n.meshIn().objects[name] = yaml; return n }

// MeshCertCheck adds a saved s_client output or XFCC value.
func (n *Node) MeshCertCheck(name, text string) *Node { n.meshIn().checks[name] = text; return n }

// MeshExpect sets the expected trust domain and CA (mesh-ca or istiod).
func (n *Node) MeshExpect(trustDomain, ca string) *Node {
	m := n.meshIn()
	m.trustDomain, m.ca = trustDomain, ca
	return n
}

// ContainerLog is the /var/log/containers name of a container's log.
func ContainerLog(pod, namespace, container string) string {
	return pod + "_" + namespace + "_" + container + "-" + strings.Repeat("0123456789abcdef", 4) + ".log"
}

// CRI wraps a payload in the container runtime's line prefix.
func CRI(ts, payload string) string { return ts + " stderr F " + payload }

func (n *Node) meshDir() string { return filepath.Join(filepath.Dir(n.Conf), "mesh-"+n.Name) }

func (n *Node) buildMesh() {
	if n.mesh == nil {
		return
	}
	t := n.C.W.T
	dir := n.meshDir()
	for _, sub := range []string{"containers", "objects", "checks"} {
		if err := os.MkdirAll(filepath.Join(dir, sub), 0o750); err != nil {
			t.Fatal(err)
		}
	}
	write := func(p, data string) {
		if err := os.WriteFile(p, []byte(data), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	for name, lines := range n.mesh.logs {
		write(filepath.Join(dir, "containers", name), strings.Join(lines, "\n")+"\n")
	}
	for name, y := range n.mesh.objects {
		write(filepath.Join(dir, "objects", name), y)
	}
	for name, c := range n.mesh.checks {
		write(filepath.Join(dir, "checks", name), c)
	}
}

// MeshConfig is the agent's mesh: section for the node (nil without mesh
// inputs: the pack is not configured).
func (n *Node) MeshConfig() *mesh.Config { return n.meshConfig() }

// MeshLogPath is the path of one of the node's mesh log files.
func (n *Node) MeshLogPath(name string) string { return filepath.Join(n.meshDir(), "containers", name) }

func (n *Node) meshConfig() *mesh.Config {
	if n.mesh == nil {
		return nil
	}
	dir := n.meshDir()
	c := &mesh.Config{Enabled: true, TrustDomain: n.mesh.trustDomain, CA: n.mesh.ca,
		Logs: []string{filepath.Join(dir, "containers", "*istiod*"), filepath.Join(dir, "containers", "*istio-proxy*"),
			filepath.Join(dir, "containers", "*.txt")}}
	if len(n.mesh.objects) > 0 {
		c.Objects = []string{filepath.Join(dir, "objects")}
	}
	if len(n.mesh.checks) > 0 {
		c.CertChecks = []string{filepath.Join(dir, "checks", "*")}
	}
	return c
}

// AnalyzeMesh is Analyze with the service-mesh rule pack on (Analyze
// leaves it off, as the aggregator and `analyze` do without --mesh).
func (w *World) AnalyzeMesh() []diagnosis.Diagnosis {
	bs := w.Bundles()
	ds, _ := analyze.Bundles(context.Background(), bs, analyze.Options{Rules: rules.Options{MeshPack: true}})
	w.playLive(bs, rules.Options{MeshPack: true})
	return ds
}
