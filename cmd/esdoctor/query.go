package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"

	"github.com/esdoctor/esdoctor/aggregator/api"
	"github.com/esdoctor/esdoctor/shared/catalog"
	"github.com/esdoctor/esdoctor/shared/cli"
	"github.com/esdoctor/esdoctor/shared/diagnosis"
)

func runDiagnoses(env *cli.Env, args []string) int {
	fs := cli.NewFlagSet(env, "[--state open|resolved|all] [--code CODE] [--cluster NAME] [--long]")
	c := commonFlags(env, fs, false)
	state := fs.String("state", "open", "open, resolved or all")
	code := fs.String("code", "", "only this diagnosis code")
	cluster := fs.String("cluster", "", "only diagnoses involving this cluster")
	long := fs.Bool("long", false, "text: print every diagnosis in full (evidence and fix)")
	if done, rc := cli.ParseNoArgs(env, fs, args); done {
		return rc
	}
	format, cl, ok := c.resolve(env)
	if !ok {
		return cli.ExitUsage
	}
	q := api.Query{State: *state, Code: *code, Cluster: *cluster}
	if err := q.Validate(); err != nil {
		return cli.Usagef(env, "%v", err)
	}
	ctx, cancel := c.ctx()
	defer cancel()
	ds, err := cl.Diagnoses(ctx, q)
	if err != nil {
		return askFailed(env, cl, err)
	}
	if format == cli.FormatJSON {
		return writeJSON(env, ds)
	}
	if *long {
		writeDiagnoses(env.Stdout, ds)
	} else {
		writeTable(env.Stdout, ds)
	}
	if len(ds) == 0 {
		fmt.Fprintf(env.Stdout, "No %s diagnoses.\n", strings.ReplaceAll(q.State, "all", "open or resolved"))
	}
	return cli.ExitOK
}

func runShow(env *cli.Env, args []string) int {
	fs := cli.NewFlagSet(env, "ID")
	c := commonFlags(env, fs, false)
	if done, rc := cli.Parse(env, fs, args); done {
		return rc
	}
	if fs.NArg() != 1 {
		return cli.Usagef(env, "want one diagnosis id (see 'esdoctor diagnoses')")
	}
	if strings.TrimSpace(fs.Arg(0)) == "" {
		return cli.Usagef(env, "the diagnosis id is empty (see 'esdoctor diagnoses')")
	}
	format, cl, ok := c.resolve(env)
	if !ok {
		return cli.ExitUsage
	}
	ctx, cancel := c.ctx()
	defer cancel()
	id := fs.Arg(0)
	d, err := cl.Diagnosis(ctx, id)
	if errors.Is(err, api.ErrNotFound) {
		// The table prints short ids: accept a unique prefix.
		var all []diagnosis.Diagnosis
		all, err = cl.Diagnoses(ctx, api.Query{State: api.StateAll})
		if err == nil {
			var match []diagnosis.Diagnosis
			for _, x := range all {
				if strings.HasPrefix(x.ID, id) {
					match = append(match, x)
				}
			}
			switch len(match) {
			case 0:
				return cli.Usagef(env, "no diagnosis with id %q", id)
			case 1:
				d = match[0]
			default:
				return cli.Usagef(env, "id %q is ambiguous: %d diagnoses start with it", id, len(match))
			}
		}
	}
	if err != nil {
		return askFailed(env, cl, err)
	}
	if format == cli.FormatJSON {
		return writeJSON(env, d)
	}
	writeDiagnosis(env.Stdout, &d)
	return cli.ExitOK
}

// checkResult is what check prints in JSON.
type checkResult struct {
	Status      string                `json:"status"` // ok or problems
	MinSeverity string                `json:"min_severity"`
	Open        int                   `json:"open"`
	Problems    []diagnosis.Diagnosis `json:"problems"`
}

