package main

import (
	"encoding/json"
	"net"
	"net/http/httptest"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/esdoctor/esdoctor/aggregator/api"
	"github.com/esdoctor/esdoctor/shared/diagnosis"
)

// summaryRE is a Nagios/Icinga plugin's first line: SERVICE STATUS - text,
// then perfdata after a pipe ('label'=value, space separated).
var summaryRE = regexp.MustCompile(`^ESDOCTOR (OK|WARNING|CRITICAL|UNKNOWN) - [^|\n]+?( \| ([a-z_]+=\d+ ?)+)?$`)

var statusCode = map[string]int{"OK": 0, "WARNING": 1, "CRITICAL": 2, "UNKNOWN": 3}

func withSeverity(d diagnosis.Diagnosis, id, sev string) diagnosis.Diagnosis {
	d.ID, d.Severity = id, sev
	return d
}

func acked(d diagnosis.Diagnosis, kind string) diagnosis.Diagnosis {
	until := time.Date(2024, 5, 1, 14, 0, 0, 0, time.UTC)
	d.Ack = &diagnosis.Ack{Kind: kind, By: "alice", Reason: "on it", At: until.Add(-4 * time.Hour), Until: &until}
	return d
}

func silent() diagnosis.Diagnosis {
	d := warning()
	d.ID, d.Code, d.Title = "5555aaaa5555aaaa5555aaaa5555aaaa", "agent-silent", "An agent stopped sending heartbeats"
	d.Nodes = []diagnosis.NodeRef{{Cluster: "local", Node: "local-1"}, {Cluster: "local", Node: "local-2"}}
	return d
}

// notReady is an aggregator still rebuilding its model.
type notReady struct{ fakeSource }

func (notReady) Ready() bool { return false }

