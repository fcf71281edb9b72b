// Package acceptance_test is an independent acceptance suite for the
// diagnosis rules: two-cluster scenarios written the way an outside tester
// would write them — node directories built by hand (elasticsearch.yml in
// several styles, a real keystore, PKCS#12/PEM certificates, server logs in
// the plain, ECS JSON and 7.x JSON layouts), collected by the real agent
// code into bundles, written to disk and read back, and analysed by the
// real aggregator rules. Every test states the expected diagnoses as
// "code [clusters] alias=A fix=cluster/node,...": the code, the clusters,
// the alias and the exact set of nodes the fix names.
package acceptance_test

import (
	"bytes"
	"compress/gzip"
	"context"
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
	"github.com/esdoctor/esdoctor/shared/bundle"
	"github.com/esdoctor/esdoctor/shared/diagnosis"
	"github.com/esdoctor/esdoctor/shared/secret"
)

// machine is the host name every agent sees: the suite stands for agents
// run with `esdoctor-agent collect` on one test machine.
const machine = "ci-runner"

// site is a set of node directories in a temp dir.
type site struct {
	t     *testing.T
	dir   string
	nodes []*node
	// fpKey is the site key file every agent is given (--fingerprint-key-file).
	fpKey []byte
	built bool
}

func newSite(t *testing.T) *site {
	t.Helper()
	return &site{t: t, dir: t.TempDir(), fpKey: []byte("acceptance-site-key")}
}

// node is one Elasticsearch node directory (config + logs).
type node struct {
	s             *site
	cluster, name string
	// hostname is what os.Hostname() returns on the node's machine.
	hostname string
	// yml holds elasticsearch.yml as top-level blocks (a block may span
	// several lines: nested maps).
	yml    []string
	secure map[string]string
	// ksPassword protects the keystore; agentPassword is what the agent is
	// given (nil: the same).
	ksPassword    string
	agentPassword *string
	// rawKeystore replaces the encoded keystore (corrupt files).
	rawKeystore []byte
	noKeystore  bool
	files       map[string][]byte
	// settings is a saved GET _cluster/settings response ("" = none given).
	settings string
	// layout of the server logs: "plain", "ecs", "json7" or "both" (ES 8
	// writes <cluster>.log and <cluster>_server.json side by side).
	layout  string
	records []rec
	mtimes  map[string]time.Time
	// extraLogs are files written as is into the log dir.
	extraLogs  map[string]string
	conf, logs string
}

// node adds a node; its yml starts with cluster.name and node.name.
func (s *site) node(cluster, name string) *node {
	n := &node{s: s, cluster: cluster, name: name, hostname: machine, secure: map[string]string{"keystore.seed": "CANARY-SECRET-seed-" + name},
		files: map[string][]byte{}, mtimes: map[string]time.Time{}, extraLogs: map[string]string{}, layout: "plain"}
	n.conf = filepath.Join(s.dir, cluster, name, "config")
	n.logs = filepath.Join(s.dir, cluster, name, "logs")
	n.set("cluster.name", cluster).set("node.name", name)
	s.nodes = append(s.nodes, n)
	return n
}

// find returns a node by cluster and name.
func (s *site) find(cluster, name string) *node {
	for _, n := range s.nodes {
		if n.cluster == cluster && n.name == name {
			return n
		}
	}
	s.t.Fatalf("no node %s/%s", cluster, name)
	return nil
}

// set puts a flat "key: value" line, replacing an earlier one.
func (n *node) set(key, value string) *node {
	line := key + ": " + value
	for i, l := range n.yml {
		if strings.HasPrefix(l, key+":") && !strings.Contains(l, "\n") {
			n.yml[i] = line
			return n
		}
	}
	n.yml = append(n.yml, line)
	return n
}

// unset removes a flat key line.
func (n *node) unset(key string) *node {
	out := n.yml[:0]
	for _, l := range n.yml {
		if !(strings.HasPrefix(l, key+":") && !strings.Contains(l, "\n")) {
			out = append(out, l)
		}
	}
	n.yml = out
	return n
}

// block appends raw yml text (nested maps, comments).
func (n *node) block(text string) *node {
	n.yml = append(n.yml, strings.TrimRight(text, "\n"))
	return n
}

// ymlText renders elasticsearch.yml.
func (n *node) ymlText() string { return strings.Join(n.yml, "\n") + "\n" }

// log appends records to the node's server log.
func (n *node) log(rs ...rec) *node { n.records = append(n.records, rs...); return n }

func (s *site) build() {
	if s.built {
		return
	}
	s.built = true
	for _, n := range s.nodes {
		n.build()
	}
}

func (n *node) build() {
	t := n.s.t
	t.Helper()
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	must(os.MkdirAll(n.conf, 0o750))
	must(os.MkdirAll(n.logs, 0o750))
	must(os.WriteFile(filepath.Join(n.conf, "elasticsearch.yml"), []byte(n.ymlText()), 0o660))
	for rel, data := range n.files {
		p := filepath.Join(n.conf, rel)
		must(os.MkdirAll(filepath.Dir(p), 0o750))
		must(os.WriteFile(p, data, 0o660))
	}
	switch {
	case n.rawKeystore != nil:
		must(os.WriteFile(filepath.Join(n.conf, "elasticsearch.keystore"), n.rawKeystore, 0o660))
	case !n.noKeystore:
		entries := map[string][]byte{}
		for k, v := range n.secure {
			entries[k] = []byte(v)
		}
		ks, err := keystore.Encode(5, n.ksPassword, entries)
		must(err)
		must(os.WriteFile(filepath.Join(n.conf, "elasticsearch.keystore"), ks, 0o660))
	}
	if n.settings != "" {
		// Saved next to the node dir, as an operator would (not in the config dir).
		must(os.WriteFile(n.settingsPath(), []byte(n.settings), 0o600))
	}
	if len(n.records) > 0 {
		layouts := []string{n.layout}
		if n.layout == "both" {
			layouts = []string{"plain", "ecs"}
		}
		for _, l := range layouts {
			var b strings.Builder
			for _, r := range n.records {
				b.WriteString(r.render(l, n.cluster, n.name))
				b.WriteByte('\n')
			}
			must(os.WriteFile(filepath.Join(n.logs, logFileName(l, n.cluster)), []byte(b.String()), 0o644))
		}
	}
	for name, text := range n.extraLogs {
		must(os.WriteFile(filepath.Join(n.logs, name), []byte(text), 0o644))
	}
	for rel, mt := range n.mtimes {
		must(os.Chtimes(filepath.Join(n.conf, rel), mt, mt))
	}
}

