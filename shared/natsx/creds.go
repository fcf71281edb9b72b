package natsx

import (
	"fmt"
	"os"
	"strings"

	"github.com/nats-io/jwt/v2"
	"github.com/nats-io/nats.go"

	"github.com/esdoctor/esdoctor/shared/event"
)

// InboxRoot starts the reply inbox of every esdoctor identity that may not
// read the shared _INBOX.> space: an agent receives its JetStream publish
// acknowledgements on InboxPrefix(cluster, node).<nuid>.<token> and may
// subscribe to nothing else.
const InboxRoot = "_INBOX.esdoctor"

// InboxPrefix is the private reply inbox of the agent of cluster/node.
func InboxPrefix(cluster, node string) string {
	return InboxRoot + ".agent." + event.SubjectToken(cluster) + "." + event.SubjectToken(node)
}

// AgentSubjects is what the agent of cluster/node may publish to:
// esdoctor.v1.*.<cluster>.<node> (every kind, its own node only).
func AgentSubjects(cluster, node string) string {
	return SubjectPrefix + ".*." + event.SubjectToken(cluster) + "." + event.SubjectToken(node)
}

// Identity is what a NATS user credentials file (the user JWT and its
// nkey seed, as written by esdoctor-aggregator enroll) says about its
// holder. It never holds the seed.
type Identity struct {
	// Name of the user ("agent cluster/node", "esdoctor-aggregator", ...).
	Name string
	// User is the public nkey of the user.
	User string
	// Account is the public nkey of the account that signed the JWT.
	Account string
	// Publish and Subscribe are the allowed subjects (empty: no limit).
	Publish, Subscribe []string
	// InboxPrefix is the reply inbox the holder must use (empty: the
	// default _INBOX).
	InboxPrefix string
}

// ReadCreds reads a credentials file; errors name the file and the cause.
func ReadCreds(path string) (*Identity, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("nats credentials %s: %w", path, err)
	}
	id, err := ParseCreds(b)
	if err != nil {
		return nil, fmt.Errorf("nats credentials %s: %w", path, err)
	}
	return id, nil
}

// ParseCreds decodes the user JWT of a credentials file (the seed is not
// read).
func ParseCreds(b []byte) (*Identity, error) {
	if !strings.Contains(string(b), "-----BEGIN NATS USER JWT-----") {
		return nil, fmt.Errorf("not a NATS user credentials file (no \"BEGIN NATS USER JWT\" block)")
	}
	if !strings.Contains(string(b), "-----BEGIN USER NKEY SEED-----") {
		return nil, fmt.Errorf("no user nkey seed in the credentials file")
	}
	token, err := jwt.ParseDecoratedJWT(b)
	if err != nil {
		return nil, fmt.Errorf("user JWT: %w", err)
	}
	uc, err := jwt.DecodeUserClaims(token)
	if err != nil {
		return nil, fmt.Errorf("user JWT: %w", err)
	}
	id := &Identity{Name: uc.Name, User: uc.Subject, Account: uc.Issuer,
		Publish: append([]string(nil), uc.Pub.Allow...), Subscribe: append([]string(nil), uc.Sub.Allow...)}
	if uc.IssuerAccount != "" {
		id.Account = uc.IssuerAccount
	}
	for _, s := range uc.Sub.Allow {
		if strings.HasPrefix(s, InboxRoot+".") && strings.HasSuffix(s, ".>") {
			id.InboxPrefix = strings.TrimSuffix(s, ".>")
			break
		}
	}
	return id, nil
}

// MayPublishAs reports whether the identity may publish the events of
// cluster/node (always true for an unrestricted identity).
func (id *Identity) MayPublishAs(cluster, node string) bool {
	if len(id.Publish) == 0 {
		return true
	}
	want := AgentSubjects(cluster, node)
	for _, p := range id.Publish {
		if p == want || p == ">" || p == SubjectPrefix+".>" {
			return true
		}
	}
	return false
}

// ClientOptions are the connection options for a credentials file and a
// pinned CA (either may be empty): the user JWT and seed, the private reply
// inbox the credentials allow, and the CA as the only trusted root for TLS.
func ClientOptions(credsFile, caFile string) ([]nats.Option, *Identity, error) {
	var opts []nats.Option
	var id *Identity
	if credsFile != "" {
		var err error
		if id, err = ReadCreds(credsFile); err != nil {
			return nil, nil, err
		}
		opts = append(opts, nats.UserCredentials(credsFile))
		if id.InboxPrefix != "" {
			opts = append(opts, nats.CustomInboxPrefix(id.InboxPrefix))
		}
	}
	if caFile != "" {
		if _, err := os.Stat(caFile); err != nil {
			return nil, nil, fmt.Errorf("nats CA file: %w", err)
		}
		opts = append(opts, nats.RootCAs(caFile))
	}
	return opts, id, nil
}

// InboxIdentity returns the cluster and node tokens an agent's credentials
// name in their private inbox (InboxPrefix), if any.
func InboxIdentity(id *Identity) (cluster, node string, ok bool) {
	if id == nil {
		return "", "", false
	}
	rest, found := strings.CutPrefix(id.InboxPrefix, InboxRoot+".agent.")
	if !found {
		return "", "", false
	}
	c, n, found := strings.Cut(rest, ".")
	if !found || c == "" || n == "" || strings.Contains(n, ".") {
		return "", "", false
	}
	return c, n, true
}
