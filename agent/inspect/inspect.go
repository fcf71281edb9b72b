// Package inspect builds one node's snapshot: it reads elasticsearch.yml
// (and optionally a saved _cluster/settings response), lists the keystore's
// entry names, loads every certificate file an ssl setting points at, finds
// the running ES process, and reports the problems visible on this node alone.
//
// One failing input never stops the others: each is reported in
// Snapshot.Errors with the file and the cause, and the rest is inspected.
package inspect

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"go.uber.org/zap"

	"github.com/esdoctor/esdoctor/agent/collector/certs"
	"github.com/esdoctor/esdoctor/agent/collector/config"
	"github.com/esdoctor/esdoctor/agent/collector/keystore"
	"github.com/esdoctor/esdoctor/agent/collector/process"
	"github.com/esdoctor/esdoctor/internal/kdfbudget"
	"github.com/esdoctor/esdoctor/shared/event"
	"github.com/esdoctor/esdoctor/shared/safefile"
	"github.com/esdoctor/esdoctor/shared/secret"
)

// Options describes the node to inspect. Only PathConf is required.
type Options struct {
	// PathConf is the config dir (ES_PATH_CONF) holding elasticsearch.yml,
	// elasticsearch.keystore and certificate files.
	PathConf string
	// PathLogs is the log dir. Optional: default path.logs from the yml.
	PathLogs string
	// Cluster and Node override cluster.name / node.name.
	Cluster, Node string
	// KeystorePassword opens a password-protected keystore. Optional.
	KeystorePassword secret.Bytes
	// FingerprintKey is the site key for keyed fingerprints. Optional: without
	// it a deliberately slow KDF with a fixed salt is used.
	FingerprintKey []byte
	// Fingerprinter overrides FingerprintKey (to share a cache). Optional.
	Fingerprinter *keystore.Fingerprinter
	// ClusterSettings is a saved `GET _cluster/settings` response. Optional.
	ClusterSettings string
	// LookupEnv resolves ${VAR} in the yml. Optional: default os.LookupEnv.
	LookupEnv func(string) (string, bool)
	// Hostname is the default node.name. Optional: default os.Hostname.
	Hostname string
	// Now is the clock. Optional: default time.Now.
	Now func() time.Time
	// Proc finds the running ES process. Optional: default reads /proc.
	Proc *process.Finder
	// NoProcess skips the process lookup (offline bundles from another host).
	NoProcess bool
	// LogStart finds the last node start in the log dir. Optional.
	LogStart func(ctx context.Context, logDir, cluster string, loc *time.Location) (*StartInfo, error)
	// Location is the zone of plain-layout log timestamps. Optional: Local.
	Location *time.Location
	// Logger. Optional.
	Logger *zap.Logger
}

// StartInfo is what the logs tell about the node's last start.
type StartInfo struct {
	Time time.Time
	// LastLog is the time of the last record in the active log files.
	LastLog time.Time
	// Stopped is the time of a "stopping ..." record after the last start
	// (zero when the log shows the node still running).
	Stopped   time.Time
	Version   string
	PID       int
	Addresses []event.Address
}

// Result is a snapshot plus the parsed material the agent's other collectors
// (probes) use locally. Only Snapshot ever leaves the process.
type Result struct {
	Snapshot *event.Snapshot
	View     *config.View
	// Certs maps a CertFile's index in Snapshot.Certificates to its parsed
	// certificates.
	Certs map[int][]*certsX509
}

