package main

import (
	"encoding/json"
	"net"
	"strings"
	"testing"

	"github.com/esdoctor/esdoctor/aggregator/api"
	"github.com/esdoctor/esdoctor/shared/diagnosis"
)

func TestDiagnosesShowNodesCodes(t *testing.T) {
	resolved := warning()
	resolved.ID, resolved.State = "77777777777777777777777777777777", "resolved"
	server := serveFake(t, sample(), warning(), resolved)

	out, errOut, code := run(t, "", "diagnoses", "--server", server, "--format", "json")
	var ds []diagnosis.Diagnosis
	if code != 0 || json.Unmarshal([]byte(out), &ds) != nil || len(ds) != 2 {
		t.Fatalf("diagnoses json: exit %d %q %q", code, out, errOut)
	}
	out, _, code = run(t, "", "diagnoses", "--server", server, "--format", "text", "--state", "all")
	if code != 0 || !strings.Contains(out, "10d835ae2521") || !strings.Contains(out, "resolved") || !strings.Contains(out, "local → remote") {
		t.Errorf("diagnoses text: exit %d\n%s", code, out)
	}
	out, _, code = run(t, "", "diagnoses", "--server", server, "--format", "text", "--code", "tls-untrusted-ca")
	if code != 0 || !strings.Contains(out, "No open diagnoses") {
		t.Errorf("diagnoses none: exit %d\n%s", code, out)
	}
	out, _, code = run(t, "", "diagnoses", "--server", server, "--format", "text", "--long")
	if code != 0 || !strings.Contains(out, "Local side (local)") || !strings.Contains(out, "config-drift") {
		t.Errorf("diagnoses --long: exit %d\n%s", code, out)
	}

	out, _, code = run(t, "", "show", "10d835ae", "--server", server, "--format", "text")
	if code != 0 {
		t.Fatalf("show by prefix: exit %d", code)
	}
	golden(t, "show.golden.txt", out)
	out, _, code = run(t, "", "show", "--server", server, "--format", "json", sample().ID)
	var d diagnosis.Diagnosis
	if code != 0 || json.Unmarshal([]byte(out), &d) != nil || d.Alias != "my" {
		t.Errorf("show json: exit %d %q", code, out)
	}
	_, errOut, code = run(t, "", "show", "zzz", "--server", server)
	oneLine(t, "show unknown", errOut, code, `no diagnosis with id "zzz"`)
	_, errOut, code = run(t, "", "show", "", "--server", server)
	oneLine(t, "show empty id", errOut, code, "the diagnosis id is empty")
	_, errOut, code = run(t, "", "show", "--server", server)
	oneLine(t, "show without id", errOut, code, "want one diagnosis id")

	out, _, code = run(t, "", "nodes", "--server", server, "--format", "text")
	if code != 0 || !strings.Contains(out, "local-1") || !strings.Contains(out, "8.13.4") {
		t.Errorf("nodes: exit %d\n%s", code, out)
	}
	out, _, code = run(t, "", "codes", "--format", "text")
	if code != 0 || !strings.Contains(out, "transport-port-instead-of-remote-cluster-port") || !strings.Contains(out, "closed-by-remote") {
		t.Errorf("codes: exit %d\n%s", code, out)
	}
	out, _, code = run(t, "", "codes", "--format", "json", "--server", server)
	var codes api.Codes
	if code != 0 || json.Unmarshal([]byte(out), &codes) != nil || len(codes.Diagnoses) == 0 {
		t.Errorf("codes --server: exit %d", code)
	}
}

func TestQueryUsageAndUnreachable(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	dead := "http://" + ln.Addr().String()
	ln.Close()
	for _, cmd := range []string{"diagnoses", "nodes"} {
		_, errOut, code := run(t, "", cmd, "--server", dead)
		oneLine(t, cmd+" without an aggregator", errOut, code, "cannot ask the aggregator at "+dead)
	}
	_, errOut, code := run(t, "", "show", "abc", "--server", dead)
	oneLine(t, "show without an aggregator", errOut, code, "cannot ask the aggregator")

	server := serveFake(t)
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"diagnoses", "--state", "closed"}, `state must be open, resolved or all, not "closed"`},
		{[]string{"diagnoses", "--code", "nope"}, `unknown diagnosis code "nope"`},
		{[]string{"diagnoses", "extra"}, `unexpected argument "extra"`},
		{[]string{"diagnoses", "--format", "xml"}, `--format must be text or json, not "xml"`},
		{[]string{"diagnoses", "--bogus"}, "flag provided but not defined: -bogus"},
		{[]string{"nodes", "--server", "127.0.0.1:9800"}, "--server: server \"127.0.0.1:9800\": want http://HOST:PORT"},
		{[]string{"nodes", "--timeout", "0s"}, "--timeout must be positive"},
		{[]string{"bogus"}, `unknown command "bogus"`},
	} {
		args := append([]string{}, tc.args...)
		if args[0] != "bogus" && !strings.Contains(strings.Join(args, " "), "--server") {
			args = append(args, "--server", server)
		}
		_, errOut, code := run(t, "", args...)
		oneLine(t, strings.Join(tc.args, " "), errOut, code, tc.want)
	}
	out, errOut, code := run(t, "", "check", "--help")
	if code != 0 || !strings.Contains(out, "Usage: esdoctor check") || !strings.Contains(out, "-min-severity") || errOut != "" {
		t.Errorf("check --help: exit %d %q %q", code, out, errOut)
	}
	out, _, code = run(t, "", "--help")
	if code != 0 || !strings.Contains(out, "explain") || !strings.Contains(out, "analyze") {
		t.Errorf("--help: exit %d %q", code, out)
	}
}
