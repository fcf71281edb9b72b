package natsauth

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"github.com/google/renameio/v2"
	"github.com/nats-io/jwt/v2"
	"github.com/nats-io/nats-server/v2/server"
	"github.com/nats-io/nkeys"
	"golang.org/x/sys/unix"

	"github.com/esdoctor/esdoctor/shared/event"
	"github.com/esdoctor/esdoctor/shared/natsx"
	"github.com/esdoctor/esdoctor/shared/sitekey"
)

// File names inside the authority's directory.
const (
	DirName         = "auth"
	operatorSeed    = "operator.nk"
	systemSeed      = "system.nk"
	accountSeed     = "account.nk"
	AccountJWTFile  = "account.jwt"
	RegistryFile    = "agents.json"
	AggregatorCreds = "aggregator.creds"
	CLICreds        = "cli.creds"
	lockFile        = ".lock"
)

// Agent is one enrolled agent in the register.
type Agent struct {
	Cluster   string     `json:"cluster"`
	Node      string     `json:"node"`
	User      string     `json:"user"` // public nkey
	Enrolled  time.Time  `json:"enrolled"`
	RevokedAt *time.Time `json:"revoked,omitempty"`
}

// Active reports whether the agent's key is not revoked.
func (a Agent) Active() bool { return a.RevokedAt == nil }

type registry struct {
	Agents []Agent `json:"agents"`
}

// Authority holds the keys of one aggregator's data directory.
type Authority struct {
	dir                 string
	dataDir             string
	operator, sys, acct nkeys.KeyPair
	operatorPub, sysPub string
	acctPub             string
	operatorJWT, sysJWT string
}

// Open loads the authority in dataDir/auth, creating its keys and the
// aggregator's and CLI's credentials the first time.
func Open(dataDir string) (*Authority, error) {
	dir := filepath.Join(dataDir, DirName)
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("natsauth: %s: %w", dir, err)
	}
	a := &Authority{dir: dir, dataDir: dataDir}
	unlock, err := a.lock()
	if err != nil {
		return nil, err
	}
	defer unlock()
	if a.operator, err = loadOrCreate(filepath.Join(dir, operatorSeed), nkeys.CreateOperator, nkeys.PrefixByteOperator); err != nil {
		return nil, err
	}
	if a.sys, err = loadOrCreate(filepath.Join(dir, systemSeed), nkeys.CreateAccount, nkeys.PrefixByteAccount); err != nil {
		return nil, err
	}
	if a.acct, err = loadOrCreate(filepath.Join(dir, accountSeed), nkeys.CreateAccount, nkeys.PrefixByteAccount); err != nil {
		return nil, err
	}
	a.operatorPub, _ = a.operator.PublicKey()
	a.sysPub, _ = a.sys.PublicKey()
	a.acctPub, _ = a.acct.PublicKey()

	oc := jwt.NewOperatorClaims(a.operatorPub)
	oc.Name = "esdoctor"
	oc.SystemAccount = a.sysPub
	if a.operatorJWT, err = oc.Encode(a.operator); err != nil {
		return nil, fmt.Errorf("natsauth: operator JWT: %w", err)
	}
	sc := jwt.NewAccountClaims(a.sysPub)
	sc.Name = "SYS"
	if a.sysJWT, err = sc.Encode(a.operator); err != nil {
		return nil, fmt.Errorf("natsauth: system account JWT: %w", err)
	}
	reg, err := a.readRegistry()
	if err != nil {
		return nil, err
	}
	if _, err := os.Stat(filepath.Join(dir, AccountJWTFile)); err != nil {
		if err := a.writeAccountJWT(reg); err != nil {
			return nil, err
		}
	}
	for _, name := range []string{AggregatorCreds, CLICreds} {
		path := filepath.Join(dir, name)
		if _, err := os.Stat(path); err == nil {
			continue
		}
		var perms func(*jwt.UserClaims)
		display := "esdoctor-aggregator"
		if name == CLICreds {
			display = "esdoctor-cli"
			perms = func(uc *jwt.UserClaims) {
				uc.Pub.Allow.Add("esdoctor.v1.api.>", "$SRV.>")
				uc.Sub.Allow.Add(natsx.InboxRoot+".cli.>", natsx.SubjectPrefix+".diagnosis.>")
			}
		}
		creds, _, err := a.issue(display, perms)
		if err != nil {
			return nil, err
		}
		if err := renameio.WriteFile(path, creds, 0o600); err != nil {
			return nil, fmt.Errorf("natsauth: %s: %w", path, err)
		}
	}
	return a, nil
}

