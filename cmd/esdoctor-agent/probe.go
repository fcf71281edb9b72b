package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"sort"
	"strings"
	"time"

	"github.com/esdoctor/esdoctor/agent/collector/probe"
	"github.com/esdoctor/esdoctor/agent/inspect"
	"github.com/esdoctor/esdoctor/shared/cli"
	"github.com/esdoctor/esdoctor/shared/event"
	"github.com/esdoctor/esdoctor/shared/logx"
)

// probeReport is what `esdoctor-agent probe --format json` prints.
type probeReport struct {
	Cluster string        `json:"cluster"`
	Node    string        `json:"node"`
	Time    time.Time     `json:"time"`
	Probes  []event.Probe `json:"probes"`
}

func runProbe(env *cli.Env, args []string) int {
	fs := cli.NewFlagSet(env, "--path-conf DIR [--cluster-settings F] [--format json|text]")
	var nf nodeFlags
	nf.register(fs)
	format := cli.FormatFlag(fs, env.Stdout)
	connect := fs.Duration("connect-timeout", 3*time.Second, "timeout of one TCP connect")
	hs := fs.Duration("handshake-timeout", 5*time.Second, "timeout of one TLS handshake")
	logLevel := fs.String("log-level", "", "log level for stderr (debug, info, warn, error)")
	if done, code := cli.ParseNoArgs(env, fs, args); done {
		return code
	}
	f, ok := cli.CheckFormat(env, *format)
	if !ok {
		return cli.ExitUsage
	}
	o, bad := nf.options()
	if bad != "" {
		return cli.Usagef(env, "%s", bad)
	}
	defer nf.sayNote(env)
	o.LogStart = nil // probes need the configuration only
	log := logx.New(logx.Options{Level: *logLevel})
	defer log.Sync()
	o.Logger = log
	res, err := inspect.Inspect(context.Background(), o)
	if err != nil {
		return cli.Usagef(env, "%v", err)
	}
	ps := probe.New(probe.Options{ConnectTimeout: *connect, HandshakeTimeout: *hs}).Run(context.Background(), probe.FromInspect(res))
	rep := probeReport{Cluster: res.Snapshot.Cluster, Node: res.Snapshot.Node, Time: time.Now().UTC(), Probes: ps}
	if rep.Probes == nil {
		rep.Probes = []event.Probe{}
	}
	if f == cli.FormatJSON {
		enc := json.NewEncoder(env.Stdout)
		enc.SetIndent("", "  ")
		if err := enc.Encode(rep); err != nil {
			return cli.Usagef(env, "writing output: %v", err)
		}
	} else {
		writeProbes(env.Stdout, rep)
	}
	for _, p := range ps {
		if !p.OK && p.Kind != "kernel" {
			return cli.ExitProblems
		}
	}
	return cli.ExitOK
}

// writeProbes prints one block per probe for people.
func writeProbes(w io.Writer, rep probeReport) {
	fmt.Fprintf(w, "probes from %s/%s\n", rep.Cluster, rep.Node)
	if len(rep.Probes) == 0 {
		fmt.Fprintln(w, "  nothing to probe: no remote cluster, no discovery.seed_hosts")
	}
	for _, p := range rep.Probes {
		status := "ok"
		if !p.OK {
			status = "FAIL"
		}
		what := p.Purpose
		if p.Alias != "" {
			what += " cluster.remote." + p.Alias
		}
		fmt.Fprintf(w, "\n%-4s %s %s (%s)\n", status, p.Kind, p.Target, what)
		if p.Error != "" {
			fmt.Fprintf(w, "     error: %s", p.Error)
			if p.ErrorKind != "" {
				fmt.Fprintf(w, " [%s]", p.ErrorKind)
			}
			fmt.Fprintln(w)
		}
		if m := p.Facts["meaning"]; m != "" {
			fmt.Fprintf(w, "     means: %s\n", m)
		}
		if p.TLSVersion != "" {
			fmt.Fprintf(w, "     tls: %s %s", p.TLSVersion, p.CipherSuite)
			if p.ClientCertRequested != nil {
				fmt.Fprintf(w, ", client certificate requested: %v", *p.ClientCertRequested)
			}
			fmt.Fprintln(w)
		}
		for i, c := range p.PeerCertificates {
			fmt.Fprintf(w, "     chain[%d]: %s (issuer %s; SANs %s; %s .. %s; sha256 %s)\n", i, c.Subject, c.Issuer, strings.Join(c.SANs, ", "),
				c.NotBefore.UTC().Format("2006-01-02"), c.NotAfter.UTC().Format("2006-01-02"), c.SHA256)
		}
		if p.SSLContext != "" && p.Verified != nil {
			fmt.Fprintf(w, "     trust: %s (verification_mode %s, %s)\n", p.SSLContext, p.VerificationMode, p.Facts["trust"])
			if *p.Verified {
				fmt.Fprintln(w, "     verified")
			} else {
				fmt.Fprintf(w, "     NOT verified [%s]: %s\n", p.VerifyReason, p.VerifyError)
			}
		}
		if p.Kind == "kernel" {
			for _, k := range sortedFactKeys(p.Facts) {
				fmt.Fprintf(w, "     %s = %s\n", k, p.Facts[k])
			}
		}
	}
}

func sortedFactKeys(m map[string]string) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}
