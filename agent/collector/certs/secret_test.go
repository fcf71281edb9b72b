package certs

import (
	"crypto/ecdsa"
	"crypto/rsa"
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"github.com/esdoctor/esdoctor/shared/secret"
)

// TestSecretsNeverLeak loads every fixture with its planted CANARY-SECRET
// password and with wrong planted passwords, and scans everything the
// package hands out — the CertFile JSON, File.Error, the problems, the
// error, and fmt's %v/%+v/%#v of the whole *Opened — for any of them and
// for the private key's secret scalar.
func TestSecretsNeverLeak(t *testing.T) {
	planted := [][]byte{
		[]byte(pwTransport), []byte(pwHTTP), []byte(pwCCS), []byte(pwTrustJKS),
		[]byte(pwKeyJKS), []byte(pwTrustP12), []byte(pwKeyPEM),
	}
	wrong := secret.CanaryPrefix + "wrong-password-0123456789"
	planted = append(planted, []byte(wrong))
	keysSeen := 0
	for _, f := range loadFixtures(t) {
		for _, pw := range []string{f.Password, wrong} {
			o, err := Load(f.Setting, f.Path, InferFormat(f.Setting, f.Path, f.Type), secret.FromString(pw), f.PasswordSource)
			var out strings.Builder
			j, jerr := json.Marshal(o.File)
			if jerr != nil {
				t.Fatal(jerr)
			}
			out.Write(j)
			out.WriteString(o.File.Error)
			for _, p := range o.Problems {
				out.WriteString(p.Error())
			}
			if err != nil {
				out.WriteString(err.Error())
			}
			fmt.Fprintf(&out, "%v %+v %#v", o, o, o)
			text := []byte(out.String())
			if i := secret.FindCanary(text); i >= 0 {
				t.Errorf("%s: planted secret in output at %d: …%s…", f.Name, i, text[max(0, i-40):min(len(text), i+40)])
			}
			if s, found := secret.ContainsAny(text, planted...); found {
				t.Errorf("%s: secret fragment %q in output", f.Name, s)
			}
			if k := o.PrivateKey(); k != nil {
				keysSeen++
				var scalar string
				switch k := k.(type) {
				case *ecdsa.PrivateKey:
					b, _ := k.Bytes()
					scalar = fmt.Sprintf("%x", b)
				case *rsa.PrivateKey:
					scalar = k.D.String()
				}
				if scalar == "" || strings.Contains(out.String(), scalar) || strings.Contains(out.String(), scalar[:16]) {
					t.Errorf("%s: private key material in output", f.Name)
				}
			}
		}
	}
	if keysSeen == 0 {
		t.Error("no fixture yielded a private key; the key check ran on nothing")
	}
}