func runCheck(env *cli.Env, args []string) int {
	fs := cli.NewFlagSet(env, "[--cluster NAME] [--min-severity warning]")
	c := commonFlags(env, fs, false)
	cluster := fs.String("cluster", "", "only diagnoses involving this cluster")
	minSev := fs.String("min-severity", string(catalog.Warning), "lowest severity that fails the check: critical, error, warning or info")
	if done, rc := cli.ParseNoArgs(env, fs, args); done {
		return rc
	}
	format, cl, ok := c.resolve(env)
	if !ok {
		return cli.ExitUsage
	}
	floor := catalog.Severity(*minSev)
	if floor.Rank() > 3 {
		return cli.Usagef(env, "--min-severity must be critical, error, warning or info, not %q", *minSev)
	}
	ctx, cancel := c.ctx()
	defer cancel()
	ds, err := cl.Diagnoses(ctx, api.Query{State: api.StateOpen, Cluster: *cluster})
	if err != nil {
		return askFailed(env, cl, err)
	}
	res := checkResult{Status: "ok", MinSeverity: string(floor), Open: len(ds), Problems: []diagnosis.Diagnosis{}}
	for _, d := range ds {
		if catalog.Severity(d.Severity).AtLeast(floor) {
			res.Problems = append(res.Problems, d)
		}
	}
	rc := cli.ExitOK
	if len(res.Problems) > 0 {
		res.Status, rc = "problems", cli.ExitProblems
	}
	if format == cli.FormatJSON {
		if code := writeJSON(env, res); code != cli.ExitOK {
			return code
		}
		return rc
	}
	if rc == cli.ExitOK {
		fmt.Fprintf(env.Stdout, "OK: no open diagnosis of severity %s or worse (%d open in all).\n", floor, len(ds))
		return rc
	}
	fmt.Fprintf(env.Stdout, "PROBLEMS: %d open diagnosis(es) of severity %s or worse:\n", len(res.Problems), floor)
	for _, d := range res.Problems {
		fmt.Fprintf(env.Stdout, "  %-8s %s %s%s  (esdoctor show %s)\n", strings.ToUpper(d.Severity), d.Code, clusterLabel(&d), aliasLabel(&d), shortID(d.ID))
	}
	return rc
}

func runNodes(env *cli.Env, args []string) int {
	fs := cli.NewFlagSet(env, "")
	c := commonFlags(env, fs, false)
	if done, rc := cli.ParseNoArgs(env, fs, args); done {
		return rc
	}
	format, cl, ok := c.resolve(env)
	if !ok {
		return cli.ExitUsage
	}
	ctx, cancel := c.ctx()
	defer cancel()
	ns, err := cl.Nodes(ctx)
	if err != nil {
		return askFailed(env, cl, err)
	}
	if format == cli.FormatJSON {
		return writeJSON(env, ns)
	}
	writeNodes(env.Stdout, ns)
	return cli.ExitOK
}

func runCodes(env *cli.Env, args []string) int {
	fs := cli.NewFlagSet(env, "[--server URL]")
	c := commonFlags(env, fs, false)
	fs.Lookup("server").Usage = "ask this aggregator for its catalog (default: the catalog built into this esdoctor)"
	if done, rc := cli.ParseNoArgs(env, fs, args); done {
		return rc
	}
	format, cl, ok := c.resolve(env)
	if !ok {
		return cli.ExitUsage
	}
	codes := api.CatalogCodes()
	if flagSet(fs, "server") {
		ctx, cancel := c.ctx()
		defer cancel()
		var err error
		if codes, err = cl.Codes(ctx); err != nil {
			return askFailed(env, cl, err)
		}
	}
	if format == cli.FormatJSON {
		return writeJSON(env, codes)
	}
	writeCodes(env.Stdout, codes)
	return cli.ExitOK
}

// askFailed reports that the aggregator could not be asked: exit 2.
func askFailed(env *cli.Env, cl *api.Client, err error) int {
	var se *api.StatusError
	if errors.As(err, &se) && se.Code == http.StatusServiceUnavailable {
		return cli.Usagef(env, "the aggregator at %s is starting (rebuilding its model); try again shortly", cl.Server())
	}
	return cli.Usagef(env, "cannot ask the aggregator at %s: %v", cl.Server(), err)
}

// writeJSON prints v indented; a write error is exit 2.
func writeJSON(env *cli.Env, v any) int {
	if err := encodeJSON(env.Stdout, v); err != nil {
		return cli.Usagef(env, "writing the output: %v", err)
	}
	return cli.ExitOK
}

func encodeJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	return enc.Encode(v)
}
