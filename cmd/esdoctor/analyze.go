package main

import (
	"context"
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/esdoctor/esdoctor/aggregator/analyze"
	"github.com/esdoctor/esdoctor/aggregator/rules"
	"github.com/esdoctor/esdoctor/shared/bundle"
	"github.com/esdoctor/esdoctor/shared/catalog"
	"github.com/esdoctor/esdoctor/shared/cli"
	"github.com/esdoctor/esdoctor/shared/diagnosis"
)

// runAnalyze runs the aggregator's rules over bundles: exit 0 when nothing
// is found, 1 when something is, 2 when a bundle cannot be read.
func runAnalyze(env *cli.Env, args []string) int {
	fs := cli.NewFlagSet(env, "BUNDLE...")
	c := commonFlags(env, fs, true)
	nowFlag := fs.String("now", "", "evaluation time, RFC 3339 (default: the latest time in the evidence)")
	mesh := fs.Bool("mesh", false, "enable the service-mesh rule pack")
	if done, rc := cli.Parse(env, fs, args); done {
		return rc
	}
	format, ok := cli.CheckFormat(env, *c.format)
	if !ok {
		return cli.ExitUsage
	}
	if fs.NArg() == 0 {
		return cli.Usagef(env, "want one or more bundle files (made by 'esdoctor-agent collect')")
	}
	var now time.Time
	if *nowFlag != "" {
		t, err := time.Parse(time.RFC3339, *nowFlag)
		if err != nil {
			return cli.Usagef(env, "--now %q: want RFC 3339, e.g. 2024-05-01T10:00:00Z", *nowFlag)
		}
		now = t
	}
	ds, bs, err := analyze.Files(context.Background(), fs.Args(), analyze.Options{Now: now, Rules: rules.Options{MeshPack: *mesh}})
	if err != nil {
		return cli.Usagef(env, "%v", err)
	}
	if ds == nil {
		ds = []diagnosis.Diagnosis{}
	}
	for _, b := range bs {
		for _, e := range b.Errors {
			fmt.Fprintf(env.Stderr, "%s: note: bundle of %s/%s: %s could not be read when collecting: %s\n", env.Prog, b.Cluster, b.Node, e.File, e.Error)
		}
	}
	if format == cli.FormatJSON {
		if rc := writeJSON(env, ds); rc != cli.ExitOK {
			return rc
		}
	} else {
		writeDiagnoses(env.Stdout, ds)
		if len(ds) > 0 {
			fmt.Fprintln(env.Stdout)
		}
		fmt.Fprintln(env.Stdout, analyzeSummary(ds, bs))
	}
	if len(ds) > 0 {
		return cli.ExitProblems
	}
	return cli.ExitOK
}

// analyzeSummary is the last line of the text output.
func analyzeSummary(ds []diagnosis.Diagnosis, bs []*bundle.Header) string {
	clusters := map[string]bool{}
	for _, b := range bs {
		clusters[b.Cluster] = true
	}
	what := fmt.Sprintf("%d bundle(s), %d cluster(s)", len(bs), len(clusters))
	if len(ds) == 0 {
		return "No problem found in " + what + "."
	}
	bySev := map[string]int{}
	for _, d := range ds {
		bySev[d.Severity]++
	}
	sevs := make([]string, 0, len(bySev))
	for s := range bySev {
		sevs = append(sevs, s)
	}
	sort.Slice(sevs, func(i, j int) bool { return catalog.Severity(sevs[i]).Rank() < catalog.Severity(sevs[j]).Rank() })
	parts := make([]string, 0, len(sevs))
	for _, s := range sevs {
		parts = append(parts, fmt.Sprintf("%d %s", bySev[s], s))
	}
	return fmt.Sprintf("%d diagnosis(es) (%s) in %s.", len(ds), strings.Join(parts, ", "), what)
}