// Dir is the authority's directory.
func (a *Authority) Dir() string { return a.dir }

// AggregatorCredsFile is the aggregator's own credentials file.
func (a *Authority) AggregatorCredsFile() string { return filepath.Join(a.dir, AggregatorCreds) }

// CLICredsFile is the query-only credentials file.
func (a *Authority) CLICredsFile() string { return filepath.Join(a.dir, CLICreds) }

// Account is the public key of the account every esdoctor user is in.
func (a *Authority) Account() string { return a.acctPub }

// Configure turns o into an operator-mode server trusting this authority:
// every client must present a user JWT signed by the account key.
func (a *Authority) Configure(o *server.Options) error {
	oc, err := jwt.DecodeOperatorClaims(a.operatorJWT)
	if err != nil {
		return fmt.Errorf("natsauth: operator JWT: %w", err)
	}
	acctJWT, err := a.AccountJWT()
	if err != nil {
		return err
	}
	res := &server.MemAccResolver{}
	_ = res.Store(a.sysPub, a.sysJWT)
	_ = res.Store(a.acctPub, acctJWT)
	o.TrustedOperators = []*jwt.OperatorClaims{oc}
	o.AccountResolver = res
	o.SystemAccount = a.sysPub
	return nil
}

// AccountJWT is the current account JWT (with the revocations) as saved.
func (a *Authority) AccountJWT() (string, error) {
	path := filepath.Join(a.dir, AccountJWTFile)
	b, err := os.ReadFile(path)
	if err != nil {
		return "", fmt.Errorf("natsauth: %s: %w", path, err)
	}
	tok := strings.TrimSpace(string(b))
	ac, err := jwt.DecodeAccountClaims(tok)
	if err != nil {
		return "", fmt.Errorf("natsauth: %s: %w", path, err)
	}
	if ac.Subject != a.acctPub || ac.Issuer != a.operatorPub {
		return "", fmt.Errorf("natsauth: %s: not this authority's account JWT", path)
	}
	return tok, nil
}

// Apply loads the saved account JWT into a running server (after Revoke):
// clients whose keys are now revoked are disconnected at once.
func (a *Authority) Apply(s *server.Server) error {
	tok, err := a.AccountJWT()
	if err != nil {
		return err
	}
	ac, err := jwt.DecodeAccountClaims(tok)
	if err != nil {
		return fmt.Errorf("natsauth: account JWT: %w", err)
	}
	if res := s.AccountResolver(); res != nil {
		if err := res.Store(a.acctPub, tok); err != nil {
			return fmt.Errorf("natsauth: account resolver: %w", err)
		}
	}
	acc, err := s.LookupAccount(a.acctPub)
	if err != nil {
		return fmt.Errorf("natsauth: account %s: %w", a.acctPub, err)
	}
	s.UpdateAccountClaims(acc, ac)
	return nil
}

// Enroll issues the credentials of the agent of cluster/node: a new user
// key that may publish only that node's events. A node enrolled before
// gets a new key and its old one is revoked.
func (a *Authority) Enroll(cluster, node string) ([]byte, error) {
	if err := checkName("cluster", cluster); err != nil {
		return nil, err
	}
	if err := checkName("node", node); err != nil {
		return nil, err
	}
	unlock, err := a.lock()
	if err != nil {
		return nil, err
	}
	defer unlock()
	reg, err := a.readRegistry()
	if err != nil {
		return nil, err
	}
	now := time.Now().UTC().Truncate(time.Second)
	tc, tn := event.SubjectToken(cluster), event.SubjectToken(node)
	for i, ag := range reg.Agents {
		if event.SubjectToken(ag.Cluster) != tc || event.SubjectToken(ag.Node) != tn || !ag.Active() {
			continue
		}
		if ag.Cluster != cluster || ag.Node != node {
			return nil, fmt.Errorf("natsauth: %s/%s would publish on the same subjects as the enrolled %s/%s (names differ only in '.', '*', '>' or blanks); revoke it first", cluster, node, ag.Cluster, ag.Node)
		}
		t := now
		reg.Agents[i].RevokedAt = &t // re-enrolment replaces the key
	}
	creds, user, err := a.issue("agent "+cluster+"/"+node, func(uc *jwt.UserClaims) {
		uc.Pub.Allow.Add(natsx.AgentSubjects(cluster, node))
		uc.Sub.Allow.Add(natsx.InboxPrefix(cluster, node) + ".>")
	})
	if err != nil {
		return nil, err
	}
	// The site fingerprint key rides along (the same DATA/site.key the
	// aggregator serves), so that every enrolled agent keys alike.
	key, err := a.SiteKey()
	if err != nil {
		return nil, err
	}
	creds = sitekey.AppendBlock(creds, key)
	reg.Agents = append(reg.Agents, Agent{Cluster: cluster, Node: node, User: user, Enrolled: now})
	if err := a.save(reg); err != nil {
		return nil, err
	}
	return creds, nil
}

