package config

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func seedFiles(f *testing.F, pattern string) {
	files, _ := filepath.Glob(pattern)
	for _, p := range files {
		if data, err := os.ReadFile(p); err == nil {
			f.Add(data)
		}
	}
}

// FuzzParseYML: never panic, every error names the file, secret keys never
// carry their value outside SecretValue, and the view over any parsed file
// works.
func FuzzParseYML(f *testing.F) {
	seedFiles(f, "testdata/*.yml")
	for _, tc := range malformedYML {
		if len(tc.in) < 4096 {
			f.Add([]byte(tc.in))
		}
	}
	f.Add([]byte("a: ${b:${c}}\nb.password: x\nc: ${b.password}\n"))
	env := mapEnv(map[string]string{"A": "[x, y]", "B": "k: v\nk2: v2", "C": "${A}"})
	f.Fuzz(func(t *testing.T, data []byte) {
		y, err := Parse(data, "fuzz.yml", env)
		if err != nil {
			if !strings.HasPrefix(err.Error(), "config fuzz.yml: ") {
				t.Fatalf("error without the file name: %v", err)
			}
			return
		}
		for k, v := range y.Values {
			if (IsSecretKey(k) || v.Secret) && (v.Scalar != "" || v.List != nil || !v.Secret) {
				t.Fatalf("secret key %s holds a value: %+v", k, v)
			}
		}
		view := NewView(y, nil)
		if _, err := json.Marshal(view.Report()); err != nil {
			t.Fatal(err)
		}
		view.Remotes()
		view.Listeners()
		for _, p := range SSLContexts {
			view.SSL(p)
		}
	})
}

// FuzzParseClusterSettings: never panic, errors name the file, a parsed
// response works as a view layer.
func FuzzParseClusterSettings(f *testing.F) {
	seedFiles(f, "testdata/*.json")
	for _, tc := range malformedClusterSettings {
		if len(tc.in) < 4096 {
			f.Add([]byte(tc.in))
		}
	}
	f.Add([]byte(`{"persistent":{"cluster":{"remote":{"a":{"seeds":["127.0.0.1:9443"],"mode":"proxy","proxy_address":"x:1"}}}},"transient":{"cluster.remote.a.credentials":"k"}}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		cs, err := ParseClusterSettings(data, "fuzz.json")
		if err != nil {
			if !strings.HasPrefix(err.Error(), "cluster settings fuzz.json: ") {
				t.Fatalf("error without the file name: %v", err)
			}
			return
		}
		for _, layer := range []map[string]Value{cs.Persistent, cs.Transient} {
			for k, v := range layer {
				if IsSecretKey(k) && (v.Scalar != "" || v.List != nil) {
					t.Fatalf("secret key %s holds a value", k)
				}
			}
		}
		v := NewView(nil, cs)
		v.Report()
		v.Remotes()
		v.Listeners()
	})
}
