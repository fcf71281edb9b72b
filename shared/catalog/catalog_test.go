package catalog

import (
	"bytes"
	"github.com/esdoctor/esdoctor/shared/catalog/internal/codegen"
	"os"
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

// codes.gen.go must match catalog.yaml: the generator runs in process
// (internal/codegen), so this test cannot be skipped.
func TestGeneratedCodesFresh(t *testing.T) {
	src, err := os.ReadFile("catalog.yaml")
	if err != nil {
		t.Fatal(err)
	}
	want, err := codegen.Generate(src)
	if err != nil {
		t.Fatal(err)
	}
	have, err := os.ReadFile("codes.gen.go")
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(want, have) {
		t.Fatal("codes.gen.go is stale: run go generate ./shared/catalog")
	}
}

// The freshness check fails when it should: a catalog with one more code
// generates a different file.
func TestGeneratedCodesFreshCanFail(t *testing.T) {
	src, _ := os.ReadFile("catalog.yaml")
	extra := bytes.Replace(src, []byte("\nsymptoms:\n"), []byte("\nsymptoms:\n  - code: brand-new-symptom\n    description: x\n"), 1)
	got, err := codegen.Generate(extra)
	if err != nil {
		t.Fatal(err)
	}
	have, _ := os.ReadFile("codes.gen.go")
	if bytes.Equal(got, have) || !bytes.Contains(got, []byte(`SymBrandNewSymptom`)) {
		t.Fatal("a changed catalog generated the committed file")
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
