package main

import (
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/esdoctor/esdoctor/internal/testkit/scenario"
	"github.com/esdoctor/esdoctor/shared/event"
)

var update = flag.Bool("update", false, "regenerate testdata/templates.golden.json from aggregator/scenario")

// TestTemplatesGolden regenerates (with -update) the node snapshots and
// symptom records the load generator renames for every simulated agent: a
// healthy guide-003 API-key setup of a 10-node local cluster reaching a
// 10-node remote cluster, collected by the real agent code (inspect, log
// scan) from node directories made by aggregator/scenario. Without -update
// it checks that the file is there and complete.
func TestTemplatesGolden(t *testing.T) {
	if *update {
		tpl := generateTemplates(t)
		b, err := json.MarshalIndent(tpl, "", " ")
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join("testdata", "templates.golden.json"), append(b, '\n'), 0o644); err != nil {
			t.Fatal(err)
		}
		templatesJSON = b // the embedded copy is the old one
	}
	tpl, err := loadTemplates()
	if err != nil {
		t.Fatal(err)
	}
	if len(tpl.Local) != maxClusterSize || len(tpl.Remote) != maxClusterSize {
		t.Errorf("templates hold %d local and %d remote snapshots, want %d each", len(tpl.Local), len(tpl.Remote), maxClusterSize)
	}
	for _, name := range symptomTemplateNames {
		if _, ok := tpl.Symptoms[name]; !ok {
			t.Errorf("no symptom template %q", name)
		}
	}
	for _, s := range append(append([]*event.Snapshot{}, tpl.Local...), tpl.Remote...) {
		if len(s.Problems) > 0 || len(s.Errors) > 0 {
			t.Errorf("template %s/%s is not healthy: problems %v errors %v", s.Cluster, s.Node, s.Problems, s.Errors)
		}
	}
}

// generateTemplates builds the template world and collects it.
func generateTemplates(t *testing.T) *Templates {
	w := scenario.New(t)
	key := scenario.APIKey{ID: tplKeyID, Secret: "CANARY-SECRET-bench-api-key"}
	var ln, rn []string
	for i := 1; i <= maxClusterSize; i++ {
		ln = append(ln, tplLocal+"-"+itoa(i)+"@"+tplLocalNet+itoa(i))
		rn = append(rn, tplRemote+"-"+itoa(i)+"@"+tplRemoteNet+itoa(i))
	}
	local := w.Cluster(tplLocal, ln...)
	remote := w.Cluster(tplRemote, rn...)
	local.TransportTLS()
	remote.TransportTLS().RemoteClusterServer()
	local.Link(remote, tplAlias, key, 9443)
	// Seeds on the first two remote nodes: every simulated cluster has two.
	local.Settings["cluster.remote."+tplAlias+".seeds"] = []string{tplRemoteNet + "1:9443", tplRemoteNet + "2:9443"}
	local.Each(func(n *scenario.Node) { n.Started() })
	remote.Each(func(n *scenario.Node) { n.Started() })

	// The records the load generator repeats, on node 1 of each side.
	l1, r1 := local.Node(tplLocal+"-1"), remote.Node(tplRemote+"-1")
	raddr := tplRemoteNet + "1:9443"
	l1.Log(scenario.ClosedByRemote(w.At(time.Minute), l1.Name, r1.Name, raddr),
		scenario.ConnectFailed(w.At(2*time.Minute), l1.Name, "sniff", tplAlias, raddr),
		scenario.UnableToAuthenticate(w.At(3*time.Minute), l1.Name, "sniff", tplAlias, r1.Name, raddr, tplFaultKey),
		scenario.MissingCredentialsHeader(w.At(4*time.Minute), l1.Name, "sniff", tplAlias, r1.Name, raddr))
	r1.Log(scenario.InvalidCredentials(w.At(3*time.Minute), r1.Name, tplFaultKey))

	tpl := &Templates{Start: w.Start, Generated: time.Now().UTC().Truncate(time.Second), Symptoms: map[string]event.Symptom{}}
	for _, b := range w.Bundles() {
		for _, e := range b.Events {
			// Paths as on a real host, not the test's temp dir.
			raw, err := json.Marshal(e)
			if err != nil {
				t.Fatal(err)
			}
			raw = []byte(strings.ReplaceAll(string(raw), w.Dir, "/srv/es"))
			var c event.Envelope
			if err := json.Unmarshal(raw, &c); err != nil {
				t.Fatal(err)
			}
			switch {
			case c.Snapshot != nil && c.Cluster == tplLocal:
				tpl.Local = append(tpl.Local, c.Snapshot)
			case c.Snapshot != nil:
				tpl.Remote = append(tpl.Remote, c.Snapshot)
			case c.Symptom != nil && (c.Node == l1.Name || c.Node == r1.Name):
				name := symptomTemplateName(c.Symptom)
				if _, dup := tpl.Symptoms[name]; name != "" && !dup {
					tpl.Symptoms[name] = *c.Symptom
				}
			}
		}
	}
	return tpl
}

// symptomTemplateName names a template record by its code (and, for the
// two start lines, which one it is).
func symptomTemplateName(s *event.Symptom) string {
	switch s.Symptom {
	case "node-started":
		if s.Fields["es_version"] != "" {
			return symStartVersion
		}
		return symStarting
	case "publish-address", "closed-by-remote", "connect-exception", "api-key-unable-to-authenticate",
		"missing-cross-cluster-credentials-header", "api-key-invalid-credentials":
		return s.Symptom
	}
	return ""
}
