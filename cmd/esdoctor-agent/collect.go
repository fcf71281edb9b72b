package main

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/esdoctor/esdoctor/agent/collect"
	"github.com/esdoctor/esdoctor/shared/bundle"
	"github.com/esdoctor/esdoctor/shared/cli"
	"github.com/esdoctor/esdoctor/shared/logx"
)

func runCollect(env *cli.Env, args []string) int {
	fs := cli.NewFlagSet(env, "--path-conf DIR --path-logs DIR [--cluster-settings F] -o BUNDLE")
	var nf nodeFlags
	nf.register(fs)
	out := fs.String("o", "", "the bundle file to write (required)")
	window := fs.Duration("window", 10*time.Minute, "fold repeats of a symptom within this window of log time (0: off)")
	mesh := fs.Bool("mesh", false, "also look for the service-mesh symptoms")
	format := cli.FormatFlag(fs, env.Stdout)
	logLevel := fs.String("log-level", "", "log level for stderr (debug, info, warn, error)")
	if done, code := cli.ParseNoArgs(env, fs, args); done {
		return code
	}
	f, ok := cli.CheckFormat(env, *format)
	if !ok {
		return cli.ExitUsage
	}
	if *out == "" {
		return cli.Usagef(env, "-o BUNDLE is required")
	}
	o, bad := nf.options()
	if bad != "" {
		return cli.Usagef(env, "%s", bad)
	}
	defer nf.sayNote(env)
	loc := o.Location
	log := logx.New(logx.Options{Level: *logLevel})
	defer log.Sync()
	o.Logger = log
	b, err := collect.Collect(context.Background(), collect.Options{Inspect: o, Window: *window, Location: loc, MeshPack: *mesh})
	if err != nil {
		return cli.Usagef(env, "%v", err)
	}
	if err := bundle.Write(*out, b); err != nil {
		return cli.Usagef(env, "%v", err)
	}
	symptoms := len(b.Events) - 1
	if f == cli.FormatJSON {
		json.NewEncoder(env.Stdout).Encode(map[string]any{"bundle": *out, "cluster": b.Cluster, "node": b.Node, "events": len(b.Events), "symptoms": symptoms, "errors": b.Errors})
		return cli.ExitOK
	}
	fmt.Fprintf(env.Stdout, "wrote %s: node %s of cluster %s, 1 snapshot, %d symptoms, %d unreadable inputs\n", *out, b.Node, b.Cluster, symptoms, len(b.Errors))
	for _, e := range b.Errors {
		fmt.Fprintf(env.Stdout, "  %s: %s\n", e.File, e.Error)
	}
	return cli.ExitOK
}
