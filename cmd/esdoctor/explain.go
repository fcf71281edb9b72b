package main

import (
	"context"
	"fmt"
	"io"
	"sort"
	"strings"

	"github.com/esdoctor/esdoctor/shared/cli"
)

// runExplain recognises a pasted excerpt: exit 0 when it holds a known
// symptom, 1 when not, 2 on bad input.
func runExplain(env *cli.Env, args []string) int {
	fs := cli.NewFlagSet(env, "[TEXT...]   (or the excerpt on stdin)")
	c := commonFlags(env, fs, true)
	if done, rc := cli.Parse(env, fs, args); done {
		return rc
	}
	format, ok := cli.CheckFormat(env, *c.format)
	if !ok {
		return cli.ExitUsage
	}
	var input []byte
	if fs.NArg() > 0 && !(fs.NArg() == 1 && fs.Arg(0) == "-") {
		input = []byte(strings.Join(fs.Args(), " "))
	} else {
		if cli.IsTerminal(env.Stdin) {
			fmt.Fprintln(env.Stderr, "Paste the excerpt, then Ctrl-D:")
		}
		b, err := io.ReadAll(io.LimitReader(env.Stdin, maxExplainInput+1))
		if err != nil {
			return cli.Usagef(env, "reading stdin: %v", err)
		}
		input = b
	}
	ex, err := explain(context.Background(), input)
	if err != nil {
		return cli.Usagef(env, "%v", err)
	}
	if format == cli.FormatJSON {
		if rc := writeJSON(env, ex); rc != cli.ExitOK {
			return rc
		}
	} else {
		writeExplanation(env.Stdout, ex)
	}
	if !ex.Recognised {
		return cli.ExitProblems
	}
	return cli.ExitOK
}

func writeExplanation(w io.Writer, ex *explanation) {
	if !ex.Recognised {
		fmt.Fprintln(w, "Not recognised: no esdoctor symptom in this excerpt.")
		fmt.Fprintln(w, "Paste the whole log record (with its stack trace), or the full JSON error response.")
		return
	}
	fmt.Fprintf(w, "Recognised %d symptom(s).\n", len(ex.Symptoms))
	for _, f := range ex.Symptoms {
		fmt.Fprintln(w)
		head := f.Symptom
		if f.Line > 0 {
			head += fmt.Sprintf("  (line %d)", f.Line)
		}
		if f.Count > 1 {
			head += fmt.Sprintf("  ×%d", f.Count)
		}
		if f.Informational {
			head += "  (informational)"
		}
		fmt.Fprintln(w, head)
		writeWrapped(w, "  ", f.Description)
		if f.AssumedContext != "" {
			writeWrapped(w, "  ", "Read as "+f.AssumedContext+".")
		}
		fmt.Fprintln(w, "\n  What it means")
		writeWrapped(w, "    ", f.Meaning)
		if len(f.Fields) > 0 {
			fmt.Fprintln(w, "\n  Found in it")
			keys := make([]string, 0, len(f.Fields))
			for k := range f.Fields {
				keys = append(keys, k)
			}
			sort.Strings(keys)
			for _, k := range keys {
				fmt.Fprintf(w, "    %s: %s\n", k, f.Fields[k])
			}
		}
		if len(f.LeadsTo) > 0 {
			fmt.Fprintln(w, "\n  Can lead to (the aggregator tells which, with the other side's logs and the configuration)")
			for _, l := range f.LeadsTo {
				fmt.Fprintf(w, "    %s (%s): %s\n", l.Code, l.Severity, l.Title)
			}
		}
		if len(f.Check) > 0 {
			fmt.Fprintln(w, "\n  What to check")
			for _, c := range f.Check {
				writeBullet(w, "    ", c)
			}
		}
	}
}
