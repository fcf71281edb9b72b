package config

import (
	"bytes"
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/esdoctor/esdoctor/shared/event"
	"github.com/esdoctor/esdoctor/shared/secret"
)

var update = flag.Bool("update", false, "rewrite testdata/*.golden.json")

// envFor is the environment each golden case sees.
var envFor = map[string]map[string]string{
	"env.yml": {
		"REGION":      "eu1",
		"NODE":        "es-env-1",
		"SEEDS":       "[127.0.0.1:9300, 127.0.0.2:9300]",
		"HOSTS":       "127.0.0.1,127.0.0.2",
		"LOGS":        "/ignored/because/the/default/wins",
		"REMOTE_HOST": "127.0.0.7",
	},
}

func mapEnv(m map[string]string) func(string) (string, bool) {
	return func(k string) (string, bool) {
		v, ok := m[k]
		return v, ok
	}
}

// goldenView is what a golden file holds for one yml.
type goldenView struct {
	Report    map[string]event.Setting `json:"report"`
	Remotes   []event.Remote           `json:"remotes"`
	Listeners []event.Address          `json:"listeners"`
	SSL       map[string]SSLContext    `json:"ssl"`
	S3Clients []string                 `json:"s3_clients"`
	Overrides []Override               `json:"overrides,omitempty"`
	Warnings  []string                 `json:"warnings,omitempty"`
	Cluster   string                   `json:"cluster_name"`
	Node      string                   `json:"node_name"`
}

func snapshotView(y *YML, cs *ClusterSettings) goldenView {
	v := NewView(y, cs)
	g := goldenView{
		Report: v.Report(), Remotes: v.Remotes(), Listeners: v.Listeners(), SSL: map[string]SSLContext{},
		S3Clients: v.S3Clients(), Cluster: v.ClusterName(), Node: v.NodeName("host-from-test"),
	}
	if y != nil {
		g.Overrides, g.Warnings = y.Overrides, y.Warnings
	}
	for _, p := range SSLContexts {
		g.SSL[p] = v.SSL(p)
	}
	return g
}

func TestGolden(t *testing.T) {
	files, err := filepath.Glob("testdata/*.yml")
	if err != nil || len(files) == 0 {
		t.Fatalf("no testdata: %v", err)
	}
	for _, path := range files {
		name := filepath.Base(path)
		t.Run(name, func(t *testing.T) {
			y, err := Load(path, mapEnv(envFor[name]))
			if err != nil {
				t.Fatalf("Load: %v", err)
			}
			var cs *ClusterSettings
			csPath := strings.TrimSuffix(path, ".yml") + ".cluster_settings.json"
			if data, err := os.ReadFile(csPath); err == nil {
				if cs, err = ParseClusterSettings(data, csPath); err != nil {
					t.Fatalf("ParseClusterSettings: %v", err)
				}
			}
			got, err := json.MarshalIndent(snapshotView(y, cs), "", "  ")
			if err != nil {
				t.Fatal(err)
			}
			got = append(got, '\n')
			if i := secret.FindCanary(got); i >= 0 {
				t.Fatalf("golden output holds a planted secret at byte %d", i)
			}
			golden := strings.TrimSuffix(path, ".yml") + ".golden.json"
			if *update {
				if err := os.WriteFile(golden, got, 0o644); err != nil {
					t.Fatal(err)
				}
				return
			}
			want, err := os.ReadFile(golden)
			if err != nil {
				t.Fatalf("%v (run go test -update to create it)", err)
			}
			if !bytes.Equal(got, want) {
				t.Errorf("%s differs from %s (run go test -update and review the diff):\n%s", name, golden, got)
			}
		})
	}
}
