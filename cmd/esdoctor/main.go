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
	{Name: "check", Summary: "exit 1 when an open diagnosis of severity warning or worse exists (monitoring)", Run: runCheck},
	{Name: "analyze", Summary: "run the diagnosis rules over bundles, offline", Run: runAnalyze},
	{Name: "explain", Summary: "recognise a pasted log excerpt or error response: symptom, meaning, what to check", Run: runExplain},
	{Name: "codes", Summary: "list the diagnosis and symptom codes", Run: runCodes},
}

func main() {
	os.Exit(cli.Main("esdoctor", "the esdoctor console", commands, os.Args[1:], os.Stdout, os.Stderr))
}
