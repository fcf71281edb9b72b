// Command esdoctor-agent runs on every Elasticsearch node: it inspects the
// node's configuration, scans and tails its logs, and (as a daemon) sends
// what it finds to the aggregator over NATS.
package main

import (
	"os"

	"github.com/esdoctor/esdoctor/shared/cli"
)

var commands = []cli.Command{
	{Name: "inspect", Summary: "print one node's snapshot: settings, keystore entry names, certificates, problems", Run: runInspect},
	{Name: "collect", Summary: "write one node's snapshot and log symptoms to a bundle for offline analysis", Run: runCollect},
	{Name: "run", Summary: "the daemon: watch, tail, probe and send events over NATS (--config agent.yml)", Run: runDaemon},
	{Name: "probe", Summary: "probe the remote cluster addresses and peers this node's configuration names (TCP, TLS handshake, kernel keepalive facts)", Run: runProbe},
	{Name: "scan", Summary: "find symptoms in Elasticsearch log files (one-shot, or --follow)", Run: runScan},
}

func main() {
	os.Exit(cli.Main("esdoctor-agent", "the esdoctor node agent", commands, os.Args[1:], os.Stdout, os.Stderr))
}
