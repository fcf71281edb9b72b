package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/esdoctor/esdoctor/shared/event"
)

// minimalNode writes a config dir with a yml and a broken keystore: a node
// that inspects with one error listed.
func minimalNode(t *testing.T) string {
	t.Helper()
	conf := filepath.Join(t.TempDir(), "config")
	if err := os.MkdirAll(conf, 0o755); err != nil {
		t.Fatal(err)
	}
	yml := "cluster.name: exit-codes\nnode.name: node-1\nnetwork.host: 127.0.0.2\n"
	if err := os.WriteFile(filepath.Join(conf, "elasticsearch.yml"), []byte(yml), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(conf, "elasticsearch.keystore"), []byte("not a keystore"), 0o644); err != nil {
		t.Fatal(err)
	}
	return conf
}

// TestInspectExitCodes: 0 when the snapshot was written (even with errors
// listed), 2 with one line on stderr for usage errors and an unusable
// config dir.
func TestInspectExitCodes(t *testing.T) {
	conf := minimalNode(t)
	file := filepath.Join(conf, "elasticsearch.yml")
	usage := []struct {
		name string
		env  []string
		args []string
		want string // on stderr
	}{
		{"missing --path-conf", nil, []string{"inspect"}, "--path-conf is required"},
		{"nonexistent config dir", nil, []string{"inspect", "--path-conf", filepath.Join(conf, "nope")}, "no such file or directory"},
		{"file as --path-conf", nil, []string{"inspect", "--path-conf", file}, "not a directory"},
		{"--format xml", nil, []string{"inspect", "--path-conf", conf, "--format", "xml"}, `--format must be text or json, not "xml"`},
		{"unknown flag", nil, []string{"inspect", "--path-conf", conf, "--bogus"}, "flag provided but not defined: -bogus"},
		{"positional argument", nil, []string{"inspect", "--path-conf", conf, "extra"}, `unexpected argument "extra"`},
		{"missing password file", nil, []string{"inspect", "--path-conf", conf, "--keystore-password-file", filepath.Join(conf, "nope")}, "--keystore-password-file"},
		{"missing fingerprint key file", nil, []string{"inspect", "--path-conf", conf, "--fingerprint-key-file", filepath.Join(conf, "nope")}, "--fingerprint-key-file"},
		{"ES_PATH_CONF nonexistent", []string{"ES_PATH_CONF=" + filepath.Join(conf, "nope")}, []string{"inspect"}, "no such file or directory"},
		{"unknown command", nil, []string{"nope"}, `unknown command "nope"`},
	}
	for _, c := range usage {
		t.Run(c.name, func(t *testing.T) {
			r := runAgent(t, c.env, c.args...)
			if r.code != 2 {
				t.Fatalf("want exit 2, got %s", r)
			}
			if lines := strings.Split(strings.TrimSuffix(string(r.stderr), "\n"), "\n"); len(lines) != 1 || !strings.HasSuffix(string(r.stderr), "\n") {
				t.Errorf("want one line on stderr, got %d:\n%s", len(lines), r.stderr)
			}
			if !strings.Contains(string(r.stderr), c.want) {
				t.Errorf("stderr %q does not say %q", r.stderr, c.want)
			}
			if !strings.HasPrefix(string(r.stderr), "esdoctor-agent") {
				t.Errorf("stderr %q does not name the program", r.stderr)
			}
			if len(r.stdout) != 0 {
				t.Errorf("stdout on a usage error: %q", r.stdout)
			}
		})
	}

	t.Run("--help", func(t *testing.T) {
		for _, args := range [][]string{{"inspect", "--help"}, {"inspect", "-h"}, {"--help"}, {"collect", "--help"}} {
			r := runAgent(t, nil, args...)
			if r.code != 0 || !strings.Contains(string(r.stdout), "Usage") || len(r.stderr) != 0 {
				t.Errorf("%v: want exit 0 and usage on stdout, got %s", args, r)
			}
		}
		r := runAgent(t, nil, "inspect", "--help")
		for _, flag := range []string{"-path-conf", "-path-logs", "-keystore-password-file", "-fingerprint-key-file", "-cluster-settings", "-cluster", "-node", "-format"} {
			if !strings.Contains(string(r.stdout), flag) {
				t.Errorf("inspect --help does not list %s", flag)
			}
		}
	})

	t.Run("errors listed, exit 0", func(t *testing.T) {
		r := runAgent(t, nil, "inspect", "--path-conf", conf, "--format", "json")
		if r.code != 0 {
			t.Fatalf("want exit 0, got %s", r)
		}
		var s event.Snapshot
		if err := json.Unmarshal(r.stdout, &s); err != nil {
			t.Fatalf("stdout is not a snapshot: %v\n%s", err, r)
		}
		if s.Cluster != "exit-codes" || s.Node != "node-1" || len(s.Errors) != 1 || !strings.Contains(s.Errors[0].File, "elasticsearch.keystore") {
			t.Errorf("snapshot: cluster %q node %q errors %+v", s.Cluster, s.Node, s.Errors)
		}
		r = runAgent(t, nil, "inspect", "--path-conf", conf, "--format", "text")
		if r.code != 0 || !strings.Contains(string(r.stdout), "errors: 1") || !strings.Contains(string(r.stdout), "node node-1 of cluster exit-codes") {
			t.Errorf("text: %s", r)
		}
	})

	t.Run("ES_PATH_CONF and overrides", func(t *testing.T) {
		r := runAgent(t, []string{"ES_PATH_CONF=" + conf}, "inspect", "--format", "json", "--cluster", "other", "--node", "n9")
		var s event.Snapshot
		if r.code != 0 || json.Unmarshal(r.stdout, &s) != nil || s.Cluster != "other" || s.Node != "n9" {
			t.Errorf("want exit 0 with overrides applied, got %s", r)
		}
	})

	t.Run("default format is json off a terminal", func(t *testing.T) {
		r := runAgent(t, nil, "inspect", "--path-conf", conf)
		var s event.Snapshot
		if r.code != 0 || json.Unmarshal(r.stdout, &s) != nil {
			t.Errorf("want JSON on a pipe, got %s", r)
		}
	})
}

// TestCollectExitCodes: collect shares inspect's node flags and exit codes.
func TestCollectExitCodes(t *testing.T) {
	conf := minimalNode(t)
	out := filepath.Join(t.TempDir(), "node.bundle")
	for _, c := range []struct {
		name string
		args []string
		want string
	}{
		{"missing -o", []string{"collect", "--path-conf", conf}, "-o BUNDLE is required"},
		{"missing --path-conf", []string{"collect", "-o", out}, "--path-conf is required"},
		{"nonexistent config dir", []string{"collect", "--path-conf", filepath.Join(conf, "nope"), "-o", out}, "no such file or directory"},
		{"--format xml", []string{"collect", "--path-conf", conf, "-o", out, "--format", "xml"}, "--format must be text or json"},
	} {
		t.Run(c.name, func(t *testing.T) {
			r := runAgent(t, nil, c.args...)
			if r.code != 2 || strings.Count(string(r.stderr), "\n") != 1 || !strings.Contains(string(r.stderr), c.want) {
				t.Errorf("want exit 2 and one stderr line with %q, got %s", c.want, r)
			}
		})
	}
	r := runAgent(t, nil, "collect", "--path-conf", conf, "-o", out, "--format", "json")
	if r.code != 0 {
		t.Fatalf("collect: %s", r)
	}
	if st, err := os.Stat(out); err != nil || st.Size() == 0 {
		t.Errorf("no bundle written: %v", err)
	}
}
