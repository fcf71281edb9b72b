package natsauth

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/esdoctor/esdoctor/shared/natsx"
)

func TestEnrollRevokeRegister(t *testing.T) {
	dir := t.TempDir()
	a, err := Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range []string{operatorSeed, systemSeed, accountSeed, AccountJWTFile, AggregatorCreds, CLICreds} {
		fi, err := os.Stat(filepath.Join(dir, DirName, f))
		if err != nil {
			t.Fatal(err)
		}
		if fi.Mode().Perm() != 0o600 {
			t.Errorf("%s: mode %v, want 0600", f, fi.Mode().Perm())
		}
	}
	if fi, _ := os.Stat(filepath.Join(dir, DirName)); fi.Mode().Perm() != 0o700 {
		t.Errorf("auth dir mode %v", fi.Mode().Perm())
	}
	creds, err := a.Enroll("prod", "es-1.example.com")
	if err != nil {
		t.Fatal(err)
	}
	id, err := natsx.ParseCreds(creds)
	if err != nil {
		t.Fatal(err)
	}
	if id.Account != a.Account() || !id.MayPublishAs("prod", "es-1.example.com") || id.MayPublishAs("prod", "es-2") {
		t.Errorf("identity %+v", id)
	}
	// A name that maps to the same subject tokens is refused.
	if _, err := a.Enroll("prod", "es-1_example_com"); err == nil || !strings.Contains(err.Error(), "same subjects") {
		t.Errorf("colliding name: %v", err)
	}
	// Re-enrolment revokes the old key.
	if _, err := a.Enroll("prod", "es-1.example.com"); err != nil {
		t.Fatal(err)
	}
	// A second Open (another process) sees the same keys and register.
	b, err := Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	if b.Account() != a.Account() {
		t.Error("the account key changed on reopen")
	}
	ags, err := b.Agents()
	if err != nil {
		t.Fatal(err)
	}
	if len(ags) != 2 || ags[0].Active() || !ags[1].Active() {
		t.Errorf("register after re-enrolment: %+v", ags)
	}
	if _, err := b.Revoke("prod", "es-1.example.com"); err != nil {
		t.Fatal(err)
	}
	if _, err := b.Revoke("prod", "es-1.example.com"); err == nil {
		t.Error("revoking twice: want an error")
	}
	tok, err := b.AccountJWT()
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(tok, "eyJ") {
		t.Errorf("account JWT %q", tok)
	}
	if _, err := a.Enroll("", "x"); err == nil {
		t.Error("empty cluster accepted")
	}
}

// A damaged register or key file gives an error naming the file.
func TestOpenMalformed(t *testing.T) {
	for _, tc := range []struct{ file, content, want string }{
		{RegistryFile, "{", "malformed register"},
		{RegistryFile, `{"agents":[{"cluster":"c","node":"n","user":"nope","enrolled":"2026-01-01T00:00:00Z"}]}`, "not a user public key"},
		{RegistryFile, `{"agents":[{"cluster":"","node":"n"}]}`, "no cluster or node"},
		{RegistryFile, `{"agents":[],"extra":1}`, "unknown field"},
		{accountSeed, "SUAIBDPBAUTWCWBKIO6XHQNINK5FWJW4OHLXC3HQ2KFE4PEJUA44CNHTC4", "key where a"},
		{operatorSeed, "garbage", "not an nkey seed"},
		{AccountJWTFile, "garbage", AccountJWTFile},
	} {
		dir := t.TempDir()
		if err := os.MkdirAll(filepath.Join(dir, DirName), 0o700); err != nil {
			t.Fatal(err)
		}
		path := filepath.Join(dir, DirName, tc.file)
		if err := os.WriteFile(path, []byte(tc.content), 0o600); err != nil {
			t.Fatal(err)
		}
		a, err := Open(dir)
		if err == nil {
			_, err = a.AccountJWT()
		}
		if err == nil || !strings.Contains(err.Error(), path) || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s %q: err %v, want %s and %q", tc.file, tc.content, err, path, tc.want)
		}
	}
}

func FuzzDecodeRegistry(f *testing.F) {
	f.Add([]byte(`{"agents":[{"cluster":"c","node":"n","user":"UDXU4RCSJNZOIQHZNWXHXORDPRTGNJAHAHFRGZNEEJCPQTT2M7NFCNF4","enrolled":"2026-01-01T00:00:00Z"}]}`))
	f.Add([]byte(`{}`))
	f.Fuzz(func(t *testing.T, b []byte) {
		reg, err := decodeRegistry(b)
		if err == nil && reg == nil {
			t.Fatal("nil register without an error")
		}
	})
}
