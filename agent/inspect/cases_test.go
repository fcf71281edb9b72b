package inspect_test

import (
	"encoding/json"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/esdoctor/esdoctor/agent/inspect"
	"github.com/esdoctor/esdoctor/shared/secret"
)

// The example node directories under testdata/nodes/<case> are made once
// by TestGenerateFixtures (-gen) and committed. Each holds config/ (the
// ES_PATH_CONF), usually logs/, and case.json saying how to inspect it.

// fixtureNow is the inspection clock of the golden test: certificates of
// the problems case expire relative to it.
var fixtureNow = time.Date(2026, 11, 2, 9, 0, 0, 0, time.UTC)

// fixtureMTime is the modification time every copied fixture file gets
// (git does not keep mtimes), before the nodes' logged start.
var fixtureMTime = time.Date(2026, 10, 1, 0, 0, 0, 0, time.UTC)

// goldenSiteKey is the fingerprint site key of the golden runs (the
// keyed mode is fast; the unkeyed PBKDF2 mode is covered elsewhere).
const goldenSiteKey = "esdoctor-golden-site-key"

// nodeCase is testdata/nodes/<case>/case.json.
type nodeCase struct {
	Name        string `json:"-"`
	Description string `json:"description"`
	// Hostname stands for the machine's host name (node.name default).
	Hostname string `json:"hostname"`
	// KeystorePasswordFile is relative to the case dir.
	KeystorePasswordFile string `json:"keystore_password_file,omitempty"`
	// ClusterSettings is a saved GET _cluster/settings, relative to the case dir.
	ClusterSettings string `json:"cluster_settings,omitempty"`
	// Env is the environment for ${VAR} in the yml.
	Env map[string]string `json:"env,omitempty"`
	// MTimes overrides fixtureMTime for some files (relative paths).
	MTimes map[string]time.Time `json:"mtimes,omitempty"`
	// CLIGolden marks cases whose output does not depend on the real clock
	// (every certificate valid for decades), compared through the binary
	// in cmd/esdoctor-agent.
	CLIGolden bool `json:"cli_golden"`
}

// caseNames lists the committed cases.
func caseNames(t *testing.T) []string {
	t.Helper()
	ents, err := os.ReadDir(filepath.Join("testdata", "nodes"))
	if err != nil {
		t.Fatalf("no fixtures: %v (generate them with go test ./agent/inspect -run TestGenerateFixtures -gen)", err)
	}
	var out []string
	for _, e := range ents {
		if e.IsDir() {
			out = append(out, e.Name())
		}
	}
	sort.Strings(out)
	return out
}

func readCase(t *testing.T, dir string) nodeCase {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(dir, "case.json"))
	if err != nil {
		t.Fatal(err)
	}
	var c nodeCase
	if err := json.Unmarshal(b, &c); err != nil {
		t.Fatalf("%s/case.json: %v", dir, err)
	}
	c.Name = filepath.Base(dir)
	return c
}

// stageCase copies testdata/nodes/<name> into a temp dir and sets every
// file's mtime (fixtureMTime or the case's override); it returns the copy.
func stageCase(t *testing.T, name string) (string, nodeCase) {
	t.Helper()
	src := filepath.Join("testdata", "nodes", name)
	dst := filepath.Join(t.TempDir(), name)
	copyTree(t, src, dst)
	c := readCase(t, dst)
	setMTimes(t, dst, c.MTimes)
	return dst, c
}

func copyTree(t *testing.T, src, dst string) {
	t.Helper()
	err := filepath.WalkDir(src, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(src, p)
		out := filepath.Join(dst, rel)
		if d.IsDir() {
			return os.MkdirAll(out, 0o755)
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		return os.WriteFile(out, b, 0o644)
	})
	if err != nil {
		t.Fatal(err)
	}
}

func setMTimes(t *testing.T, dir string, over map[string]time.Time) {
	t.Helper()
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		rel, _ := filepath.Rel(dir, p)
		mt := fixtureMTime
		if o, ok := over[filepath.ToSlash(rel)]; ok {
			mt = o
		}
		return os.Chtimes(p, mt, mt)
	})
	if err != nil {
		t.Fatal(err)
	}
}

// caseOptions are the inspect options for a staged case: the fixed clock,
// no process lookup, the logs, the case's password, settings and env.
func caseOptions(t *testing.T, dir string, c nodeCase) inspect.Options {
	t.Helper()
	o := inspect.Options{
		PathConf:       filepath.Join(dir, "config"),
		Hostname:       c.Hostname,
		Now:            func() time.Time { return fixtureNow },
		NoProcess:      true,
		FingerprintKey: []byte(goldenSiteKey),
		LogStart:       inspect.LogStart,
		Location:       time.UTC,
		LookupEnv: func(k string) (string, bool) {
			v, ok := c.Env[k]
			return v, ok
		},
	}
	if st, err := os.Stat(filepath.Join(dir, "logs")); err == nil && st.IsDir() {
		o.PathLogs = filepath.Join(dir, "logs")
	}
	if c.KeystorePasswordFile != "" {
		b, err := os.ReadFile(filepath.Join(dir, c.KeystorePasswordFile))
		if err != nil {
			t.Fatal(err)
		}
		o.KeystorePassword = secret.FromString(strings.TrimRight(string(b), "\r\n"))
	}
	if c.ClusterSettings != "" {
		o.ClusterSettings = filepath.Join(dir, c.ClusterSettings)
	}
	return o
}
