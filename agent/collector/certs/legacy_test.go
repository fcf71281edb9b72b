package certs

import (
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/esdoctor/esdoctor/internal/kdfbudget"
	"github.com/esdoctor/esdoctor/internal/pfx"
	"github.com/esdoctor/esdoctor/internal/testkit/certgen"
	"github.com/esdoctor/esdoctor/shared/secret"
)

// The fixtures in testdata/legacy are made by OpenSSL 3 (legacy provider)
// and keytool; make.sh regenerates them. Password: pwLegacy.
const pwLegacy = "CANARY-SECRET-legacy"

// TestLegacyEncryptedPKCS8: a PKCS#8 key under each old scheme ES's PEM
// reader accepts is checked with its passphrase: the right one opens it,
// a wrong one is reported as wrong, never "passphrase not checked".
func TestLegacyEncryptedPKCS8(t *testing.T) {
	const setting = "xpack.security.transport.ssl.key"
	const src = "xpack.security.transport.ssl.secure_key_passphrase"
	files, _ := filepath.Glob(filepath.Join("testdata", "legacy", "PBE-*.key"))
	if len(files) < 10 {
		t.Fatalf("fixtures: %v", files)
	}
	for _, path := range files {
		t.Run(filepath.Base(path), func(t *testing.T) {
			o, err := Load(setting, path, PEM, secret.FromString(pwLegacy), src)
			if err != nil || o.File.Error != "" || o.File.PasswordOK == nil || !*o.File.PasswordOK || o.PrivateKey() == nil {
				t.Fatalf("right passphrase: err=%v PasswordOK=%v Error=%q", err, o.File.PasswordOK, o.File.Error)
			}
			o, _ = Load(setting, path, PEM, secret.FromString("CANARY-SECRET-wrong"), src)
			if o.File.PasswordOK == nil || *o.File.PasswordOK || !strings.Contains(o.File.Error, "wrong password") ||
				!strings.HasPrefix(o.File.Error, path+": ") || o.PrivateKey() != nil {
				t.Fatalf("wrong passphrase: PasswordOK=%v Error=%q", o.File.PasswordOK, o.File.Error)
			}
			if strings.Contains(o.File.Error, "CANARY") {
				t.Errorf("passphrase in the error: %s", o.File.Error)
			}
		})
	}
}

// TestLegacyPKCS12Aliases: legacy RC2/3DES PKCS#12 files keep every alias
// (friendlyName), made by openssl -legacy, openssl with RC2-128, and
// keytool's legacy mode (key entry and trust store).
func TestLegacyPKCS12Aliases(t *testing.T) {
	const setting = "xpack.security.transport.ssl.keystore.path"
	cases := []struct {
		file    string
		aliases []string // per certificate, sorted
		key     bool
	}{
		{"openssl-legacy.p12", []string{"ca-alias", "node-alias"}, true},
		{"openssl-rc2-128.p12", []string{"ca-alias", "node-alias"}, true},
		{"keytool-legacy.p12", []string{"CN=legacy-ca", "node-alias"}, true}, // keytool names chain certificates by subject
		{"keytool-legacy-trust.p12", []string{"my-ca", "other-ca"}, false},
	}
	for _, c := range cases {
		t.Run(c.file, func(t *testing.T) {
			path := filepath.Join("testdata", "legacy", c.file)
			o, err := Load(setting, path, PKCS12, secret.FromString(pwLegacy), "src")
			if err != nil || o.File.Error != "" || o.File.PasswordOK == nil || !*o.File.PasswordOK {
				t.Fatalf("err=%v PasswordOK=%v Error=%q", err, o.File.PasswordOK, o.File.Error)
			}
			var got []string
			for _, cert := range o.File.Certificates {
				got = append(got, cert.Alias)
			}
			sort.Strings(got)
			if strings.Join(got, ",") != strings.Join(c.aliases, ",") {
				t.Errorf("aliases %v, want %v", got, c.aliases)
			}
			if (o.PrivateKey() != nil) != c.key {
				t.Errorf("private key opened: %v, want %v", o.PrivateKey() != nil, c.key)
			}
			o, _ = Load(setting, path, PKCS12, secret.FromString("CANARY-SECRET-wrong"), "src")
			if o.File.PasswordOK == nil || *o.File.PasswordOK || !strings.Contains(o.File.Error, "wrong password") {
				t.Errorf("wrong password: PasswordOK=%v Error=%q", o.File.PasswordOK, o.File.Error)
			}
		})
	}
}

// TestKDFWorkBudget: a PKCS#12 file of 200 encrypted items of a million
// iterations each, and a PEM file of 200 such keys, end within a second
// with a limit problem naming the file and the budget; files loaded under
// one inspection budget share it.
func TestKDFWorkBudget(t *testing.T) {
	dir := t.TempDir()
	p12 := filepath.Join(dir, "many.p12")
	mustNil(t, os.WriteFile(p12, certgen.ManyItemsPKCS12(200, pfx.MaxIterations), 0o644))
	pemPath := filepath.Join(dir, "many.key")
	mustNil(t, os.WriteFile(pemPath, certgen.ManyKeysPEM(200, pfx.MaxIterations), 0o644))

	for _, c := range []struct {
		setting, path string
		format        Format
	}{
		{"xpack.security.http.ssl.keystore.path", p12, PKCS12},
		{"xpack.security.http.ssl.key", pemPath, PEM},
	} {
		start := time.Now()
		o, err := Load(c.setting, c.path, c.format, secret.FromString("CANARY-SECRET-budget"), "src")
		took := time.Since(start)
		if took > 5*time.Second {
			t.Errorf("%s: %v", c.path, took)
		}
		msg := o.File.Error
		if !strings.HasPrefix(msg, c.path+": ") || !strings.Contains(msg, "limit exceeded") ||
			!strings.Contains(msg, "key-derivation work budget exhausted") || !strings.Contains(msg, "allowed for one file") {
			t.Errorf("%s: err=%v\n%s", c.path, err, msg)
		}
		if strings.Count(msg, "work budget") > 1 {
			t.Errorf("%s: one refusal is enough:\n%s", c.path, msg)
		}
	}

	insp := kdfbudget.New("one inspection", 5_000_000, nil)
	o1, _ := LoadBudget("a", p12, PKCS12, secret.FromString("x"), "src", insp)
	o2, _ := LoadBudget("b", pemPath, PEM, secret.FromString("x"), "src", insp)
	if strings.Contains(o1.File.Error, "one inspection") || !strings.Contains(o2.File.Error, "allowed for one inspection") {
		t.Errorf("inspection budget:\n%s\n%s", o1.File.Error, o2.File.Error)
	}
}
