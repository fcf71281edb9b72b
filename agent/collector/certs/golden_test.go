package certs

import (
	"bytes"
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/esdoctor/esdoctor/shared/event"
	"github.com/esdoctor/esdoctor/shared/secret"
)

var update = flag.Bool("update", false, "rewrite testdata/golden/*.golden.json")

func loadFixtures(t testing.TB) []fixture {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", "fixtures.json"))
	if err != nil {
		t.Fatal(err)
	}
	var fx []fixture
	if err := json.Unmarshal(b, &fx); err != nil {
		t.Fatal(err)
	}
	if len(fx) == 0 {
		t.Fatal("no fixtures")
	}
	return fx
}

// loadFixture runs Load the way the inspector will: the format from the
// setting and the type, the password from the keystore entry.
func loadFixture(f fixture) (*Opened, error) {
	return Load(f.Setting, f.Path, InferFormat(f.Setting, f.Path, f.Type), secret.FromString(f.Password), f.PasswordSource)
}

// stable drops what depends on the checkout (the file's mtime).
func stable(f event.CertFile) event.CertFile {
	f.ModTime = time.Time{}
	return f
}

func TestLoadGolden(t *testing.T) {
	for _, f := range loadFixtures(t) {
		t.Run(f.Name, func(t *testing.T) {
			o, err := loadFixture(f)
			if err != nil {
				t.Fatalf("Load: %v", err)
			}
			if o.File.ModTime.IsZero() {
				t.Error("ModTime not set")
			}
			got, err := json.MarshalIndent(stable(o.File), "", "  ")
			if err != nil {
				t.Fatal(err)
			}
			got = append(got, '\n')
			golden := filepath.Join("testdata", "golden", f.Name+".golden.json")
			if *update {
				if err := os.MkdirAll(filepath.Dir(golden), 0o755); err != nil {
					t.Fatal(err)
				}
				if err := os.WriteFile(golden, got, 0o644); err != nil {
					t.Fatal(err)
				}
				return
			}
			want, err := os.ReadFile(golden)
			if err != nil {
				t.Fatalf("%v (run with -update to create it)", err)
			}
			if !bytes.Equal(got, want) {
				t.Errorf("Load(%s) differs from %s:\n--- got\n%s\n--- want\n%s", f.Path, golden, got, want)
			}
		})
	}
}
