package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"strings"
	"time"

	"github.com/esdoctor/esdoctor/aggregator/api"
	"github.com/esdoctor/esdoctor/shared/cli"
)

// common holds the flags every command has.
type common struct {
	format    *string
	server    *string
	timeout   *time.Duration
	tokenFile *string
}

// TokenEnv names the environment variable with an API token (beyond
// loopback the aggregator needs one); --token-file wins over it.
const TokenEnv = "ESDOCTOR_API_TOKEN"

// commonFlags registers --format, --server and --timeout. Offline commands
// accept --server too (so scripts can pass it everywhere) and say so.
func commonFlags(env *cli.Env, fs *flag.FlagSet, offline bool) *common {
	c := &common{format: cli.FormatFlag(fs, env.Stdout)}
	help := "aggregator URL"
	if offline {
		help = "aggregator URL (not used: this command runs offline)"
	}
	c.server = fs.String("server", api.DefaultServer, help)
	c.timeout = fs.Duration("timeout", 15*time.Second, "how long to wait for the aggregator")
	c.tokenFile = fs.String("token-file", "", "file holding the API token (needed beyond loopback; default $"+TokenEnv+")")
	return c
}

// token sets the client's API token from --token-file or $ESDOCTOR_API_TOKEN.
func (c *common) token(cl *api.Client) error {
	if *c.tokenFile != "" {
		b, err := os.ReadFile(*c.tokenFile)
		if err != nil {
			return fmt.Errorf("--token-file: %w", err)
		}
		tok := strings.TrimSpace(string(b))
		if tok == "" || strings.ContainsAny(tok, " \t\r\n") {
			return fmt.Errorf("--token-file %s: want one token on one line", *c.tokenFile)
		}
		cl.Token = tok
		return nil
	}
	cl.Token = strings.TrimSpace(os.Getenv(TokenEnv))
	return nil
}

// resolve checks --format and builds the client; ok is false after a
// usage error was reported.
func (c *common) resolve(env *cli.Env) (cli.Format, *api.Client, bool) {
	f, ok := cli.CheckFormat(env, *c.format)
	if !ok {
		return "", nil, false
	}
	cl, err := api.NewClient(*c.server)
	if err != nil {
		cli.Usagef(env, "--server: %v", err)
		return "", nil, false
	}
	if *c.timeout <= 0 {
		cli.Usagef(env, "--timeout must be positive")
		return "", nil, false
	}
	if err := c.token(cl); err != nil {
		cli.Usagef(env, "%v", err)
		return "", nil, false
	}
	return f, cl, true
}

func (c *common) ctx() (context.Context, context.CancelFunc) {
	return context.WithTimeout(context.Background(), *c.timeout)
}

// flagSet reports whether the flag was given on the command line.
func flagSet(fs *flag.FlagSet, name string) bool {
	set := false
	fs.Visit(func(f *flag.Flag) {
		if f.Name == name {
			set = true
		}
	})
	return set
}
