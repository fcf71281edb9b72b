package main

import (
	"errors"
	"fmt"
	"io"
	"net/http"

	"github.com/esdoctor/esdoctor/aggregator/api"
	"github.com/esdoctor/esdoctor/shared/cli"
)

// runPorts prints a cluster's intra-cluster reachability matrix: what each
// node's agent found when it connected to its peers' ports.
func runPorts(env *cli.Env, args []string) int {
	fs := cli.NewFlagSet(env, "CLUSTER")
	c := commonFlags(env, fs, false)
	if done, rc := cli.Parse(env, fs, args); done {
		return rc
	}
	if fs.NArg() != 1 {
		return cli.Usagef(env, "ports: want exactly one CLUSTER, got %d arguments", fs.NArg())
	}
	format, cl, ok := c.resolve(env)
	if !ok {
		return cli.ExitUsage
	}
	ctx, cancel := c.ctx()
	defer cancel()
	m, err := cl.Ports(ctx, fs.Arg(0))
	if err != nil {
		var se *api.StatusError
		if errors.As(err, &se) && se.Code == http.StatusNotFound {
			return cli.Usagef(env, "the aggregator at %s knows no cluster named %q", cl.Server(), fs.Arg(0))
		}
		return askFailed(env, cl, err)
	}
	if format == cli.FormatJSON {
		if rc := writeJSON(env, m); rc != cli.ExitOK {
			return rc
		}
	} else {
		writePorts(env.Stdout, m)
	}
	if m.Blocked > 0 {
		return cli.ExitProblems
	}
	return cli.ExitOK
}

func writePorts(w io.Writer, m api.PortMatrix) {
	fmt.Fprintf(w, "cluster %s: %d nodes, %d probes of peer ports, %d blocked\n", m.Cluster, len(m.Nodes), len(m.Pairs), m.Blocked)
	if len(m.Pairs) == 0 {
		fmt.Fprintln(w, "No peer probes yet (the agents probe the hosts of discovery.seed_hosts).")
		return
	}
	fmt.Fprintf(w, "%-20s %-20s %-15s %-24s %s\n", "FROM", "TO", "PORT", "TARGET", "RESULT")
	for _, p := range m.Pairs {
		to := p.To
		if to == "" {
			to = "?"
		}
		res := "ok"
		if !p.OK {
			res = "BLOCKED"
			if p.ErrorKind != "" {
				res += " (" + p.ErrorKind + ")"
			}
		}
		fmt.Fprintf(w, "%-20s %-20s %-15s %-24s %s\n", p.From, to, p.Port, p.Target, res)
	}
}