// SiteKey loads the site fingerprint key of the data directory
// (DATA/site.key), creating it the first time.
func (a *Authority) SiteKey() ([]byte, error) {
	key, _, err := sitekey.LoadOrCreate(filepath.Join(a.dataDir, sitekey.FileName))
	if err != nil {
		return nil, fmt.Errorf("natsauth: %w", err)
	}
	return key, nil
}

// Revoke revokes every key enrolled for cluster/node. It reports how many
// keys it revoked; none is an error.
func (a *Authority) Revoke(cluster, node string) (int, error) {
	unlock, err := a.lock()
	if err != nil {
		return 0, err
	}
	defer unlock()
	reg, err := a.readRegistry()
	if err != nil {
		return 0, err
	}
	// One second after now: a JWT issued in this very second is covered
	// (revocations compare whole seconds).
	now := time.Now().UTC().Truncate(time.Second).Add(time.Second)
	n := 0
	for i, ag := range reg.Agents {
		if ag.Cluster == cluster && ag.Node == node && ag.Active() {
			t := now
			reg.Agents[i].RevokedAt = &t
			n++
		}
	}
	if n == 0 {
		return 0, fmt.Errorf("natsauth: no active enrolment for %s/%s", cluster, node)
	}
	return n, a.save(reg)
}

// Agents lists the register, oldest first.
func (a *Authority) Agents() ([]Agent, error) {
	reg, err := a.readRegistry()
	if err != nil {
		return nil, err
	}
	return reg.Agents, nil
}

// issue signs a user JWT and formats it with its seed as a creds file.
func (a *Authority) issue(name string, perms func(*jwt.UserClaims)) (creds []byte, user string, err error) {
	kp, err := nkeys.CreateUser()
	if err != nil {
		return nil, "", fmt.Errorf("natsauth: user key: %w", err)
	}
	user, _ = kp.PublicKey()
	uc := jwt.NewUserClaims(user)
	uc.Name = name
	if perms != nil {
		perms(uc)
	}
	tok, err := uc.Encode(a.acct)
	if err != nil {
		return nil, "", fmt.Errorf("natsauth: user JWT for %s: %w", name, err)
	}
	seed, _ := kp.Seed()
	creds, err = jwt.FormatUserConfig(tok, seed)
	if err != nil {
		return nil, "", fmt.Errorf("natsauth: credentials for %s: %w", name, err)
	}
	return creds, user, nil
}

func (a *Authority) save(reg *registry) error {
	b, err := json.MarshalIndent(reg, "", "  ")
	if err != nil {
		return err
	}
	path := filepath.Join(a.dir, RegistryFile)
	if err := renameio.WriteFile(path, append(b, '\n'), 0o600); err != nil {
		return fmt.Errorf("natsauth: %s: %w", path, err)
	}
	return a.writeAccountJWT(reg)
}

