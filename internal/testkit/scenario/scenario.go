// Package scenario builds simulated Elasticsearch clusters on disk for tests:
// node directories in the real formats (elasticsearch.yml, a real
// elasticsearch.keystore, PKCS#12/PEM certificates made by the test, server
// logs in ES's plain layout) and runs the real agent code (inspect, log scan,
// collect) and the real aggregator fold and rules over them.
//
// Hosts are 127.x addresses: a node whose yml says network.host: 127.0.0.2
// stands for host 127.0.0.2. Nothing here opens a socket.
package scenario

import (
	"context"
	"encoding/base64"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/esdoctor/esdoctor/agent/collect"
	"github.com/esdoctor/esdoctor/agent/collector/keystore"
	"github.com/esdoctor/esdoctor/agent/inspect"
	"github.com/esdoctor/esdoctor/aggregator/analyze"
	"github.com/esdoctor/esdoctor/aggregator/rules"
	"github.com/esdoctor/esdoctor/internal/testkit/certgen"
	"github.com/esdoctor/esdoctor/internal/testkit/live"
	"github.com/esdoctor/esdoctor/shared/bundle"
	"github.com/esdoctor/esdoctor/shared/diagnosis"
	"github.com/esdoctor/esdoctor/shared/secret"
)

// World is a set of clusters in a temp dir.
type World struct {
	T   testing.TB
	Dir string
	// Start is the time the nodes started (log time, UTC).
	Start    time.Time
	clusters []*Cluster
	// KeystoreVersion is the format written (default 5: fast KDF).
	KeystoreVersion int
	// FingerprintKey is the site key every agent uses.
	FingerprintKey []byte
}

// New returns an empty world.
func New(t testing.TB) *World {
	return &World{T: t, Dir: t.TempDir(), Start: time.Date(2024, 5, 1, 10, 0, 0, 0, time.UTC), KeystoreVersion: 5,
		FingerprintKey: []byte("scenario-site-key")}
}

// Cluster is one simulated cluster.
type Cluster struct {
	W     *World
	Name  string
	Nodes []*Node
	// TransportCA signs transport certificates, RemoteCA the remote cluster
	// server certificates (the guide recommends different CAs).
	TransportCA *certgen.Authority
	RemoteCA    *certgen.Authority
	// Settings is a saved GET _cluster/settings response (persistent),
	// written for every node when not empty.
	Settings map[string]any
}

// Node is one simulated node.
type Node struct {
	C          *Cluster
	Name, Host string
	Conf, Logs string
	yml        []string
	secure     map[string][]byte
	noKeystore bool
	ksPassword string
	logLines   []string
	logFile    string
	files      map[string][]byte
	mtimes     map[string]time.Time
	mesh       *meshInputs // the service-mesh pack's inputs (mesh.go)
}

// Cluster adds a cluster with nodes given as "name@host".
func (w *World) Cluster(name string, nodes ...string) *Cluster {
	c := &Cluster{W: w, Name: name, Settings: map[string]any{}}
	var err error
	if c.TransportCA, err = certgen.NewCA("Elastic Auto Transport CA " + name); err != nil {
		w.T.Fatal(err)
	}
	if c.RemoteCA, err = certgen.NewCA("Elastic Auto RemoteCluster CA " + name); err != nil {
		w.T.Fatal(err)
	}
	for _, spec := range nodes {
		nm, host, _ := strings.Cut(spec, "@")
		n := &Node{C: c, Name: nm, Host: host, secure: map[string][]byte{}, files: map[string][]byte{}, mtimes: map[string]time.Time{}}
		n.Conf = filepath.Join(w.Dir, name, nm, "config")
		n.Logs = filepath.Join(w.Dir, name, nm, "logs")
		n.logFile = name + ".log"
		n.YML("cluster.name: "+name, "node.name: "+nm)
		if host != "" {
			n.YML("network.host: " + host)
		}
		n.Secure("keystore.seed", "CANARY-SECRET-seed-"+nm)
		c.Nodes = append(c.Nodes, n)
	}
	w.clusters = append(w.clusters, c)
	return c
}

// Node returns a node by name.
func (c *Cluster) Node(name string) *Node {
	for _, n := range c.Nodes {
		if n.Name == name {
			return n
		}
	}
	c.W.T.Fatalf("scenario: no node %s in %s", name, c.Name)
	return nil
}

// Each runs f on every node.
func (c *Cluster) Each(f func(n *Node)) *Cluster {
	for _, n := range c.Nodes {
		f(n)
	}
	return c
}

// YML appends lines to the node's elasticsearch.yml. A top-level "key: value"
// line replaces an earlier line with the same key, so setups can be
// re-applied; indented lines are appended as they are.
func (n *Node) YML(lines ...string) *Node {
	for _, l := range lines {
		k, _, ok := strings.Cut(l, ":")
		if ok && !strings.HasPrefix(l, " ") && !strings.HasPrefix(l, "#") && strings.TrimSpace(strings.TrimPrefix(l, k+":")) != "" {
			replaced := false
			for i, old := range n.yml {
				if strings.HasPrefix(old, k+":") {
					n.yml[i], replaced = l, true
					break
				}
			}
			if replaced {
				continue
			}
		}
		n.yml = append(n.yml, l)
	}
	return n
}

