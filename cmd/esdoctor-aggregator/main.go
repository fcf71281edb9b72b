// Command esdoctor-aggregator folds the agents' events into a model of
// clusters, nodes and remote connections, runs the diagnosis rules, and
// serves the query API. With no --nats it embeds a NATS server with
// JetStream (127.0.0.1:4222), so one command runs the whole system on one
// machine.
package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"syscall"

	"github.com/esdoctor/esdoctor/aggregator"
	"github.com/esdoctor/esdoctor/aggregator/api"
	"github.com/esdoctor/esdoctor/aggregator/ingest"
	"github.com/esdoctor/esdoctor/aggregator/rules"
	"github.com/esdoctor/esdoctor/shared/cli"
	"github.com/esdoctor/esdoctor/shared/logx"
	"github.com/esdoctor/esdoctor/shared/version"
)

const prog = "esdoctor-aggregator"

// DefaultDataDir is where the aggregator keeps its state when it may write
// there; otherwise ./esdoctor-data.
const DefaultDataDir = "/var/lib/esdoctor"

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGINT, syscall.SIGTERM)
	defer stop()
	os.Exit(run(ctx, os.Args[1:], os.Stdout, os.Stderr))
}

// run parses the flags and runs the aggregator until ctx ends (SIGINT or
// SIGTERM: graceful shutdown).
func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	env := &cli.Env{Stdout: stdout, Stderr: stderr, Stdin: os.Stdin, Prog: prog}
	if len(args) == 1 && (args[0] == "--version" || args[0] == "-version" || args[0] == "version") {
		fmt.Fprintln(stdout, version.Line(prog))
		return cli.ExitOK
	}
	if len(args) > 0 {
		if cmd, ok := authCommands[args[0]]; ok {
			env.Prog = prog + " " + args[0]
			return cmd(env, args[1:])
		}
	}
	fs := cli.NewFlagSet(env, "[--nats URL] [--listen 127.0.0.1:9800] [--data DIR] [flags]\n       "+prog+" enroll --cluster C --node N -o FILE [--data DIR]   (an agent's NATS credentials)\n       "+prog+" revoke --cluster C --node N [--data DIR]\n       "+prog+" agents [--data DIR]")
	natsURL := fs.String("nats", "", "NATS server URL(s), comma-separated; empty embeds a NATS server with JetStream in DIR/nats")
	natsListen := fs.String("nats-listen", aggregator.DefaultNATSListen, "client address of the embedded NATS server (without --nats)")
	listen := fs.String("listen", api.DefaultListen, "HTTP API and console address (beyond loopback the API needs --api-token-file tokens)")
	data := fs.String("data", "", "data directory (default "+DefaultDataDir+", or ./esdoctor-data when that is not writable)")
	durable := fs.String("durable", ingest.DefaultDurable, "durable consumer name; every aggregator on the same streams needs its own")
	replicas := fs.Int("replicas", 1, "stream replicas: 1, or 3 on a three-node NATS cluster")
	noAuth := fs.Bool("nats-insecure-no-auth", false, "let the embedded NATS server accept clients without credentials (default: only enrolled agents, see enroll)")
	natsTLS := fs.Bool("nats-tls", false, "the embedded NATS server requires TLS, with a certificate from the CA in DIR/auth/ca.pem (agents pin it: nats.ca_file)")
	tlsHosts := fs.String("nats-tls-hosts", "", "extra comma-separated names or IP addresses for the embedded server's certificate")
	natsCreds := fs.String("nats-creds", "", "credentials file for an external NATS (--nats)")
	natsCA := fs.String("nats-ca", "", "CA file to pin for an external NATS over TLS (--nats)")
	mesh := fs.Bool("mesh", false, "enable the service-mesh rule pack")
	level := fs.String("log-level", "info", "log level: debug, info, warn or error")
	tokenFile := fs.String("api-token-file", "", "API tokens, one a line: \"read TOKEN [NAME]\" or \"ack TOKEN [NAME]\"; beyond loopback the API answers 401 without one (the page and the CLI send it as a Bearer token)")
	showVersion := fs.Bool("version", false, "print the version (version, commit, build date) and exit")
	if done, code := cli.Parse(env, fs, args); done {
		return code
	}
	if fs.NArg() > 0 {
		return cli.Usagef(env, "unexpected argument %q (see --help)", fs.Arg(0))
	}
	if *showVersion {
		fmt.Fprintln(stdout, version.Line(prog))
		return cli.ExitOK
	}
	switch *level {
	case "debug", "info", "warn", "error":
	default:
		return cli.Usagef(env, "--log-level must be debug, info, warn or error, not %q", *level)
	}
	var tokens *api.Tokens
	if *tokenFile != "" {
		t, err := api.LoadTokens(*tokenFile)
		if err != nil {
			return cli.Usagef(env, "--api-token-file: %v", err)
		}
		tokens = t
	}
	dir := *data
	if dir == "" {
		dir = chooseDataDir(DefaultDataDir)
	}
	log := logx.New(logx.Options{JSON: true, Level: *level})
	defer func() { _ = log.Sync() }()
	a, err := aggregator.New(aggregator.Options{NATSURL: *natsURL, NATSListen: *natsListen, Listen: *listen, DataDir: dir,
		Durable: *durable, Replicas: *replicas, Rules: rules.Options{MeshPack: *mesh}, Logger: log, Tokens: tokens,
		NATSNoAuth: *noAuth, NATSTLS: *natsTLS, NATSTLSHosts: splitList(*tlsHosts), NATSCredsFile: *natsCreds, NATSCAFile: *natsCA})
	if err != nil {
		return cli.Usagef(env, "%v", err)
	}
	if err := a.Run(ctx); err != nil {
		fmt.Fprintf(stderr, "%s: %v\n", prog, err)
		return 1
	}
	return cli.ExitOK
}

// chooseDataDir is preferred (/var/lib/esdoctor) when it exists (or can be
// created) and is writable, else ./esdoctor-data.
func chooseDataDir(preferred string) string {
	if writable(preferred) {
		return preferred
	}
	return filepath.Join(".", "esdoctor-data")
}

func writable(dir string) bool {
	if err := os.MkdirAll(dir, 0o750); err != nil {
		return false
	}
	f, err := os.CreateTemp(dir, ".write-test-*")
	if err != nil {
		return false
	}
	name := f.Name()
	f.Close()
	return os.Remove(name) == nil
}

func splitList(s string) []string {
	var out []string
	for _, p := range strings.Split(s, ",") {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}
