package certgen_test

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/rsa"
	"crypto/x509"
	"encoding/pem"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	keystore "github.com/pavlo-v-chernykh/keystore-go/v4"
	gopkcs12 "software.sslmate.com/src/go-pkcs12"

	"github.com/esdoctor/esdoctor/internal/testkit/certgen"
)

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

func TestIssueChain(t *testing.T) {
	root, err := certgen.NewCA("Root")
	must(t, err)
	if !root.Cert.IsCA || root.Cert.Subject.CommonName != "Root" {
		t.Fatalf("root: %+v", root.Cert.Subject)
	}
	if _, ok := root.Key.(*ecdsa.PrivateKey); !ok {
		t.Errorf("default key %T, want ECDSA", root.Key)
	}
	inter, err := root.Issue("Inter", certgen.AsCA(), certgen.KeyRSA())
	must(t, err)
	if _, ok := inter.Key.(*rsa.PrivateKey); !ok || !inter.Cert.IsCA {
		t.Errorf("intermediate: key %T, CA %v", inter.Key, inter.Cert.IsCA)
	}
	nb, na := time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC), time.Date(2031, 1, 1, 0, 0, 0, 0, time.UTC)
	leaf, err := inter.Authority().Issue("leaf", certgen.DNS("a.example"), certgen.IPs("127.0.0.2", "::1"), certgen.Validity(nb, na))
	must(t, err)
	if len(leaf.Chain) != 2 || leaf.Chain[0] != inter.Cert || leaf.Chain[1] != root.Cert {
		t.Fatalf("chain: %d", len(leaf.Chain))
	}
	if !leaf.Cert.NotBefore.Equal(nb) || !leaf.Cert.NotAfter.Equal(na) || leaf.Cert.IPAddresses[0].String() != "127.0.0.2" {
		t.Errorf("leaf fields: %v %v %v", leaf.Cert.NotBefore, leaf.Cert.NotAfter, leaf.Cert.IPAddresses)
	}
	_, err = leaf.Cert.Verify(x509.VerifyOptions{
		Roots: certgen.Pool(root.Cert), Intermediates: certgen.Pool(inter.Cert), DNSName: "a.example",
		CurrentTime: nb.Add(time.Hour),
	})
	must(t, err)

	if _, err := root.Issue("bad", certgen.IPs("not-an-ip")); err == nil || !strings.Contains(err.Error(), "not-an-ip") {
		t.Errorf("bad IP: %v", err)
	}
	if _, err := root.Issue("bad", certgen.Validity(na, nb)); err == nil {
		t.Error("reversed validity accepted")
	}
}

// TestPKCS12ReadByGoPKCS12: the encoder's files (PBES2, HMAC-SHA-256 MAC
// over the PKCS#12 KDF) open with an independent reader.
func TestPKCS12ReadByGoPKCS12(t *testing.T) {
	dir := t.TempDir()
	ca, err := certgen.NewCA("CA")
	must(t, err)
	leaf, err := ca.Issue("node", certgen.KeyRSA())
	must(t, err)
	p := filepath.Join(dir, "node.p12")
	must(t, certgen.WritePKCS12(p, "pässword", leaf, ca.Cert))
	data, err := os.ReadFile(p)
	must(t, err)
	key, cert, cas, err := gopkcs12.DecodeChain(data, "pässword")
	must(t, err)
	if !cert.Equal(leaf.Cert) || len(cas) < 1 || !key.(*rsa.PrivateKey).Equal(leaf.Key) {
		t.Errorf("DecodeChain: cert %v, %d CAs", cert.Subject, len(cas))
	}
	if _, _, _, err := gopkcs12.DecodeChain(data, "wrong"); err != gopkcs12.ErrIncorrectPassword {
		t.Errorf("wrong password: %v", err)
	}

	ts := filepath.Join(dir, "trust.p12")
	must(t, certgen.WritePKCS12TrustStore(ts, "pw", ca.Cert))
	data, err = os.ReadFile(ts)
	must(t, err)
	certs, err := gopkcs12.DecodeTrustStore(data, "pw")
	must(t, err)
	if len(certs) != 1 || !certs[0].Equal(ca.Cert) {
		t.Errorf("DecodeTrustStore: %d", len(certs))
	}
}

func TestJKSReadByKeystoreGo(t *testing.T) {
	dir := t.TempDir()
	ca, err := certgen.NewCA("CA")
	must(t, err)
	leaf, err := ca.Issue("node")
	must(t, err)
	p := filepath.Join(dir, "node.jks")
	must(t, certgen.WriteJKS(p, "changeit", "Node", leaf, ca.Cert))
	data, err := os.ReadFile(p)
	must(t, err)
	ks := keystore.New()
	must(t, ks.Load(bytes.NewReader(data), []byte("changeit")))
	if got := strings.Join(ks.Aliases(), ","); got != "node,ca" && got != "ca,node" {
		t.Errorf("aliases %q", got)
	}
	pke, err := ks.GetPrivateKeyEntry("node", []byte("changeit"))
	must(t, err)
	if len(pke.CertificateChain) != 2 {
		t.Errorf("chain %d", len(pke.CertificateChain))
	}
}

func TestPEMWriters(t *testing.T) {
	dir := t.TempDir()
	ca, err := certgen.NewCA("CA", certgen.KeyRSA())
	must(t, err)
	must(t, certgen.WritePEM(filepath.Join(dir, "ca.crt"), ca.Cert))
	must(t, certgen.WriteKeyPEM(filepath.Join(dir, "k.key"), ca.Key))
	must(t, certgen.WriteTraditionalKeyPEM(filepath.Join(dir, "k1.key"), ca.Key))
	must(t, certgen.WriteEncryptedKeyPEM(filepath.Join(dir, "k2.key"), ca.Key, "pw"))
	must(t, certgen.WriteLegacyEncryptedKeyPEM(filepath.Join(dir, "k3.key"), ca.Key, "pw"))
	for file, typ := range map[string]string{"ca.crt": "CERTIFICATE", "k.key": "PRIVATE KEY", "k1.key": "RSA PRIVATE KEY",
		"k2.key": "ENCRYPTED PRIVATE KEY", "k3.key": "RSA PRIVATE KEY"} {
		b, err := os.ReadFile(filepath.Join(dir, file))
		must(t, err)
		blk, _ := pem.Decode(b)
		if blk == nil || blk.Type != typ {
			t.Errorf("%s: block %v, want %s", file, blk, typ)
		}
	}
}
