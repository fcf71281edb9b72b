package catalog

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"testing"
)

var codeRE = regexp.MustCompile(`^[a-z0-9]+(-[a-z0-9]+)*$`)

func TestEmbeddedCatalogParses(t *testing.T) {
	f, err := Parse(catalogYAML)
	if err != nil {
		t.Fatal(err)
	}
	for _, d := range f.Diagnoses {
		if !codeRE.MatchString(string(d.Code)) {
			t.Errorf("diagnosis code %q is not lower-kebab-case", d.Code)
		}
	}
	for _, s := range f.Symptoms {
		if !codeRE.MatchString(string(s.Code)) {
			t.Errorf("symptom code %q is not lower-kebab-case", s.Code)
		}
	}
	if len(Diagnoses()) < 20 || len(Symptoms()) < 25 {
		t.Errorf("catalog too small: %d diagnoses, %d symptoms", len(Diagnoses()), len(Symptoms()))
	}
}

// codes.gen.go must match catalog.yaml.
func TestGeneratedCodesFresh(t *testing.T) {
	dir := t.TempDir()
	for _, f := range []string{"catalog.yaml", "gen.go"} {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		os.WriteFile(filepath.Join(dir, f), b, 0o644)
	}
	cmd := exec.Command("go", "run", "gen.go")
	cmd.Dir = dir
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Skipf("cannot run the generator here: %v\n%s", err, out)
	}
	got, _ := os.ReadFile(filepath.Join(dir, "codes.gen.go"))
	have, _ := os.ReadFile("codes.gen.go")
	if !bytes.Equal(got, have) {
		t.Fatal("codes.gen.go is stale: run go generate ./shared/catalog")
	}
}

func TestMalformedCatalogs(t *testing.T) {
	for _, in := range []string{
		"diagnoses: [{code: x}]",
		"diagnoses: [{code: a, severity: fatal, title: t, explanation: e, fix: f}]",
		"diagnoses: [{code: a, severity: error, title: t, explanation: e, fix: f}, {code: a, severity: error, title: t, explanation: e, fix: f}]",
		"symptoms: [{code: s}]",
		"{",
	} {
		if _, err := Parse([]byte(in)); err == nil {
			t.Errorf("Parse(%q) gave no error", in)
		}
	}
}
