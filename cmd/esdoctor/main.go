// Command esdoctor is the console CLI: it queries a running aggregator
// (diagnoses, show, nodes, check), analyzes bundles offline (analyze),
// explains pasted log excerpts and error responses (explain), and lists the
// catalog (codes).
package main

import (
	"os"

	"github.com/esdoctor/esdoctor/shared/cli"
)

var commands = []cli.Command{
	{Name: "diagnoses", Summary: "list the diagnoses of a running aggregator", Run: runDiagnoses},
	{Name: "show", Summary: "show one diagnosis: evidence from both sides and the fix", Run: runShow},
	{Name: "nodes", Summary: "list the nodes a running aggregator knows", Run: runNodes},
	{Name: "ports", Summary: "show which nodes of a cluster reach their peers' transport, HTTP and remote cluster ports (from the agents' probes)", Run: runPorts},
	{Name: "check", Summary: "Nagios/Icinga plugin: 0 OK, 1 WARNING, 2 CRITICAL, 3 UNKNOWN, with perfdata; acknowledged diagnoses do not count", Run: runCheck},
	{Name: "ack", Summary: "acknowledge a diagnosis: who, why, until when (--reason, --for 4h)", Run: runAck},
	{Name: "mute", Summary: "mute a diagnosis until a time, across resolve and reopen (--reason, --for)", Run: runMute},
	{Name: "unack", Summary: "end an acknowledgement or mute (--reason)", Run: runUnack},
	{Name: "watch", Summary: "follow a running aggregator live: the open diagnoses, redrawn on every change", Run: runWatch},
	{Name: "analyze", Summary: "run the diagnosis rules over bundles, offline", Run: runAnalyze},
	{Name: "explain", Summary: "recognise a pasted log excerpt or error response: symptom, meaning, what to check", Run: runExplain},
	{Name: "codes", Summary: "list the diagnosis and symptom codes", Run: runCodes},
}

func main() {
	os.Exit(cli.Main("esdoctor", "the esdoctor console", commands, os.Args[1:], os.Stdout, os.Stderr))
}