// Inspect reads the node and returns its snapshot. It returns an error only
// when the config dir itself is unusable (missing, not a directory).
func Inspect(ctx context.Context, o Options) (*Result, error) {
	if o.PathConf == "" {
		return nil, errors.New("inspect: no config dir given (--path-conf)")
	}
	st, err := os.Stat(o.PathConf)
	if err != nil {
		return nil, fmt.Errorf("inspect: config dir %s: %w", o.PathConf, unwrapPathErr(err))
	}
	if !st.IsDir() {
		return nil, fmt.Errorf("inspect: config dir %s: not a directory", o.PathConf)
	}
	conf, _ := filepath.Abs(o.PathConf)
	o.PathConf = conf
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.LookupEnv == nil {
		o.LookupEnv = os.LookupEnv
	}
	if o.Hostname == "" {
		o.Hostname, _ = os.Hostname()
	}
	if o.Logger == nil {
		o.Logger = zap.NewNop()
	}
	log := o.Logger.Named("inspect")

	n := &nodeState{opts: o, log: log, kdf: kdfbudget.ForInspection()}
	n.snap = &event.Snapshot{
		PathConf:     conf,
		InspectedAt:  o.Now().UTC(),
		Settings:     map[string]event.Setting{},
		Certificates: []event.CertFile{},
		Remotes:      []event.Remote{},
		Problems:     []event.Problem{},
		Errors:       []event.FileError{},
	}
	n.readYML()
	n.readClusterSettings()
	n.view = config.NewView(n.yml, n.clusterSettings)
	n.identify()
	n.readKeystore()
	n.readCertificates()
	n.remotes()
	n.findStart(ctx)
	n.snap.Addresses = append(n.view.Listeners(), n.logAddresses...)
	n.snap.Host = hostOf(n.view, o.Hostname)
	n.problems()
	n.finish()
	return &Result{Snapshot: n.snap, View: n.view, Certs: n.parsed}, nil
}

// nodeState carries one inspection.
type nodeState struct {
	opts            Options
	log             *zap.Logger
	snap            *event.Snapshot
	yml             *config.YML
	clusterSettings *config.ClusterSettings
	view            *config.View
	ks              *keystore.Keystore
	parsed          map[int][]*certsX509
	logAddresses    []event.Address
	lastLog         time.Time
	logStopped      time.Time
	// kdf caps the key-derivation work of the whole inspection (keystore,
	// every PKCS#12 and encrypted key an ssl setting names).
	kdf *kdfbudget.Budget
}

func (n *nodeState) fileError(path string, err error) {
	msg := secret.Scrub(err.Error())
	n.snap.Errors = append(n.snap.Errors, event.FileError{File: path, Error: msg})
	n.log.Warn("input could not be read", zap.String("path", path), zap.String("cause", msg))
}

func (n *nodeState) fileInfo(path, role string) {
	st, err := os.Stat(path)
	if err != nil {
		return
	}
	for _, f := range n.snap.Files {
		if f.Path == path {
			return
		}
	}
	n.snap.Files = append(n.snap.Files, event.FileInfo{Path: path, Role: role, ModTime: st.ModTime().UTC()})
}

func (n *nodeState) readYML() {
	path := filepath.Join(n.opts.PathConf, "elasticsearch.yml")
	y, err := config.Load(path, n.opts.LookupEnv)
	switch {
	case err == nil:
		n.yml = y
		n.fileInfo(path, "yml")
	case errors.Is(err, fs.ErrNotExist):
		// ES loads nothing from a missing yml; that is not an error for it,
		// but the operator should know.
		n.fileError(path, fmt.Errorf("elasticsearch.yml not found in %s (Elasticsearch starts with defaults)", n.opts.PathConf))
	default:
		n.fileError(path, err)
		n.fileInfo(path, "yml")
	}
}

func (n *nodeState) readClusterSettings() {
	if n.opts.ClusterSettings == "" {
		return
	}
	b, err := readLimited(n.opts.ClusterSettings, 16<<20)
	if err != nil {
		n.fileError(n.opts.ClusterSettings, err)
		return
	}
	cs, err := config.ParseClusterSettings(b, n.opts.ClusterSettings)
	if err != nil {
		n.fileError(n.opts.ClusterSettings, err)
		return
	}
	n.clusterSettings = cs
}

