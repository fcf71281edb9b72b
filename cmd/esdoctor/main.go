// Command esdoctor is the console CLI: it queries a running aggregator,
// analyzes bundles offline and explains pasted log excerpts.
package main

import (
	"os"

	"github.com/esdoctor/esdoctor/shared/cli"
)

var commands = []cli.Command{}

func main() {
	os.Exit(cli.Main("esdoctor", "the esdoctor console", commands, os.Args[1:], os.Stdout, os.Stderr))
}