// writeAccountJWT signs the account JWT: JetStream without limits, and the
// revocation of every revoked key.
func (a *Authority) writeAccountJWT(reg *registry) error {
	ac := jwt.NewAccountClaims(a.acctPub)
	ac.Name = "esdoctor"
	ac.Limits.JetStreamLimits = jwt.JetStreamLimits{MemoryStorage: jwt.NoLimit, DiskStorage: jwt.NoLimit, Streams: jwt.NoLimit, Consumer: jwt.NoLimit}
	for _, ag := range reg.Agents {
		if ag.RevokedAt != nil {
			ac.RevokeAt(ag.User, *ag.RevokedAt)
		}
	}
	tok, err := ac.Encode(a.operator)
	if err != nil {
		return fmt.Errorf("natsauth: account JWT: %w", err)
	}
	path := filepath.Join(a.dir, AccountJWTFile)
	if err := renameio.WriteFile(path, []byte(tok+"\n"), 0o600); err != nil {
		return fmt.Errorf("natsauth: %s: %w", path, err)
	}
	return nil
}

func (a *Authority) readRegistry() (*registry, error) {
	path := filepath.Join(a.dir, RegistryFile)
	b, err := os.ReadFile(path)
	if errors.Is(err, os.ErrNotExist) {
		return &registry{}, nil
	}
	if err != nil {
		return nil, fmt.Errorf("natsauth: %s: %w", path, err)
	}
	reg, err := decodeRegistry(b)
	if err != nil {
		return nil, fmt.Errorf("natsauth: %s: %w", path, err)
	}
	return reg, nil
}

// decodeRegistry parses and checks the register.
func decodeRegistry(b []byte) (*registry, error) {
	var reg registry
	dec := json.NewDecoder(strings.NewReader(string(b)))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&reg); err != nil {
		return nil, fmt.Errorf("malformed register: %w", err)
	}
	for i, ag := range reg.Agents {
		if ag.Cluster == "" || ag.Node == "" {
			return nil, fmt.Errorf("agent %d: no cluster or node name", i+1)
		}
		if !nkeys.IsValidPublicUserKey(ag.User) {
			return nil, fmt.Errorf("agent %s/%s: %q is not a user public key", ag.Cluster, ag.Node, ag.User)
		}
	}
	sort.SliceStable(reg.Agents, func(i, j int) bool { return reg.Agents[i].Enrolled.Before(reg.Agents[j].Enrolled) })
	return &reg, nil
}

func checkName(what, s string) error {
	if strings.TrimSpace(s) == "" {
		return fmt.Errorf("natsauth: the %s name is empty", what)
	}
	if len(s) > 255 {
		return fmt.Errorf("natsauth: the %s name is longer than 255 bytes", what)
	}
	return nil
}

// lock serialises writers (enroll, revoke, the first Open) across processes.
func (a *Authority) lock() (func(), error) {
	path := filepath.Join(a.dir, lockFile)
	f, err := os.OpenFile(path, os.O_CREATE|os.O_RDWR, 0o600)
	if err != nil {
		return nil, fmt.Errorf("natsauth: %s: %w", path, err)
	}
	if err := unix.Flock(int(f.Fd()), unix.LOCK_EX); err != nil {
		f.Close()
		return nil, fmt.Errorf("natsauth: lock %s: %w", path, err)
	}
	return func() { _ = unix.Flock(int(f.Fd()), unix.LOCK_UN); f.Close() }, nil
}

// loadOrCreate reads an nkey seed file or creates it (mode 0600).
func loadOrCreate(path string, create func() (nkeys.KeyPair, error), want nkeys.PrefixByte) (nkeys.KeyPair, error) {
	b, err := os.ReadFile(path)
	if err == nil {
		kp, err := nkeys.FromSeed([]byte(strings.TrimSpace(string(b))))
		if err != nil {
			return nil, fmt.Errorf("natsauth: %s: not an nkey seed: %w", path, err)
		}
		pub, _ := kp.PublicKey()
		if p := nkeys.Prefix(pub); p != want {
			return nil, fmt.Errorf("natsauth: %s: a %s key where a %s key belongs", path, p, want)
		}
		return kp, nil
	}
	if !errors.Is(err, os.ErrNotExist) {
		return nil, fmt.Errorf("natsauth: %s: %w", path, err)
	}
	kp, err := create()
	if err != nil {
		return nil, fmt.Errorf("natsauth: new key for %s: %w", path, err)
	}
	seed, _ := kp.Seed()
	if err := renameio.WriteFile(path, append(seed, '\n'), 0o600); err != nil {
		return nil, fmt.Errorf("natsauth: %s: %w", path, err)
	}
	return kp, nil
}