func (n *node) settingsPath() string {
	return filepath.Join(filepath.Dir(n.conf), "cluster-settings.json")
}

func logFileName(layout, cluster string) string {
	if layout == "plain" {
		return cluster + ".log"
	}
	return cluster + "_server.json"
}

// options are the inspect options `esdoctor-agent collect` builds from its
// flags: --path-conf, --path-logs, --cluster-settings,
// --keystore-password-file, --fingerprint-key-file (no node or cluster
// override, the machine's host name and time zone).
func (n *node) options() inspect.Options {
	o := inspect.Options{PathConf: n.conf, PathLogs: n.logs, Hostname: n.hostname, FingerprintKey: n.s.fpKey, LogStart: inspect.LogStart}
	if n.settings != "" {
		o.ClusterSettings = n.settingsPath()
	}
	pw := n.ksPassword
	if n.agentPassword != nil {
		pw = *n.agentPassword
	}
	if pw != "" {
		o.KeystorePassword = secret.FromString(pw)
	}
	return o
}

// analyze builds the site, collects one bundle per node, writes and reads
// the bundles back, and runs the rules as `esdoctor analyze` does.
func (s *site) analyze() []diagnosis.Diagnosis {
	s.t.Helper()
	s.build()
	ctx := context.Background()
	var bs []*bundle.Bundle
	for i, n := range s.nodes {
		b, err := collect.Collect(ctx, collect.Options{Inspect: n.options(), Agent: "esdoctor-agent@" + n.name})
		if err != nil {
			s.t.Fatalf("collect %s/%s: %v", n.cluster, n.name, err)
		}
		path := filepath.Join(s.dir, fmt.Sprintf("bundle-%02d-%s-%s.json.gz", i, n.cluster, n.name))
		if err := bundle.Write(path, b); err != nil {
			s.t.Fatal(err)
		}
		rb, err := bundle.Read(path)
		if err != nil {
			s.t.Fatal(err)
		}
		bs = append(bs, rb)
	}
	s.playLive(collectOpts{}, nil, bs)
	ds, _ := analyze.Bundles(ctx, bs, analyze.Options{})
	return ds
}

// line renders a diagnosis as "code [clusters] alias=A fix=c/n,...".
func line(d diagnosis.Diagnosis) string {
	var fix []string
	for _, r := range d.Fix.Nodes {
		fix = append(fix, r.Cluster+"/"+r.Node)
	}
	sort.Strings(fix)
	return fmt.Sprintf("%s [%s] alias=%s fix=%s", d.Code, strings.Join(d.Clusters, ","), d.Alias, strings.Join(fix, ","))
}

// expect checks the diagnoses exactly (order-insensitive) and returns them.
func expect(t *testing.T, ds []diagnosis.Diagnosis, want ...string) []diagnosis.Diagnosis {
	t.Helper()
	var got []string
	for _, d := range ds {
		got = append(got, line(d))
	}
	sort.Strings(got)
	w := append([]string(nil), want...)
	sort.Strings(w)
	if strings.Join(got, "\n") != strings.Join(w, "\n") {
		t.Errorf("diagnoses:\n  got:\n    %s\n  want:\n    %s", strings.Join(got, "\n    "), strings.Join(w, "\n    "))
		dump(t, ds)
	}
	return ds
}

// dump logs the diagnoses with their evidence.
func dump(t *testing.T, ds []diagnosis.Diagnosis) {
	t.Helper()
	for _, d := range ds {
		t.Logf("%s: %s | facts %v | fix %s", line(d), d.Explanation, d.Facts, d.Fix.Summary)
		for _, e := range d.Evidence {
			t.Logf("    [%s %s/%s] %.220s", e.Side, e.Cluster, e.Node, e.Text)
		}
	}
}

// find returns the first diagnosis with the code.
func find(ds []diagnosis.Diagnosis, code string) *diagnosis.Diagnosis {
	for i := range ds {
		if ds[i].Code == code {
			return &ds[i]
		}
	}
	return nil
}

// sides reports which evidence sides (and nodes) a diagnosis carries.
func sides(d *diagnosis.Diagnosis) map[string]bool {
	out := map[string]bool{}
	if d == nil {
		return out
	}
	for _, e := range d.Evidence {
		out[e.Side] = true
		out[e.Side+":"+e.Cluster+"/"+e.Node] = true
	}
	return out
}

func readFile(t *testing.T, path string) []byte {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func replaceOnce(s, old, new string) string { return strings.Replace(s, old, new, 1) }

// gz compresses text as log4j's rollover does.
func gz(t *testing.T, text string) string {
	t.Helper()
	var b bytes.Buffer
	w := gzip.NewWriter(&b)
	if _, err := w.Write([]byte(text)); err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return b.String()
}
