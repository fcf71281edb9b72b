package main

import (
	"context"
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

// Nagios/Icinga plugin exit codes (Monitoring Plugins Development
// Guidelines): check is a monitoring plugin, so a usage error or an
// aggregator it cannot ask is UNKNOWN (3), not the contract's exit 2.
const (
	nagiosOK       = 0
	nagiosWarning  = 1
	nagiosCritical = 2
	nagiosUnknown  = 3
)

var nagiosStatus = map[int]string{nagiosOK: "OK", nagiosWarning: "WARNING", nagiosCritical: "CRITICAL", nagiosUnknown: "UNKNOWN"}

// checkResult is what check prints in JSON.
type checkResult struct {
	Status      string `json:"status"` // OK, WARNING, CRITICAL or UNKNOWN
	ExitCode    int    `json:"exit_code"`
	Message     string `json:"message"`
	MinSeverity string `json:"min_severity"`
	Cluster     string `json:"cluster,omitempty"`
	// Perfdata: counts of open, unacknowledged diagnoses.
	OpenCritical int `json:"open_critical"`
	OpenErrors   int `json:"open_errors"` // critical + error
	OpenWarnings int `json:"open_warnings"`
	AgentsSilent int `json:"agents_silent"`
	Acknowledged int `json:"acknowledged"`
	// Problems are the diagnoses that count; Acked the acknowledged or
	// muted ones that do not.
	Problems []diagnosis.Diagnosis `json:"problems"`
	Acked    []diagnosis.Diagnosis `json:"acknowledged_diagnoses"`
}

// runCheck is a Nagios/Icinga plugin: 0 OK, 1 WARNING (an open warning),
// 2 CRITICAL (an open error or critical), 3 UNKNOWN (cannot ask, unknown
// cluster, bad usage). Text: one summary line with perfdata, then one line
// per diagnosis. Acknowledged and muted diagnoses do not count.
func runCheck(env *cli.Env, args []string) int {
	fs := cli.NewFlagSet(env, "[--cluster NAME] [--min-severity warning]")
	c := commonFlags(env, fs, false)
	cluster := fs.String("cluster", "", "only diagnoses involving this cluster (UNKNOWN when the aggregator knows no such cluster)")
	// A monitoring system runs the plugin without a terminal: text (the
	// plugin output) is the default here.
	fs.Lookup("format").DefValue = string(cli.FormatText)
	_ = fs.Set("format", string(cli.FormatText))
	minSev := fs.String("min-severity", string(catalog.Warning), "lowest severity that counts: critical, error, warning or info (error and critical are CRITICAL, the rest WARNING)")
	if done, rc := cli.ParseNoArgs(env, fs, args); done {
		if rc == cli.ExitOK {
			return rc // --help
		}
		return unknown(env, "bad usage (see esdoctor check --help)")
	}
	format, ok := cli.CheckFormat(&cli.Env{Stdout: io.Discard, Stderr: io.Discard, Prog: env.Prog}, *c.format)
	if !ok {
		return unknown(env, fmt.Sprintf("--format must be text or json, not %q", *c.format))
	}
	cl, err := api.NewClient(*c.server)
	if err != nil {
		return unknown(env, "--server: "+err.Error())
	}
	if *c.timeout <= 0 {
		return unknown(env, "--timeout must be positive")
	}
	if err := c.token(cl); err != nil {
		return unknown(env, err.Error())
	}
	floor := catalog.Severity(*minSev)
	if floor.Rank() > 3 {
		return unknown(env, fmt.Sprintf("--min-severity must be critical, error, warning or info, not %q", *minSev))
	}
	ctx, cancel := c.ctx()
	defer cancel()
	if *cluster != "" {
		known, err := clusterKnown(ctx, cl, *cluster)
		if err != nil {
			return unknownAsk(env, cl, err)
		}
		if !known {
			return unknown(env, fmt.Sprintf("the aggregator at %s knows no cluster %q", cl.Server(), *cluster))
		}
	}
	ds, err := cl.Diagnoses(ctx, api.Query{State: api.StateOpen, Cluster: *cluster})
	if err != nil {
		return unknownAsk(env, cl, err)
	}
	res := evaluateCheck(ds, floor)
	res.Cluster = *cluster
	if format == cli.FormatJSON {
		if code := writeJSON(env, res); code != cli.ExitOK {
			return nagiosUnknown
		}
		return res.ExitCode
	}
	writeCheck(env.Stdout, &res)
	return res.ExitCode
}

// evaluateCheck counts the open diagnoses and picks the status.
func evaluateCheck(ds []diagnosis.Diagnosis, floor catalog.Severity) checkResult {
	res := checkResult{MinSeverity: string(floor), Problems: []diagnosis.Diagnosis{}, Acked: []diagnosis.Diagnosis{}}
	silent := map[string]bool{}
	for _, d := range ds {
		if d.Ack != nil {
			res.Acknowledged++
			res.Acked = append(res.Acked, d)
			continue
		}
		sev := catalog.Severity(d.Severity)
		switch sev {
		case catalog.Critical:
			res.OpenCritical++
			res.OpenErrors++
		case catalog.Error:
			res.OpenErrors++
		case catalog.Warning:
			res.OpenWarnings++
		}
		if d.Code == string(catalog.AgentSilent) {
			for _, n := range d.Nodes {
				silent[n.Cluster+"/"+n.Node] = true
			}
		}
		if sev.AtLeast(floor) {
			res.Problems = append(res.Problems, d)
		}
	}
	res.AgentsSilent = len(silent)
	res.ExitCode = nagiosOK
	for _, d := range res.Problems {
		code := nagiosWarning
		if catalog.Severity(d.Severity).AtLeast(catalog.Error) {
			code = nagiosCritical
		}
		res.ExitCode = max(res.ExitCode, code)
	}
	res.Status = nagiosStatus[res.ExitCode]
	var parts []string
	if res.OpenErrors > 0 {
		parts = append(parts, plural(res.OpenErrors, "error"))
	}
	if res.OpenWarnings > 0 {
		parts = append(parts, plural(res.OpenWarnings, "warning"))
	}
	switch {
	case len(res.Problems) == 0 && len(parts) == 0:
		res.Message = "no open diagnosis"
	case len(res.Problems) == 0:
		res.Message = "no open diagnosis of severity " + string(floor) + " or worse (" + strings.Join(parts, ", ") + " below it)"
	default:
		res.Message = strings.Join(parts, ", ") + " open"
		if len(parts) == 0 {
			res.Message = plural(len(res.Problems), "diagnosis") + " open"
		}
	}
	if res.Acknowledged > 0 {
		res.Message += fmt.Sprintf(", %d acknowledged", res.Acknowledged)
	}
	return res
}

// writeCheck prints the plugin output: the summary line with perfdata,
// then one line per counted diagnosis and per acknowledged one.
func writeCheck(w io.Writer, r *checkResult) {
	where := ""
	if r.Cluster != "" {
		where = " (cluster " + r.Cluster + ")"
	}
	fmt.Fprintf(w, "ESDOCTOR %s - %s%s | open_errors=%d open_warnings=%d agents_silent=%d open_critical=%d acknowledged=%d\n",
		r.Status, r.Message, where, r.OpenErrors, r.OpenWarnings, r.AgentsSilent, r.OpenCritical, r.Acknowledged)
	for _, d := range r.Problems {
		fmt.Fprintf(w, "%s %s %s: %s (esdoctor show %s)\n", strings.ToUpper(d.Severity), d.Code, connLabel(&d), d.Title, shortID(d.ID))
	}
	for _, d := range r.Acked {
		until := ""
		if d.Ack.Until != nil {
			until = " until " + stamp(*d.Ack.Until)
		}
		verb := "acknowledged"
		if d.Ack.Kind == diagnosis.AckKindMute {
			verb = "muted"
		}
		fmt.Fprintf(w, "%s %s %s (%s by %s%s: %s) (esdoctor show %s)\n", strings.ToUpper(d.Severity), d.Code, connLabel(&d), verb, d.Ack.By, until,
			squash(d.Ack.Reason), shortID(d.ID))
	}
}

// clusterKnown asks whether the aggregator knows the cluster (its graph,
// else its nodes, else its diagnoses).
func clusterKnown(ctx context.Context, cl *api.Client, name string) (bool, error) {
	cs, err := cl.Clusters(ctx)
	var se *api.StatusError
	if errors.As(err, &se) && se.Code == http.StatusNotFound {
		ns, err := cl.NodesOf(ctx, "")
		if err != nil {
			return false, err
		}
		for _, n := range ns {
			if n.Cluster == name {
				return true, nil
			}
		}
		ds, err := cl.Diagnoses(ctx, api.Query{State: api.StateAll, Cluster: name})
		return len(ds) > 0, err
	}
	if err != nil {
		return false, err
	}
	for _, c := range cs.Clusters {
		if c.Name == name {
			return true, nil
		}
	}
	return false, nil
}

// unknown prints the UNKNOWN summary line on stdout (what Nagios shows)
// and exits 3.
func unknown(env *cli.Env, msg string) int {
	fmt.Fprintf(env.Stdout, "ESDOCTOR UNKNOWN - %s\n", squash(msg))
	return nagiosUnknown
}

func unknownAsk(env *cli.Env, cl *api.Client, err error) int {
	var se *api.StatusError
	if errors.As(err, &se) && se.Code == http.StatusServiceUnavailable {
		return unknown(env, "the aggregator at "+cl.Server()+" is starting (rebuilding its model)")
	}
	return unknown(env, "cannot ask the aggregator at "+cl.Server()+": "+err.Error())
}

// connLabel is "local → alias → remote", "cluster" or "cluster → alias".
func connLabel(d *diagnosis.Diagnosis) string {
	switch {
	case len(d.Clusters) >= 2 && d.Alias != "":
		return d.Clusters[0] + " → " + d.Alias + " → " + d.Clusters[1]
	case len(d.Clusters) >= 2:
		return d.Clusters[0] + " → " + d.Clusters[1]
	case len(d.Clusters) == 1 && d.Alias != "":
		return d.Clusters[0] + " → " + d.Alias
	case len(d.Clusters) == 1:
		return d.Clusters[0]
	}
	return "-"
}

func plural(n int, what string) string {
	if n == 1 {
		return "1 " + what
	}
	if strings.HasSuffix(what, "is") {
		return fmt.Sprintf("%d %ses", n, strings.TrimSuffix(what, "is"))
	}
	return fmt.Sprintf("%d %ss", n, what)
}

func squash(s string) string {
	return strings.Join(strings.Fields(s), " ")
}
