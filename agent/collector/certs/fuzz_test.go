package certs

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/esdoctor/esdoctor/shared/secret"
)

// seedFuzz adds every fixture file (with its password) and the malformed
// shapes of the table test.
func seedFuzz(f *testing.F, exts ...string) {
	pw := map[string]string{}
	for _, fx := range loadFixtures(f) {
		pw[filepath.Base(fx.Path)] = fx.Password
	}
	files, err := filepath.Glob(filepath.Join("testdata", "node", "*", "*"))
	if err != nil {
		f.Fatal(err)
	}
	for _, p := range files {
		for _, ext := range exts {
			if strings.HasSuffix(p, ext) {
				b, err := os.ReadFile(p)
				if err != nil {
					f.Fatal(err)
				}
				f.Add(b, pw[filepath.Base(p)])
				f.Add(b[:len(b)/2], pw[filepath.Base(p)])
			}
		}
	}
	f.Add([]byte{}, "")
	f.Add(hostileJKS(), "x")
	f.Add([]byte("-----BEGIN CERTIFICATE-----\nAAAA\n-----BEGIN CERTIFICATE-----\n"), "")
}

// checkParse runs Parse and checks what must hold for any input: no
// panic, a report naming the file, consistent certificate lists, and the
// password nowhere in the output.
func checkParse(t *testing.T, data []byte, password string, setting, name string, format Format) {
	o, err := Parse(data, setting, name, format, secret.FromString(password), "fuzz.secure_password")
	if o == nil {
		t.Fatal("nil *Opened")
	}
	if len(o.Certs) != len(o.File.Certificates) {
		t.Fatalf("%d parsed certificates, %d described", len(o.Certs), len(o.File.Certificates))
	}
	if o.File.Error != "" && !strings.HasPrefix(o.File.Error, name+": ") {
		t.Fatalf("File.Error does not start with the file name: %q", o.File.Error)
	}
	if err != nil && len(o.Certs) > 0 {
		t.Fatalf("error %v although %d certificates were read", err, len(o.Certs))
	}
	out, jerr := json.Marshal(o.File)
	if jerr != nil {
		t.Fatal(jerr)
	}
	if len(password) >= 4 {
		for _, s := range []string{string(out), o.File.Error, errText(err)} {
			if strings.Contains(s, password) {
				t.Fatalf("password in output: %s", s)
			}
		}
	}
}

func errText(err error) string {
	if err == nil {
		return ""
	}
	return err.Error()
}

func FuzzLoadPEM(f *testing.F) {
	seedFuzz(f, ".crt", ".key", ".pem")
	f.Fuzz(func(t *testing.T, data []byte, password string) {
		checkParse(t, data, password, "xpack.security.transport.ssl.certificate", "fuzz.pem", PEM)
	})
}

func FuzzLoadPKCS12(f *testing.F) {
	seedFuzz(f, ".p12")
	f.Fuzz(func(t *testing.T, data []byte, password string) {
		checkParse(t, data, password, "xpack.security.http.ssl.keystore.path", "fuzz.p12", PKCS12)
	})
}

func FuzzLoadJKS(f *testing.F) {
	seedFuzz(f, ".jks")
	f.Fuzz(func(t *testing.T, data []byte, password string) {
		checkParse(t, data, password, "xpack.security.http.ssl.truststore.path", "fuzz.jks", JKS)
	})
}
