package main

import "github.com/esdoctor/esdoctor/shared/cli"

func runInspect(env *cli.Env, args []string) int {
	return cli.Usagef(env, "not implemented yet")
}
