package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"strings"
	"time"

	"github.com/esdoctor/esdoctor/agent/collect"
	meshpack "github.com/esdoctor/esdoctor/agent/mesh"
	"github.com/esdoctor/esdoctor/shared/bundle"
	"github.com/esdoctor/esdoctor/shared/cli"
	"github.com/esdoctor/esdoctor/shared/logx"
)

func runCollect(env *cli.Env, args []string) int {
	fs := cli.NewFlagSet(env, "--path-conf DIR --path-logs DIR [--cluster-settings F] -o BUNDLE")
	var nf nodeFlags
	nf.register(fs)
	out := fs.String("o", "", "the bundle file to write (required)")
	window := fs.Duration("window", 10*time.Minute, "fold repeats of a symptom within this window of log time (0: off)")
	mesh := fs.Bool("mesh", false, "turn the service-mesh pack on (implied by any --mesh-* input)")
	var mc meshFlags
	mc.register(fs)
	format := cli.FormatFlag(fs, env.Stdout)
	logLevel := fs.String("log-level", "", "log level for stderr (debug, info, warn, error)")
	if done, code := cli.ParseNoArgs(env, fs, args); done {
		return code
	}
	f, ok := cli.CheckFormat(env, *format)
	if !ok {
		return cli.ExitUsage
	}
	if *out == "" {
		return cli.Usagef(env, "-o BUNDLE is required")
	}
	o, bad := nf.options()
	if bad != "" {
		return cli.Usagef(env, "%s", bad)
	}
	defer nf.sayNote(env)
	loc := o.Location
	log := logx.New(logx.Options{Level: *logLevel})
	defer log.Sync()
	o.Logger = log
	mcfg, bad := mc.config(*mesh)
	if bad != "" {
		return cli.Usagef(env, "%s", bad)
	}
	b, err := collect.Collect(context.Background(), collect.Options{Inspect: o, Window: *window, Location: loc, MeshPack: *mesh, Mesh: mcfg})
	if err != nil {
		return cli.Usagef(env, "%v", err)
	}
	if err := bundle.Write(*out, b); err != nil {
		return cli.Usagef(env, "%v", err)
	}
	symptoms := len(b.Events) - 1
	if f == cli.FormatJSON {
		json.NewEncoder(env.Stdout).Encode(map[string]any{"bundle": *out, "cluster": b.Cluster, "node": b.Node, "events": len(b.Events), "symptoms": symptoms, "errors": b.Errors})
		return cli.ExitOK
	}
	fmt.Fprintf(env.Stdout, "wrote %s: node %s of cluster %s, 1 snapshot, %d symptoms, %d unreadable inputs\n", *out, b.Node, b.Cluster, symptoms, len(b.Errors))
	for _, e := range b.Errors {
		fmt.Fprintf(env.Stdout, "  %s: %s\n", e.File, e.Error)
	}
	return cli.ExitOK
}

// meshFlags are collect's service-mesh pack inputs (the agent config's
// mesh: section for the daemon).
type meshFlags struct {
	logs, objects, checks stringList
	trustDomain, ca       *string
}

func (m *meshFlags) register(fs *flag.FlagSet) {
	fs.Var(&m.logs, "mesh-logs", "istiod / istio-proxy log file or glob, e.g. '/var/log/containers/*istiod*' (repeatable)")
	fs.Var(&m.objects, "mesh-objects", "saved 'kubectl get ... -o yaml' file or directory (repeatable)")
	fs.Var(&m.checks, "mesh-cert-check", "saved 'openssl s_client -alpn istio -showcerts' output or X-Forwarded-Client-Cert value (repeatable)")
	m.trustDomain = fs.String("mesh-trust-domain", "", "the mesh's expected trust domain")
	m.ca = fs.String("mesh-ca", "", "the expected certificate authority: mesh-ca or istiod")
}

// config is nil when the pack is off.
func (m *meshFlags) config(on bool) (*meshpack.Config, string) {
	c := &meshpack.Config{Enabled: on, Logs: m.logs, Objects: m.objects, CertChecks: m.checks, TrustDomain: *m.trustDomain, CA: *m.ca}
	if !c.On() {
		if c.TrustDomain != "" || c.CA != "" {
			return nil, "--mesh-trust-domain and --mesh-ca need --mesh or a --mesh-* input"
		}
		return nil, ""
	}
	if err := c.Validate(); err != nil {
		return nil, err.Error()
	}
	return c, ""
}

// stringList is a repeatable string flag.
type stringList []string

func (l *stringList) String() string { return strings.Join(*l, ",") }
func (l *stringList) Set(s string) error {
	*l = append(*l, s)
	return nil
}
