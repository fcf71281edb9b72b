package main

import "github.com/esdoctor/esdoctor/shared/cli"

// runScan is implemented by the log symptom engine.
func runScan(env *cli.Env, args []string) int {
	return cli.Usagef(env, "not implemented yet")
}
