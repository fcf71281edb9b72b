package main

import (
	"bytes"
	"compress/gzip"
	"encoding/json"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/esdoctor/esdoctor/shared/cli"
	"github.com/esdoctor/esdoctor/shared/event"
)

func runScanArgs(args ...string) (int, string, string) {
	var out, errb bytes.Buffer
	env := &cli.Env{Stdout: &out, Stderr: &errb, Prog: "esdoctor-agent scan"}
	code := runScan(env, args)
	return code, out.String(), errb.String()
}

func decodeLines(t *testing.T, s string) []event.Symptom {
	t.Helper()
	var out []event.Symptom
	for _, l := range strings.Split(strings.TrimSpace(s), "\n") {
		if l == "" {
			continue
		}
		var e event.Symptom
		if err := json.Unmarshal([]byte(l), &e); err != nil {
			t.Fatalf("bad JSON line %q: %v", l, err)
		}
		out = append(out, e)
	}
	return out
}

func TestScanJSON(t *testing.T) {
	code, out, errs := runScanArgs("--format", "json", "--tz", "UTC", "testdata/connect-exception--01.log")
	if code != 0 || errs != "" {
		t.Fatalf("exit %d, stderr %q", code, errs)
	}
	ss := decodeLines(t, out)
	if len(ss) != 1 || ss[0].Symptom != "connect-exception" || ss[0].Fields["address"] != "127.0.0.1:9301" || ss[0].Count != 1 {
		t.Fatalf("got %+v", ss)
	}
	if got := ss[0].Time.UTC().Format("2006-01-02T15:04:05.000"); got != "2024-04-10T16:39:21.495" {
		t.Errorf("time %s", got)
	}
	// --tz moves the plain-layout time.
	_, out, _ = runScanArgs("--format", "json", "--tz", "Europe/Paris", "testdata/connect-exception--01.log")
	if ss := decodeLines(t, out); ss[0].Time.UTC().Hour() != 14 {
		t.Errorf("Europe/Paris time %v", ss[0].Time.UTC())
	}
}

func TestScanText(t *testing.T) {
	code, out, _ := runScanArgs("--format", "text", "testdata/node-started--03.log")
	if code != 0 || !strings.Contains(out, "node-started") || !strings.Contains(out, "node=elasticsearch") || strings.Count(out, "\n") != 1 {
		t.Fatalf("exit %d, out %q", code, out)
	}
}

func TestScanDirectory(t *testing.T) {
	dir := t.TempDir()
	src, _ := os.ReadFile("testdata/connect-exception--01.log")
	var z bytes.Buffer
	zw := gzip.NewWriter(&z)
	zw.Write(src)
	zw.Close()
	files := map[string][]byte{
		"prod.log": src, "prod_server.json": nil, "prod-2024-01-01-1.log.gz": z.Bytes(), "prod-2024-01-01-2.json.gz": nil,
		"prod_deprecation.json": src, "prod_index_search_slowlog.json": src, "gc.log": src, "notes.txt": src, "prod_audit.json": nil,
	}
	for name, data := range files {
		os.WriteFile(filepath.Join(dir, name), data, 0o644)
	}
	got, errs := expandPaths([]string{dir}, false)
	if len(errs) != 0 {
		t.Fatal(errs)
	}
	var names []string
	for _, g := range got {
		names = append(names, filepath.Base(g))
	}
	sort.Strings(names)
	want := []string{"prod-2024-01-01-1.log.gz", "prod-2024-01-01-2.json.gz", "prod.log", "prod_audit.json", "prod_server.json"}
	if strings.Join(names, ",") != strings.Join(want, ",") {
		t.Errorf("files %v, want %v", names, want)
	}
	code, out, _ := runScanArgs("--format", "json", dir)
	if ss := decodeLines(t, out); code != 0 || len(ss) != 2 {
		t.Errorf("exit %d, %d symptoms", code, len(ss))
	}
}

func TestScanErrors(t *testing.T) {
	code, out, errs := runScanArgs("--format", "json", "does/not/exist.log", "testdata/connect-exception--01.log")
	if code != 2 || !strings.Contains(errs, "does/not/exist.log") || strings.Count(errs, "\n") != 1 {
		t.Errorf("missing path: exit %d, stderr %q", code, errs)
	}
	if len(decodeLines(t, out)) != 1 {
		t.Errorf("the readable path was not scanned: %q", out)
	}
	for _, args := range [][]string{{}, {"--tz", "Mars/Olympus", "x"}, {"--format", "xml", "x"}, {"--window", "-1s", "x"},
		{"--positions", "p.yml", "x"}} {
		code, _, errs := runScanArgs(args...)
		if code != 2 || strings.Count(errs, "\n") != 1 {
			t.Errorf("%v: exit %d, stderr %q", args, code, errs)
		}
	}
	if code, out, _ := runScanArgs("--help"); code != 0 || !strings.Contains(out, "--window") {
		t.Errorf("--help: exit %d, %q", code, out)
	}
}
