package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"text/tabwriter"
	"time"

	"github.com/google/renameio/v2"

	"github.com/esdoctor/esdoctor/aggregator/natsauth"
	"github.com/esdoctor/esdoctor/shared/cli"
)

// authCommands are the subcommands that manage the NATS identities in the
// data directory; they work whether the aggregator runs or not (a running
// one applies a revocation within a second).
var authCommands = map[string]func(env *cli.Env, args []string) int{
	"enroll": enroll,
	"revoke": revoke,
	"agents": listAgents,
}

func dataFlag(fs *flag.FlagSet) *string {
	return fs.String("data", "", "the aggregator's data directory (default "+DefaultDataDir+", or ./esdoctor-data when that is not writable)")
}

func openAuthority(env *cli.Env, data string) (*natsauth.Authority, int) {
	if data == "" {
		data = chooseDataDir(DefaultDataDir)
	}
	a, err := natsauth.Open(data)
	if err != nil {
		fmt.Fprintf(env.Stderr, "%s: %v\n", env.Prog, err)
		return nil, cli.ExitUsage
	}
	return a, cli.ExitOK
}

// enroll writes one agent's NATS credentials, with the site fingerprint key
// (DATA/site.key) as a block of its own.
func enroll(env *cli.Env, args []string) int {
	fs := cli.NewFlagSet(env, "--cluster C --node N -o FILE [--data DIR]")
	data := dataFlag(fs)
	cluster := fs.String("cluster", "", "the node's cluster.name (required)")
	node := fs.String("node", "", "the node's node.name (required)")
	out := fs.String("o", "", "credentials file to write, mode 0600 (required; '-' for stdout)")
	if done, code := cli.Parse(env, fs, args); done {
		return code
	}
	switch {
	case fs.NArg() > 0:
		return cli.Usagef(env, "unexpected argument %q (see --help)", fs.Arg(0))
	case *cluster == "" || *node == "":
		return cli.Usagef(env, "--cluster and --node are required")
	case *out == "":
		return cli.Usagef(env, "-o FILE is required")
	}
	a, code := openAuthority(env, *data)
	if a == nil {
		return code
	}
	creds, err := a.Enroll(*cluster, *node)
	if err != nil {
		return cli.Usagef(env, "%v", err)
	}
	if *out == "-" {
		_, _ = env.Stdout.Write(creds)
		return cli.ExitOK
	}
	if err := renameio.WriteFile(*out, creds, 0o600); err != nil {
		return cli.Usagef(env, "%s: %v", *out, err)
	}
	abs, _ := filepath.Abs(*out)
	fmt.Fprintf(env.Stdout, "enrolled %s/%s: credentials and the site fingerprint key in %s (keep it 0600)\n", *cluster, *node, abs)
	fmt.Fprintf(env.Stdout, "in the node's agent.yml:\n  nats:\n    creds_file: %s\n", abs)
	if _, err := os.Stat(a.CAFilePath()); err == nil {
		fmt.Fprintf(env.Stdout, "    ca_file: %s   # when the aggregator runs with --nats-tls (copy this public file)\n", a.CAFilePath())
	}
	return cli.ExitOK
}

// revoke refuses an agent's keys from now on.
func revoke(env *cli.Env, args []string) int {
	fs := cli.NewFlagSet(env, "--cluster C --node N [--data DIR]")
	data := dataFlag(fs)
	cluster := fs.String("cluster", "", "the node's cluster.name (required)")
	node := fs.String("node", "", "the node's node.name (required)")
	if done, code := cli.Parse(env, fs, args); done {
		return code
	}
	if fs.NArg() > 0 {
		return cli.Usagef(env, "unexpected argument %q (see --help)", fs.Arg(0))
	}
	if *cluster == "" || *node == "" {
		return cli.Usagef(env, "--cluster and --node are required")
	}
	a, code := openAuthority(env, *data)
	if a == nil {
		return code
	}
	n, err := a.Revoke(*cluster, *node)
	if err != nil {
		return cli.Usagef(env, "%v", err)
	}
	fmt.Fprintf(env.Stdout, "revoked %d key(s) of %s/%s; a running aggregator disconnects the agent within a second\n", n, *cluster, *node)
	return cli.ExitOK
}

// listAgents prints the register.
func listAgents(env *cli.Env, args []string) int {
	fs := cli.NewFlagSet(env, "[--data DIR] [--format text|json]")
	data := dataFlag(fs)
	format := cli.FormatFlag(fs, env.Stdout)
	if done, code := cli.Parse(env, fs, args); done {
		return code
	}
	f, ok := cli.CheckFormat(env, *format)
	if !ok {
		return cli.ExitUsage
	}
	a, code := openAuthority(env, *data)
	if a == nil {
		return code
	}
	agents, err := a.Agents()
	if err != nil {
		return cli.Usagef(env, "%v", err)
	}
	if f == cli.FormatJSON {
		enc := json.NewEncoder(env.Stdout)
		enc.SetIndent("", "  ")
		_ = enc.Encode(agents)
		return cli.ExitOK
	}
	tw := tabwriter.NewWriter(env.Stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "CLUSTER\tNODE\tUSER KEY\tENROLLED\tREVOKED")
	for _, ag := range agents {
		rev := "-"
		if ag.RevokedAt != nil {
			rev = ag.RevokedAt.Format(time.RFC3339)
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", ag.Cluster, ag.Node, ag.User, ag.Enrolled.Format(time.RFC3339), rev)
	}
	_ = tw.Flush()
	return cli.ExitOK
}
