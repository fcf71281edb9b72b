package main

import (
	"bytes"
	"encoding/json"
	"flag"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/esdoctor/esdoctor/shared/secret"
)

var updateGolden = flag.Bool("update", false, "rewrite testdata/inspect/*.golden.* from the current output")

// The example node directories are agent/inspect's fixtures (made once by
// its TestGenerateFixtures); the cases marked cli_golden do not depend on
// the real clock, so the binary's output is compared with
// testdata/inspect/<case>.golden.{json,txt} after normalising the
// inspection time and the temp dir.
const nodeFixtures = "../../agent/inspect/testdata/nodes"

// fixtureCase is the part of agent/inspect's case.json the CLI needs.
type fixtureCase struct {
	KeystorePasswordFile string               `json:"keystore_password_file"`
	ClusterSettings      string               `json:"cluster_settings"`
	Env                  map[string]string    `json:"env"`
	MTimes               map[string]time.Time `json:"mtimes"`
	CLIGolden            bool                 `json:"cli_golden"`
}

// fixtureMTime is agent/inspect's fixtureMTime: every staged file gets it.
var fixtureMTime = time.Date(2026, 10, 20, 10, 0, 0, 0, time.UTC)

// stageFixture copies one fixture node into a temp dir with fixed mtimes.
func stageFixture(t *testing.T, name string) (string, fixtureCase) {
	t.Helper()
	src := filepath.Join(nodeFixtures, name)
	dst := filepath.Join(t.TempDir(), name)
	var c fixtureCase
	b, err := os.ReadFile(filepath.Join(src, "case.json"))
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(b, &c); err != nil {
		t.Fatal(err)
	}
	err = filepath.WalkDir(src, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(src, p)
		out := filepath.Join(dst, rel)
		if d.IsDir() {
			return os.MkdirAll(out, 0o755)
		}
		data, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		if err := os.WriteFile(out, data, 0o644); err != nil {
			return err
		}
		mt := fixtureMTime
		if o, ok := c.MTimes[filepath.ToSlash(rel)]; ok {
			mt = o
		}
		return os.Chtimes(out, mt, mt)
	})
	if err != nil {
		t.Fatal(err)
	}
	return dst, c
}

// fixtureNames lists the fixture nodes.
func fixtureNames(t *testing.T) []string {
	t.Helper()
	ents, err := os.ReadDir(nodeFixtures)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, e := range ents {
		if e.IsDir() {
			out = append(out, e.Name())
		}
	}
	return out
}

// fixtureArgs are the inspect flags for a staged fixture, with the site key
// file written beside it.
func fixtureArgs(t *testing.T, dir string, c fixtureCase) ([]string, []string) {
	t.Helper()
	keyFile := filepath.Join(t.TempDir(), "site.key")
	if err := os.WriteFile(keyFile, []byte("esdoctor-golden-site-key\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	args := []string{"--path-conf", filepath.Join(dir, "config"), "--fingerprint-key-file", keyFile}
	if _, err := os.Stat(filepath.Join(dir, "logs")); err == nil {
		args = append(args, "--path-logs", filepath.Join(dir, "logs"))
	}
	if c.KeystorePasswordFile != "" {
		args = append(args, "--keystore-password-file", filepath.Join(dir, c.KeystorePasswordFile))
	}
	if c.ClusterSettings != "" {
		args = append(args, "--cluster-settings", filepath.Join(dir, c.ClusterSettings))
	}
	var env []string
	for k, v := range c.Env {
		env = append(env, k+"="+v)
	}
	return args, env
}

var inspectedAtRE = regexp.MustCompile(`"inspected_at": "[^"]*"`)

func TestInspectGoldenCLI(t *testing.T) {
	n := 0
	var marked []string
	for _, name := range fixtureNames(t) {
		dir, c := stageFixture(t, name)
		if !c.CLIGolden {
			continue
		}
		n++
		marked = append(marked, name)
		t.Run(name, func(t *testing.T) {
			args, env := fixtureArgs(t, dir, c)
			for _, format := range []string{"json", "text"} {
				r := runAgent(t, env, append([]string{"inspect", "--format", format}, args...)...)
				if r.code != 0 {
					t.Fatalf("%s: %s", format, r)
				}
				if len(r.stderr) != 0 {
					t.Errorf("%s: stderr on a healthy node: %s", format, r.stderr)
				}
				got := bytes.ReplaceAll(r.stdout, []byte(dir), []byte("$NODE"))
				got = inspectedAtRE.ReplaceAll(got, []byte(`"inspected_at": "<now>"`))
				if i := secret.FindCanary(got); i >= 0 {
					t.Fatalf("%s: planted secret in the output at %d", format, i)
				}
				ext := map[string]string{"json": ".golden.json", "text": ".golden.txt"}[format]
				compareCLIGolden(t, filepath.Join("testdata", "inspect", name+ext), got)
			}
		})
	}
	if n == 0 {
		t.Fatal("no fixture is marked cli_golden")
	}
	goldens, _ := filepath.Glob(filepath.Join("testdata", "inspect", "*.golden.*"))
	for _, g := range goldens {
		name := strings.SplitN(filepath.Base(g), ".golden.", 2)[0]
		if !slices.Contains(marked, name) {
			t.Errorf("%s has no cli_golden fixture: remove it", g)
		}
	}
}

func compareCLIGolden(t *testing.T, path string, got []byte) {
	t.Helper()
	if *updateGolden {
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("golden file missing: %v (read the output, then accept it with -update)", err)
	}
	if !bytes.Equal(got, want) {
		gl, wl := strings.Split(string(got), "\n"), strings.Split(string(want), "\n")
		for i := 0; i < len(gl) || i < len(wl); i++ {
			var g, w string
			if i < len(gl) {
				g = gl[i]
			}
			if i < len(wl) {
				w = wl[i]
			}
			if g != w {
				t.Errorf("%s differs (-update to accept) at line %d:\n  - %s\n  + %s", path, i+1, w, g)
				return
			}
		}
	}
}
