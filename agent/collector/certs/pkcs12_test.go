package certs

import (
	"crypto/x509"
	"testing"

	gopkcs12 "software.sslmate.com/src/go-pkcs12"

	"github.com/esdoctor/esdoctor/internal/testkit/certgen"
	"github.com/esdoctor/esdoctor/shared/secret"
)

// TestPKCS12Encoders reads files written by go-pkcs12's encoders: RC2
// certificates (OpenSSL 1.x, Java 8) go through the go-pkcs12 fallback,
// 3DES and PBES2 through internal/pfx, a password-less file has no MAC.
func TestPKCS12Encoders(t *testing.T) {
	ca, err := certgen.NewCA("Encoder CA")
	mustNil(t, err)
	leaf, err := ca.Issue("encoder-leaf", certgen.DNS("localhost"))
	mustNil(t, err)
	const pw = "CANARY-SECRET-encoders"
	cases := []struct {
		name string
		enc  *gopkcs12.Encoder
		pw   string
	}{
		{"LegacyRC2", gopkcs12.LegacyRC2, pw},
		{"LegacyDES", gopkcs12.LegacyDES, pw},
		{"Modern2023", gopkcs12.Modern2023, pw},
		{"Passwordless", gopkcs12.Passwordless, ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			data, err := c.enc.Encode(leaf.Key, leaf.Cert, []*x509.Certificate{ca.Cert}, c.pw)
			mustNil(t, err)
			o, err := Parse(data, "xpack.security.http.ssl.keystore.path", "enc.p12", PKCS12, secret.FromString(c.pw), "src")
			if err != nil || o.File.Error != "" {
				t.Fatalf("err=%v File.Error=%q", err, o.File.Error)
			}
			if o.File.PasswordOK == nil || !*o.File.PasswordOK || !o.File.HasPrivateKey || len(o.Certs) != 2 {
				t.Fatalf("PasswordOK=%v HasPrivateKey=%v certs=%d", o.File.PasswordOK, o.File.HasPrivateKey, len(o.Certs))
			}
			if !o.File.Certificates[0].ChainComplete || o.File.Certificates[0].Subject != "CN=encoder-leaf" {
				t.Errorf("leaf: %+v", o.File.Certificates[0])
			}
			if _, err := o.TLSCertificate(); err != nil {
				t.Errorf("TLSCertificate: %v", err)
			}
			if c.pw == "" {
				return
			}
			o, err = Parse(data, "xpack.security.http.ssl.keystore.path", "enc.p12", PKCS12, secret.FromString("CANARY-SECRET-nope"), "src")
			if err == nil || o.File.PasswordOK == nil || *o.File.PasswordOK {
				t.Errorf("wrong password accepted: err=%v PasswordOK=%v", err, o.File.PasswordOK)
			}
		})
	}
}

// TestTLSCertificateChoosesLeafKey: http.p12 stores the CA key first; the
// key a server presents is the end-entity one.
func TestTLSCertificateChoosesLeafKey(t *testing.T) {
	o, err := Load("xpack.security.http.ssl.keystore.path", "testdata/node/certs/http.p12", PKCS12, secret.FromString(pwHTTP), "")
	mustNil(t, err)
	tc, err := o.TLSCertificate()
	mustNil(t, err)
	if tc.Leaf.IsCA || tc.Leaf.Subject.CommonName != "node-1" || len(tc.Certificate) != 2 {
		t.Errorf("TLSCertificate leaf %s (CA %v), %d certs", tc.Leaf.Subject, tc.Leaf.IsCA, len(tc.Certificate))
	}
}

// TestKeyPairPEM pairs ssl.certificate with ssl.key.
func TestKeyPairPEM(t *testing.T) {
	crt, err := Load("xpack.security.transport.ssl.certificate", "testdata/node/pem/node.crt", PEM, secret.Bytes{}, "")
	mustNil(t, err)
	key, err := Load("xpack.security.transport.ssl.key", "testdata/node/pem/node-enc.key", PEM, secret.FromString(pwKeyPEM), "")
	mustNil(t, err)
	if _, err := KeyPair(crt.Certs, key.PrivateKey()); err != nil {
		t.Errorf("KeyPair: %v", err)
	}
	other, err := Load("xpack.security.transport.ssl.key", "testdata/node/pem/node-rsa.key", PEM, secret.Bytes{}, "")
	mustNil(t, err)
	if _, err := KeyPair(crt.Certs, other.PrivateKey()); err == nil {
		t.Error("KeyPair accepted a key of another certificate")
	}
}
