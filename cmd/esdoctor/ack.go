package main

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"os"
	"os/user"
	"strings"

	"github.com/esdoctor/esdoctor/aggregator/acks"
	"github.com/esdoctor/esdoctor/aggregator/api"
	"github.com/esdoctor/esdoctor/shared/cli"
	"github.com/esdoctor/esdoctor/shared/diagnosis"
)

func runAck(env *cli.Env, args []string) int   { return acknowledge(env, args, acks.ActionAck) }
func runMute(env *cli.Env, args []string) int  { return acknowledge(env, args, acks.ActionMute) }
func runUnack(env *cli.Env, args []string) int { return acknowledge(env, args, acks.ActionUnack) }

// acknowledge is esdoctor ack|mute|unack ID --reason TEXT [--for D | --until T] [--by WHO].
func acknowledge(env *cli.Env, args []string, action string) int {
	usage := "ID --reason TEXT [--for 4h | --until 2026-12-05T08:00:00Z] [--by WHO]"
	if action == acks.ActionUnack {
		usage = "ID --reason TEXT [--by WHO]"
	}
	fs := cli.NewFlagSet(env, usage)
	c := commonFlags(env, fs, false)
	reason := fs.String("reason", "", "why (required; shown with the diagnosis)")
	by := fs.String("by", defaultWho(), "who")
	var forD, until *string
	if action != acks.ActionUnack {
		help := "how long, e.g. 30m, 4h, 72h (default: until the diagnosis resolves)"
		if action == acks.ActionMute {
			help = "how long, e.g. 4h or 168h (a mute needs --for or --until)"
		}
		forD = fs.String("for", "", help)
		until = fs.String("until", "", "until this RFC 3339 time instead of --for")
	}
	if done, rc := cli.Parse(env, fs, args); done {
		return rc
	}
	if fs.NArg() != 1 {
		return cli.Usagef(env, "want one diagnosis id (see 'esdoctor diagnoses')")
	}
	if strings.TrimSpace(*reason) == "" {
		return cli.Usagef(env, "--reason is required: say why")
	}
	format, cl, ok := c.resolve(env)
	if !ok {
		return cli.ExitUsage
	}
	req := api.AckRequest{Action: action, By: *by, Reason: *reason}
	if forD != nil {
		req.For, req.Until = *forD, *until
	}
	ctx, cancel := c.ctx()
	defer cancel()
	id, rc := resolveID(ctx, env, cl, fs.Arg(0))
	if rc >= 0 {
		return rc
	}
	d, err := cl.Acknowledge(ctx, id, req)
	if err != nil {
		var se *api.StatusError
		if errors.As(err, &se) && (se.Code == http.StatusBadRequest || se.Code == http.StatusConflict || se.Code == http.StatusNotFound) {
			return cli.Usagef(env, "%s", se.Message)
		}
		if errors.As(err, &se) && (se.Code == http.StatusUnauthorized || se.Code == http.StatusForbidden) {
			return cli.Usagef(env, "%s (give an ack token with --token-file or $%s)", se.Message, TokenEnv)
		}
		return askFailed(env, cl, err)
	}
	if format == cli.FormatJSON {
		return writeJSON(env, d)
	}
	switch {
	case d.Ack == nil:
		fmt.Fprintf(env.Stdout, "%s %s%s is no longer acknowledged (%s).\n", d.Code, clusterLabel(&d), aliasLabel(&d), shortID(d.ID))
	default:
		until := "until it resolves"
		if d.Ack.Until != nil {
			until = "until " + stamp(*d.Ack.Until)
		}
		verb := "Acknowledged"
		if d.Ack.Kind == diagnosis.AckKindMute {
			verb = "Muted"
		}
		fmt.Fprintf(env.Stdout, "%s %s %s%s (%s) by %s %s: %s\n", verb, d.Code, clusterLabel(&d), aliasLabel(&d), shortID(d.ID), d.Ack.By, until, d.Ack.Reason)
	}
	return cli.ExitOK
}

// resolveID turns an id or a unique id prefix into an id; rc >= 0 means
// the command should exit with rc.
func resolveID(ctx context.Context, env *cli.Env, cl *api.Client, id string) (string, int) {
	d, err := cl.Diagnosis(ctx, id)
	if err == nil {
		return d.ID, -1
	}
	if !errors.Is(err, api.ErrNotFound) {
		return "", askFailed(env, cl, err)
	}
	all, err := cl.Diagnoses(ctx, api.Query{State: api.StateAll})
	if err != nil {
		return "", askFailed(env, cl, err)
	}
	var match []string
	for _, x := range all {
		if id != "" && strings.HasPrefix(x.ID, id) {
			match = append(match, x.ID)
		}
	}
	switch len(match) {
	case 0:
		return "", cli.Usagef(env, "no diagnosis with id %q", id)
	case 1:
		return match[0], -1
	default:
		return "", cli.Usagef(env, "id %q is ambiguous: %d diagnoses start with it", id, len(match))
	}
}

// defaultWho is USER@host.
func defaultWho() string {
	name := os.Getenv("USER")
	if u, err := user.Current(); err == nil && name == "" {
		name = u.Username
	}
	if name == "" {
		name = "unknown"
	}
	if h, err := os.Hostname(); err == nil && h != "" {
		return name + "@" + h
	}
	return name
}