func (n *nodeState) identify() {
	n.snap.Cluster = n.view.ClusterName()
	if n.opts.Cluster != "" {
		n.snap.Cluster = n.opts.Cluster
	}
	n.snap.Node = n.view.NodeName(n.opts.Hostname)
	if n.opts.Node != "" {
		n.snap.Node = n.opts.Node
	}
	n.snap.Settings = n.view.Report()
	if n.opts.PathLogs != "" {
		n.snap.PathLogs, _ = filepath.Abs(n.opts.PathLogs)
	} else if v, _, ok := n.view.Get("path.logs"); ok && v.Scalar != "" {
		n.snap.PathLogs = v.Scalar
	}
}

func (n *nodeState) readKeystore() {
	path := filepath.Join(n.opts.PathConf, "elasticsearch.keystore")
	data, err := readLimited(path, 64<<20)
	if errors.Is(err, fs.ErrNotExist) {
		return
	}
	n.fileInfo(path, "keystore")
	info := &event.Keystore{Path: path, Entries: []event.KeystoreEntry{}}
	if st, err := os.Stat(path); err == nil {
		info.ModTime = st.ModTime().UTC()
	}
	n.snap.Keystore = info
	if err != nil {
		n.fileError(path, fmt.Errorf("keystore %s: %w", path, unwrapPathErr(err)))
		return
	}
	if v, hp, herr := keystore.ReadHeader(data, path); herr == nil {
		info.FormatVersion, info.PasswordProtected = v, hp
	}
	if err := n.kdf.Charge(keystore.KDFRounds(info.FormatVersion), "the keystore's PBKDF2"); err != nil {
		n.fileError(path, fmt.Errorf("keystore %s: %w", path, err))
		return
	}
	ks, err := keystore.Parse(data, path, n.opts.KeystorePassword)
	if err != nil {
		n.fileError(path, err)
		if errors.Is(err, keystore.ErrWrongPassword) {
			if info.PasswordProtected && n.opts.KeystorePassword.IsZero() {
				// Elasticsearch has its password; only this agent lacks it.
				// That is an unreadable input (listed in errors), not a
				// problem of the node.
				return
			}
			n.problem(event.Problem{Code: codeKeystoreUnreadable, Severity: "error", File: path,
				Message: "the keystore password given does not open " + path + " (wrong password, or a tampered file)"})
		} else {
			n.problem(event.Problem{Code: codeKeystoreUnreadable, Severity: "error",
				Message: "Elasticsearch cannot read its keystore: " + err.Error(), File: path})
		}
		return
	}
	n.ks = ks
	info.Opened = true
	info.FormatVersion, info.PasswordProtected = ks.Version, ks.HasPassword
	fp := n.opts.Fingerprinter
	if fp == nil {
		fp = keystore.NewFingerprinter(n.opts.FingerprintKey)
	}
	for _, name := range ks.Names() {
		v, _ := ks.Get(name)
		e := event.KeystoreEntry{Name: name, Fingerprint: fp.Fingerprint(v)}
		if isCredentialsEntry(name) {
			if id, ok := keystore.APIKeyID(v); ok {
				e.APIKeyID = id
			}
		}
		info.Entries = append(info.Entries, e)
	}
}

// keystoreSecret returns a keystore value, if the keystore is open.
func (n *nodeState) keystoreSecret(name string) (secret.Bytes, bool) {
	if n.ks == nil {
		return secret.Bytes{}, false
	}
	return n.ks.Get(name)
}

func (n *nodeState) hasKeystoreEntry(name string) bool {
	if n.snap.Keystore == nil {
		return false
	}
	for _, e := range n.snap.Keystore.Entries {
		if e.Name == name {
			return true
		}
	}
	return false
}

// isCredentialsEntry matches cluster.remote.<alias>.credentials.
func isCredentialsEntry(name string) bool {
	return credentialsAlias(name) != ""
}

func credentialsAlias(name string) string {
	rest, ok := strings.CutPrefix(name, "cluster.remote.")
	if !ok {
		return ""
	}
	alias, ok := strings.CutSuffix(rest, ".credentials")
	if !ok || alias == "" || strings.Contains(alias, ".") {
		return ""
	}
	return alias
}

