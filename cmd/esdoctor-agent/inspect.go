package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"strings"
	"time"

	"github.com/esdoctor/esdoctor/agent/inspect"
	"github.com/esdoctor/esdoctor/shared/cli"
	"github.com/esdoctor/esdoctor/shared/logx"
	"github.com/esdoctor/esdoctor/shared/safefile"
	"github.com/esdoctor/esdoctor/shared/secret"
	"github.com/esdoctor/esdoctor/shared/sitekey"
)

// nodeFlags are the flags that describe one node, shared by inspect and collect.
type nodeFlags struct {
	pathConf, pathLogs, cluster, node string
	passwordFile, fingerprintKeyFile  string
	note                              string // said on stderr once the options are used
	clusterSettings                   string
	tz                                string
}

func (nf *nodeFlags) register(fs interface {
	StringVar(*string, string, string, string)
}) {
	fs.StringVar(&nf.pathConf, "path-conf", os.Getenv("ES_PATH_CONF"), "the node's config dir holding elasticsearch.yml and elasticsearch.keystore (default $ES_PATH_CONF)")
	fs.StringVar(&nf.pathLogs, "path-logs", "", "the node's log dir (default: path.logs from elasticsearch.yml)")
	fs.StringVar(&nf.cluster, "cluster", "", "override cluster.name")
	fs.StringVar(&nf.node, "node", "", "override node.name")
	fs.StringVar(&nf.passwordFile, "keystore-password-file", "", "file holding the keystore password (for a password-protected keystore)")
	fs.StringVar(&nf.fingerprintKeyFile, "fingerprint-key-file", "", "site key for keyed fingerprints of keystore values (same file on every node)")
	fs.StringVar(&nf.clusterSettings, "cluster-settings", "", "a saved GET _cluster/settings response (remote clusters are usually defined there)")
	fs.StringVar(&nf.tz, "tz", "", "time zone of plain-layout log timestamps (default: this machine's)")
}

// options turns the flags into inspect options; a non-empty string is a usage error.
func (nf *nodeFlags) options() (inspect.Options, string) {
	o := inspect.Options{PathConf: nf.pathConf, PathLogs: nf.pathLogs, Cluster: nf.cluster, Node: nf.node, ClusterSettings: nf.clusterSettings}
	if nf.pathConf == "" {
		return o, "--path-conf is required (or set ES_PATH_CONF)"
	}
	if nf.passwordFile != "" {
		// Like ES's KEYSTORE_PASSWORD_FILE: the first line is the password.
		pw, err := safefile.ReadLine(nf.passwordFile)
		if err != nil {
			return o, "--keystore-password-file " + fileErr(nf.passwordFile, err)
		}
		o.KeystorePassword = secret.New(pw)
	}
	if nf.fingerprintKeyFile != "" {
		key, err := sitekey.Load(nf.fingerprintKeyFile)
		if err != nil {
			return o, "--fingerprint-key-file: " + unwrapPath(err).Error()
		}
		o.FingerprintKey = key
	} else if st, err := os.Stat(nf.pathConf); err == nil && st.IsDir() {
		// No key given: the one kept for offline runs (created the first
		// time, and said so), so fingerprints are always keyed.
		path := sitekey.OfflinePath()
		key, created, err := sitekey.LoadOrCreate(path)
		if err != nil {
			return o, "no --fingerprint-key-file given and no site key could be kept: " + unwrapPath(err).Error()
		}
		o.FingerprintKey = key
		if created {
			nf.note = fmt.Sprintf("no --fingerprint-key-file given: created a site fingerprint key in %s; copy it to the other nodes "+
				"(or pass --fingerprint-key-file, or use the aggregator's) so that their fingerprints compare", path)
		}
	}
	if nf.tz != "" {
		l, err := time.LoadLocation(nf.tz)
		if err != nil {
			return o, "--tz: " + err.Error()
		}
		o.Location = l
	}
	o.LogStart = inspect.LogStart
	return o, ""
}

func runInspect(env *cli.Env, args []string) int {
	fs := cli.NewFlagSet(env, "--path-conf DIR [--path-logs DIR] [--keystore-password-file F] [--format json|text]")
	var nf nodeFlags
	nf.register(fs)
	format := cli.FormatFlag(fs, env.Stdout)
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
	log := logx.New(logx.Options{Level: *logLevel})
	defer log.Sync()
	o.Logger = log
	res, err := inspect.Inspect(context.Background(), o)
	if err != nil {
		return cli.Usagef(env, "%v", err)
	}
	if f == cli.FormatJSON {
		enc := json.NewEncoder(env.Stdout)
		enc.SetIndent("", "  ")
		if err := enc.Encode(res.Snapshot); err != nil {
			return cli.Usagef(env, "writing output: %v", err)
		}
		return cli.ExitOK
	}
	inspect.WriteText(env.Stdout, res.Snapshot)
	return cli.ExitOK
}

// fileErr says why a file named by a flag could not be used: its path and
// the cause, once each.
func fileErr(path string, err error) string {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		err = pe.Err
	}
	return path + ": " + err.Error()
}

// unwrapPath drops the "open PATH:" of an *fs.PathError whose path the
// message already names.
func unwrapPath(err error) error {
	var pe *fs.PathError
	if errors.As(err, &pe) && strings.Contains(err.Error(), pe.Path+": "+pe.Op) {
		return errors.New(strings.Replace(err.Error(), pe.Op+" "+pe.Path+": ", "", 1))
	}
	return err
}

// sayNote prints the site-key note (if any) on stderr, after the command's
// own output, and not when the command failed on its input before.
func (nf *nodeFlags) sayNote(env *cli.Env) {
	if nf.note != "" {
		fmt.Fprintf(env.Stderr, "%s: %s\n", env.Prog, nf.note)
	}
}
