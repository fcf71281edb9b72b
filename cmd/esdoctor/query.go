package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"

	"github.com/esdoctor/esdoctor/aggregator/api"
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

func runNodes(env *cli.Env, args []string) int {
	fs := cli.NewFlagSet(env, "[--cluster NAME]")
	c := commonFlags(env, fs, false)
	cluster := fs.String("cluster", "", "only the nodes of this cluster")
	if done, rc := cli.ParseNoArgs(env, fs, args); done {
		return rc
	}
	format, cl, ok := c.resolve(env)
	if !ok {
		return cli.ExitUsage
	}
	ctx, cancel := c.ctx()
	defer cancel()
	ns, err := cl.NodesOf(ctx, *cluster)
	if err != nil {
		return askFailed(env, cl, err)
	}
	// An aggregator from before ?cluster= answers every node: filter here too.
	ns = api.FilterNodes(ns, *cluster)
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