// UnsetYML removes top-level lines whose key is key.
func (n *Node) UnsetYML(key string) *Node {
	out := n.yml[:0]
	for _, l := range n.yml {
		if !strings.HasPrefix(l, key+":") {
			out = append(out, l)
		}
	}
	n.yml = out
	return n
}

// Secure adds a keystore entry.
func (n *Node) Secure(name, value string) *Node { n.secure[name] = []byte(value); return n }

// RemoveSecure removes a keystore entry.
func (n *Node) RemoveSecure(name string) *Node { delete(n.secure, name); return n }

// NoKeystore makes the node have no elasticsearch.keystore.
func (n *Node) NoKeystore() *Node { n.noKeystore = true; return n }

// KeystorePassword protects the keystore (the agent is given the password).
func (n *Node) KeystorePassword(pw string) *Node { n.ksPassword = pw; return n }

// File writes a file into the config dir.
func (n *Node) File(rel string, data []byte) *Node { n.files[rel] = data; return n }

// Touch sets the modification time of a config file (relative to the
// config dir; "elasticsearch.yml", "elasticsearch.keystore", a cert) after
// the build.
func (n *Node) Touch(rel string, t time.Time) *Node { n.mtimes[rel] = t; return n }

// Log appends raw log lines (each may hold several physical lines).
func (n *Node) Log(lines ...string) *Node { n.logLines = append(n.logLines, lines...); return n }

// LogFile sets the log file name (default <cluster>.log).
func (n *Node) LogFile(name string) *Node { n.logFile = name; return n }

// At is a log time: the world's start plus d.
func (w *World) At(d time.Duration) time.Time { return w.Start.Add(d) }

// Started logs the node's start lines at the world's start time.
func (n *Node) Started() *Node {
	t := n.C.W.Start
	n.Log(Plain(t, "INFO", "o.e.n.Node", n.Name, "version[8.13.4], pid[4242], build[tar/da95df118650b55a500dcc181889ac35c6d8da7c/2024-05-06T22:04:45.107454559Z], OS[Linux/6.1.0/amd64], JVM[Oracle Corporation/OpenJDK 64-Bit Server VM/21.0.2/21.0.2+13-58]"),
		Plain(t.Add(2*time.Second), "INFO", "o.e.n.Node", n.Name, "starting ..."),
		Plain(t.Add(3*time.Second), "INFO", "o.e.t.TransportService", n.Name, fmt.Sprintf("publish_address {%s:9300}, bound_addresses {%s:9300}", n.Host, n.Host)))
	return n
}

// APIKey is a cross-cluster API key as stored in the keystore.
type APIKey struct{ ID, Secret string }

// Encoded is the "encoded" form (base64 id:secret).
func (k APIKey) Encoded() string {
	return base64.StdEncoding.EncodeToString([]byte(k.ID + ":" + k.Secret))
}

// Build writes every node directory.
func (w *World) Build() {
	for _, c := range w.clusters {
		for _, n := range c.Nodes {
			n.build()
		}
	}
}

func (n *Node) build() {
	t := n.C.W.T
	must := func(err error) {
		if err != nil {
			t.Helper()
			t.Fatal(err)
		}
	}
	must(os.MkdirAll(n.Conf, 0o750))
	must(os.MkdirAll(n.Logs, 0o750))
	must(os.WriteFile(filepath.Join(n.Conf, "elasticsearch.yml"), []byte(strings.Join(n.yml, "\n")+"\n"), 0o660))
	for rel, data := range n.files {
		p := filepath.Join(n.Conf, rel)
		must(os.MkdirAll(filepath.Dir(p), 0o750))
		must(os.WriteFile(p, data, 0o660))
	}
	if !n.noKeystore {
		ks, err := keystore.Encode(n.C.W.KeystoreVersion, n.ksPassword, n.secure)
		must(err)
		must(os.WriteFile(filepath.Join(n.Conf, "elasticsearch.keystore"), ks, 0o660))
	}
	if len(n.C.Settings) > 0 {
		must(os.WriteFile(filepath.Join(n.Conf, "cluster-settings.json"), clusterSettingsJSON(n.C.Settings), 0o600))
	}
	// The configuration was in place before the node started (files
	// written now would look changed since the logged start); Touch
	// overrides it per file.
	before := n.C.W.Start.Add(-time.Hour)
	settle := []string{"elasticsearch.yml", "cluster-settings.json"}
	if !n.noKeystore {
		settle = append(settle, "elasticsearch.keystore")
	}
	for rel := range n.files {
		settle = append(settle, rel)
	}
	for _, rel := range settle {
		if _, err := os.Stat(filepath.Join(n.Conf, rel)); err == nil {
			must(os.Chtimes(filepath.Join(n.Conf, rel), before, before))
		}
	}
	for rel, t := range n.mtimes {
		must(os.Chtimes(filepath.Join(n.Conf, rel), t, t))
	}
	n.buildMesh()
	if len(n.logLines) > 0 {
		var b strings.Builder
		for _, l := range n.logLines {
			b.WriteString(strings.TrimRight(l, "\n"))
			b.WriteByte('\n')
		}
		must(os.WriteFile(filepath.Join(n.Logs, n.logFile), []byte(b.String()), 0o644))
	}
}