// The Nagios plugin conformance table: exit code and status word agree,
// one summary line with perfdata, one detail line per diagnosis that counts
// or is acknowledged, nothing on stdout before the summary, UNKNOWN when
// the state cannot be known.
func TestCheckNagiosConformance(t *testing.T) {
	resolvedErr := sample()
	resolvedErr.State = "resolved"
	starting := httptest.NewServer(api.NewHandler(&notReady{}, api.HandlerOptions{}))
	defer starting.Close()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	dead := "http://" + ln.Addr().String()
	ln.Close()

	for _, tc := range []struct {
		name   string
		ds     []diagnosis.Diagnosis
		server string // default: a fake aggregator with ds
		args   []string
		code   int
		perf   string // the perfdata's first three values
		detail int    // detail lines
		want   string
	}{
		{name: "nothing open", code: 0, perf: "open_errors=0 open_warnings=0 agents_silent=0", want: "ESDOCTOR OK - no open diagnosis |"},
		{name: "a warning", ds: []diagnosis.Diagnosis{warning()}, code: 1, perf: "open_errors=0 open_warnings=1 agents_silent=0", detail: 1, want: "WARNING config-drift local: Nodes of one cluster disagree (esdoctor show 9a8b7c6d5e4f)"},
		{name: "an error", ds: []diagnosis.Diagnosis{sample()}, code: 2, perf: "open_errors=1 open_warnings=0 agents_silent=0", detail: 1, want: "ERROR transport-port-instead-of-remote-cluster-port local → my → remote:"},
		{name: "a critical", ds: []diagnosis.Diagnosis{withSeverity(sample(), "c1", "critical")}, code: 2, perf: "open_errors=1 open_warnings=0 agents_silent=0 open_critical=1", detail: 1, want: "CRITICAL transport-port"},
		{name: "errors and warnings", ds: []diagnosis.Diagnosis{sample(), withSeverity(sample(), "e2", "error"), warning()}, code: 2, perf: "open_errors=2 open_warnings=1 agents_silent=0", detail: 3, want: "ESDOCTOR CRITICAL - 2 errors, 1 warning open |"},
		{name: "an acknowledged error does not count", ds: []diagnosis.Diagnosis{acked(sample(), "ack")}, code: 0, perf: "open_errors=0 open_warnings=0 agents_silent=0 open_critical=0 acknowledged=1", detail: 1, want: "(acknowledged by alice until 2024-05-01 14:00:00Z: on it)"},
		{name: "a muted error and a warning", ds: []diagnosis.Diagnosis{acked(sample(), "mute"), warning()}, code: 1, perf: "open_errors=0 open_warnings=1 agents_silent=0", detail: 2, want: "(muted by alice"},
		{name: "a resolved error does not count", ds: []diagnosis.Diagnosis{resolvedErr}, code: 0, perf: "open_errors=0 open_warnings=0 agents_silent=0"},
		{name: "info is below the default floor", ds: []diagnosis.Diagnosis{withSeverity(warning(), "i1", "info")}, code: 0, perf: "open_errors=0 open_warnings=0 agents_silent=0"},
		{name: "info counts with --min-severity info", ds: []diagnosis.Diagnosis{withSeverity(warning(), "i1", "info")}, args: []string{"--min-severity", "info"}, code: 1, detail: 1, perf: "open_errors=0 open_warnings=0 agents_silent=0"},
		{name: "a warning below --min-severity error", ds: []diagnosis.Diagnosis{warning()}, args: []string{"--min-severity", "error"}, code: 0, perf: "open_errors=0 open_warnings=1 agents_silent=0", want: "below it"},
		{name: "silent agents", ds: []diagnosis.Diagnosis{silent()}, code: 1, perf: "open_errors=0 open_warnings=1 agents_silent=2", detail: 1},
		{name: "a known cluster", ds: []diagnosis.Diagnosis{sample(), warning()}, args: []string{"--cluster", "remote"}, code: 2, perf: "open_errors=1 open_warnings=0 agents_silent=0", detail: 1, want: "(cluster remote)"},
		{name: "an unknown cluster", ds: []diagnosis.Diagnosis{warning()}, args: []string{"--cluster", "nosuch"}, code: 3, want: `knows no cluster "nosuch"`},
		{name: "the aggregator is unreachable", server: dead, code: 3, want: "ESDOCTOR UNKNOWN - cannot ask the aggregator at " + dead},
		{name: "the aggregator is starting", server: starting.URL, code: 3, want: "is starting"},
		{name: "a bad severity", args: []string{"--min-severity", "fatal"}, code: 3, want: "--min-severity must be"},
		{name: "a bad flag", args: []string{"--bogus"}, code: 3, want: "ESDOCTOR UNKNOWN - bad usage"},
		{name: "a bad format", args: []string{"--format", "xml"}, code: 3, want: "--format must be text or json"},
		{name: "a bad server", server: "127.0.0.1:9800", code: 3, want: "--server"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			server := tc.server
			if server == "" {
				server = serveFake(t, tc.ds...)
			}
			out, _, code := run(t, "", append([]string{"check", "--server", server}, tc.args...)...)
			lines := strings.Split(strings.TrimRight(out, "\n"), "\n")
			m := summaryRE.FindStringSubmatch(lines[0])
			if m == nil {
				t.Fatalf("first line is not a plugin summary: %q", lines[0])
			}
			if code != tc.code || statusCode[m[1]] != code {
				t.Errorf("exit %d with status %s, want %d:\n%s", code, m[1], tc.code, out)
			}
			if tc.perf != "" && !strings.Contains(lines[0], " | "+tc.perf) {
				t.Errorf("perfdata: %q, want it to start with %q", lines[0], tc.perf)
			}
			if code != 3 && len(lines)-1 != tc.detail {
				t.Errorf("%d detail lines, want %d:\n%s", len(lines)-1, tc.detail, out)
			}
			if code == 3 && len(lines) != 1 {
				t.Errorf("UNKNOWN with more than one line:\n%s", out)
			}
			if !strings.Contains(out, tc.want) {
				t.Errorf("no %q in:\n%s", tc.want, out)
			}
			if code == 3 || tc.server != "" {
				return
			}
			// The same verdict in JSON.
			out, _, jcode := run(t, "", append([]string{"check", "--server", server, "--format", "json"}, tc.args...)...)
			var res checkResult
			if err := json.Unmarshal([]byte(out), &res); err != nil || jcode != code || res.ExitCode != code || res.Status != m[1] {
				t.Errorf("json: exit %d %v\n%s", jcode, err, out)
			}
		})
	}
	out, _, code := run(t, "", "check", "--help")
	if code != 0 || !strings.Contains(out, "Usage: esdoctor check") {
		t.Errorf("check --help: exit %d %q", code, out)
	}
}

func TestVersion(t *testing.T) {
	out, _, code := run(t, "", "--version")
	if code != 0 || !strings.HasPrefix(out, "esdoctor ") || !strings.Contains(out, "(commit ") || !strings.Contains(out, ", built ") {
		t.Errorf("--version: exit %d %q", code, out)
	}
}
