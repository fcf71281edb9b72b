package natsx_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/nats-io/jwt/v2"
	"github.com/nats-io/nkeys"

	"github.com/esdoctor/esdoctor/shared/natsx"
)

// agentCreds issues a real credentials file for cluster/node, signed by a
// fresh account key.
func agentCreds(t testing.TB, cluster, node string) []byte {
	t.Helper()
	acct, _ := nkeys.CreateAccount()
	user, _ := nkeys.CreateUser()
	pub, _ := user.PublicKey()
	uc := jwt.NewUserClaims(pub)
	uc.Name = "agent " + cluster + "/" + node
	uc.Pub.Allow.Add(natsx.AgentSubjects(cluster, node))
	uc.Sub.Allow.Add(natsx.InboxPrefix(cluster, node) + ".>")
	tok, err := uc.Encode(acct)
	if err != nil {
		t.Fatal(err)
	}
	seed, _ := user.Seed()
	b, err := jwt.FormatUserConfig(tok, seed)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestParseCreds(t *testing.T) {
	id, err := natsx.ParseCreds(agentCreds(t, "prod.eu", "es-1"))
	if err != nil {
		t.Fatal(err)
	}
	if id.InboxPrefix != "_INBOX.esdoctor.agent.prod_eu.es-1" || id.Name != "agent prod.eu/es-1" {
		t.Errorf("identity %+v", id)
	}
	if !id.MayPublishAs("prod.eu", "es-1") || id.MayPublishAs("prod.eu", "es-2") || id.MayPublishAs("prod", "es-1") {
		t.Errorf("MayPublishAs: %v", id.Publish)
	}
	if strings.Contains(strings.Join(id.Publish, " ")+id.Name, "SU") {
		t.Error("the seed leaked into the identity")
	}
}

// Malformed credentials files give an error naming the file and the cause.
func TestReadCredsMalformed(t *testing.T) {
	good := string(agentCreds(t, "c", "n"))
	dir := t.TempDir()
	for _, tc := range []struct{ name, content, want string }{
		{"empty", "", "not a NATS user credentials file"},
		{"seed-only", "SUAIBDPBAUTWCWBKIO6XHQNINK5FWJW4OHLXC3HQ2KFE4PEJUA44CNHTC4\n", "not a NATS user credentials file"},
		{"no-seed", good[:strings.Index(good, "************************* IMPORTANT")], "no user nkey seed"},
		{"garbage-jwt", strings.Replace(good, good[strings.Index(good, "eyJ"):strings.Index(good, "eyJ")+20], "not-a-jwt!", 1), "user JWT"},
		{"binary", "-----BEGIN NATS USER JWT-----\n\x00\xff\x01\n------END NATS USER JWT------\n-----BEGIN USER NKEY SEED-----\n", "user JWT"},
	} {
		p := filepath.Join(dir, tc.name+".creds")
		if err := os.WriteFile(p, []byte(tc.content), 0o600); err != nil {
			t.Fatal(err)
		}
		_, err := natsx.ReadCreds(p)
		if err == nil || !strings.Contains(err.Error(), p) || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: err %v, want the file and %q", tc.name, err, tc.want)
		}
	}
	_, err := natsx.ReadCreds(filepath.Join(dir, "missing.creds"))
	if err == nil || !strings.Contains(err.Error(), "missing.creds") {
		t.Errorf("missing file: %v", err)
	}
}

func FuzzParseCreds(f *testing.F) {
	f.Add(agentCreds(f, "c", "n"))
	f.Add([]byte("-----BEGIN NATS USER JWT-----\neyJ0eXAiOiJKV1QiLCJhbGciOiJlZDI1NTE5LW5rZXkifQ.e30.x\n------END NATS USER JWT------\n-----BEGIN USER NKEY SEED-----\nSU\n"))
	f.Add([]byte(""))
	f.Fuzz(func(t *testing.T, b []byte) {
		id, err := natsx.ParseCreds(b)
		if err == nil && id == nil {
			t.Fatal("nil identity without an error")
		}
	})
}