// Options returns the inspect options the agent would use for the node.
func (n *Node) Options() inspect.Options {
	o := inspect.Options{PathConf: n.Conf, PathLogs: n.Logs, Hostname: n.Name, NoProcess: true,
		FingerprintKey: n.C.W.FingerprintKey, LogStart: inspect.LogStart}
	if n.ksPassword != "" {
		o.KeystorePassword = secret.FromString(n.ksPassword)
	}
	if len(n.C.Settings) > 0 {
		o.ClusterSettings = filepath.Join(n.Conf, "cluster-settings.json")
	}
	return o
}

// Bundles builds the world and collects one bundle per node.
func (w *World) Bundles() []*bundle.Bundle {
	w.Build()
	var out []*bundle.Bundle
	for _, c := range w.clusters {
		for _, n := range c.Nodes {
			b, err := collect.Collect(context.Background(), collect.Options{Inspect: n.Options(), Location: time.UTC, Agent: "agent-" + n.Name, Mesh: n.meshConfig()})
			if err != nil {
				w.T.Fatalf("collect %s/%s: %v", c.Name, n.Name, err)
			}
			out = append(out, b)
		}
	}
	return out
}

// Analyze builds, collects and runs the rules.
// Every diagnosis that advises a setting is checked: the advice must
// differ from the current value on the nodes it names (no fix is a no-op).
func (w *World) Analyze() []diagnosis.Diagnosis {
	bs := w.Bundles()
	ds, st := analyze.Bundles(context.Background(), bs, analyze.Options{Rules: rules.Options{KeepNoOps: true}})
	w.playLive(bs, rules.Options{})
	nodes := st.Nodes()
	for _, d := range ds {
		if same, noop := rules.NoOpSettings(d.Fix, d.Clusters, nodes); noop {
			w.T.Errorf("%s [%s]: the fix changes nothing: %v already have the advised values %v", d.Code, strings.Join(d.Clusters, ","), same, d.Fix.Settings)
		}
	}
	return ds
}

// playLive plays the world through the running system (live.Check) when
// live plays are on, and compares it with esdoctor analyze over bs.
func (w *World) playLive(bs []*bundle.Bundle, ro rules.Options) {
	if !live.Enabled(w.T) {
		return
	}
	want, _ := analyze.Bundles(context.Background(), bs, analyze.Options{Rules: ro})
	p := live.Play{FingerprintKey: w.FingerprintKey, Rules: ro}
	for _, c := range w.clusters {
		for _, n := range c.Nodes {
			o := n.Options()
			p.Nodes = append(p.Nodes, live.Node{Conf: n.Conf, Logs: n.Logs, ClusterSettings: o.ClusterSettings,
				KeystorePassword: n.ksPassword, Hostname: o.Hostname, Timezone: "UTC", Mesh: n.meshConfig()})
		}
	}
	live.Check(w.T, p, want)
}

// Summary renders diagnoses as "code clusters alias fix-nodes" lines.
func Summary(ds []diagnosis.Diagnosis) []string {
	var out []string
	for _, d := range ds {
		var fix []string
		for _, r := range d.Fix.Nodes {
			fix = append(fix, r.Cluster+"/"+r.Node)
		}
		sort.Strings(fix)
		out = append(out, fmt.Sprintf("%s [%s] alias=%s fix=%s", d.Code, strings.Join(d.Clusters, ","), d.Alias, strings.Join(fix, ",")))
	}
	return out
}

// Rebuild rewrites the node's directory from its current definition (yml,
// keystore, files, cluster settings), as an operator's change would; the
// log file is left alone.
func (n *Node) Rebuild() {
	lines := n.logLines
	n.logLines = nil
	n.build()
	n.logLines = lines
}

// AppendLog appends records to the node's log file, as ES writes them.
func (n *Node) AppendLog(lines ...string) {
	f, err := os.OpenFile(filepath.Join(n.Logs, n.logFile), os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		n.C.W.T.Fatal(err)
	}
	defer f.Close()
	for _, l := range lines {
		if _, err := f.WriteString(strings.TrimRight(l, "\n") + "\n"); err != nil {
			n.C.W.T.Fatal(err)
		}
	}
	n.logLines = append(n.logLines, lines...)
}