func (n *nodeState) remotes() {
	rs := n.view.Remotes()
	have := map[string]bool{}
	for i := range rs {
		have[rs[i].Alias] = true
		r := &rs[i]
		name := "cluster.remote." + r.Alias + ".credentials"
		if n.hasKeystoreEntry(name) {
			r.HasCredentials = true
			r.APIKeyID = n.apiKeyID(name)
		}
	}
	// Credentials for an alias that has no definition here: the remote is
	// probably defined through _cluster/settings, which a file inspector
	// cannot see. Report it so the aggregator can still pair by alias.
	if n.snap.Keystore != nil {
		for _, e := range n.snap.Keystore.Entries {
			if a := credentialsAlias(e.Name); a != "" && !have[a] {
				rs = append(rs, event.Remote{Alias: a, Source: "keystore", HasCredentials: true, APIKeyID: e.APIKeyID})
			}
		}
	}
	sort.SliceStable(rs, func(i, j int) bool { return rs[i].Alias < rs[j].Alias })
	n.snap.Remotes = append([]event.Remote{}, rs...) // "remotes": [] rather than null when there is none
}

func (n *nodeState) apiKeyID(entry string) string {
	for _, e := range n.snap.Keystore.Entries {
		if e.Name == entry {
			return e.APIKeyID
		}
	}
	return ""
}

func (n *nodeState) findStart(ctx context.Context) {
	if !n.opts.NoProcess {
		f := n.opts.Proc
		if f == nil {
			f = &process.Finder{}
		}
		p, err := f.Find(n.opts.PathConf)
		if err == nil {
			t := p.StartTime
			n.snap.StartedAt, n.snap.StartSource, n.snap.PID, n.snap.ESVersion = &t, "process", p.PID, p.Version
		} else if !errors.Is(err, process.ErrNotFound) {
			n.log.Debug("process lookup failed", zap.Error(err))
		}
	}
	if n.snap.PathLogs == "" || n.opts.LogStart == nil {
		return
	}
	si, err := n.opts.LogStart(ctx, n.snap.PathLogs, n.snap.Cluster, n.opts.Location)
	if err != nil {
		n.fileError(n.snap.PathLogs, err)
		return
	}
	if si == nil {
		return
	}
	n.logAddresses = si.Addresses
	n.lastLog = si.LastLog
	n.logStopped = si.Stopped
	if n.snap.StartedAt == nil && !si.Time.IsZero() {
		t := si.Time.UTC()
		n.snap.StartedAt, n.snap.StartSource = &t, "log"
		if n.snap.PID == 0 {
			n.snap.PID = si.PID
		}
	}
	if n.snap.ESVersion == "" {
		n.snap.ESVersion = si.Version
	}
}

func (n *nodeState) problem(p event.Problem) {
	for _, q := range n.snap.Problems {
		if q.Code == p.Code && q.Message == p.Message {
			return
		}
	}
	n.snap.Problems = append(n.snap.Problems, p)
}

func (n *nodeState) finish() {
	s := n.snap
	sort.SliceStable(s.Problems, func(i, j int) bool {
		a, b := s.Problems[i], s.Problems[j]
		if ra, rb := sevRank(a.Severity), sevRank(b.Severity); ra != rb {
			return ra < rb
		}
		if a.Code != b.Code {
			return a.Code < b.Code
		}
		return a.Message < b.Message
	})
	sort.SliceStable(s.Files, func(i, j int) bool { return s.Files[i].Path < s.Files[j].Path })
}

func sevRank(s string) int {
	switch s {
	case "critical":
		return 0
	case "error":
		return 1
	case "warning":
		return 2
	case "info":
		return 3
	}
	return 4
}

// readLimited reads a file, refusing files larger than max, directories and
// other non-regular files, with errors that name the cause.
func readLimited(path string, max int64) ([]byte, error) {
	b, err := safefile.ReadFile(path, max)
	var se *safefile.Error
	if errors.As(err, &se) {
		return nil, fmt.Errorf("%s %w", path, err)
	}
	return b, err
}

// unwrapPathErr turns *fs.PathError into its cause; callers already name the file.
func unwrapPathErr(err error) error {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return pe.Err
	}
	return err
}

var _ = certs.PEM
