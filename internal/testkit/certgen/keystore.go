package certgen

import (
	"bytes"
	"crypto"
	"crypto/x509"
	"errors"
	"fmt"
	"time"

	keystore "github.com/pavlo-v-chernykh/keystore-go/v4"
	gopkcs12 "software.sslmate.com/src/go-pkcs12"

	"github.com/esdoctor/esdoctor/internal/pfx"
)

// Entry is one keystore entry: a private key with its chain (leaf first),
// or a trusted certificate (Key nil, one certificate).
type Entry struct {
	Alias string
	Key   crypto.Signer
	Chain []*x509.Certificate
}

// KeyEntry is a private-key entry holding the leaf and its issuers.
func KeyEntry(alias string, l *Leaf) Entry {
	return Entry{Alias: alias, Key: l.Key, Chain: l.FullChain()}
}

// KeyEntryChain is a private-key entry with an explicit chain (Elasticsearch
// auto-configuration stores only the leaf in transport.p12's "transport").
func KeyEntryChain(alias string, key crypto.Signer, chain ...*x509.Certificate) Entry {
	return Entry{Alias: alias, Key: key, Chain: chain}
}

// AuthorityEntry is a private-key entry for a CA (auto-configuration's
// "http_ca" in http.p12).
func AuthorityEntry(alias string, a *Authority) Entry {
	return Entry{Alias: alias, Key: a.Key, Chain: append([]*x509.Certificate{a.Cert}, a.Chain...)}
}

// TrustedEntry is a trusted-certificate entry.
func TrustedEntry(alias string, c *x509.Certificate) Entry {
	return Entry{Alias: alias, Chain: []*x509.Certificate{c}}
}

// caAliases names trusted CA entries as elasticsearch-certutil does: "ca",
// then "ca-2", "ca-3", ….
func caAliases(certs []*x509.Certificate) []Entry {
	out := make([]Entry, len(certs))
	for i, c := range certs {
		alias := "ca"
		if i > 0 {
			alias = fmt.Sprintf("ca-%d", i+1)
		}
		out[i] = TrustedEntry(alias, c)
	}
	return out
}

// PKCS12Iterations is the PBKDF2 and MAC iteration count of the PKCS#12
// files written here (Java 17's default).
const PKCS12Iterations = 10000

// EncodePKCS12 encodes entries as Java 17's PKCS12KeyStore writes them:
// aliases as friendlyName, trusted entries marked for Java, PBES2
// AES-256-CBC and an HMAC-SHA-256 MAC, all with password.
func EncodePKCS12(password string, entries ...Entry) ([]byte, error) {
	in := make([]pfx.Entry, 0, len(entries))
	for _, e := range entries {
		pe := pfx.Entry{Alias: e.Alias}
		for _, c := range e.Chain {
			pe.Chain = append(pe.Chain, c.Raw)
		}
		if e.Key != nil {
			der, err := x509.MarshalPKCS8PrivateKey(e.Key)
			if err != nil {
				return nil, fmt.Errorf("certgen: entry %q: %w", e.Alias, err)
			}
			pe.Key = der
		}
		in = append(in, pe)
	}
	out, err := pfx.Encode(in, password, PKCS12Iterations)
	if err != nil {
		return nil, fmt.Errorf("certgen: %w", err)
	}
	return out, nil
}

// WritePKCS12Entries writes EncodePKCS12 (mode 0600).
func WritePKCS12Entries(path, password string, entries ...Entry) error {
	b, err := EncodePKCS12(password, entries...)
	if err != nil {
		return err
	}
	return writeFile(path, b, 0o600)
}

// WritePKCS12 writes a keystore like elasticsearch-certutil's output: a
// key entry named after the leaf's CN holding the leaf and its issuers,
// and each of caCerts as a trusted entry "ca", "ca-2", ….
func WritePKCS12(path, password string, leaf *Leaf, caCerts ...*x509.Certificate) error {
	if leaf == nil {
		return errors.New("certgen: WritePKCS12: nil leaf")
	}
	entries := append([]Entry{KeyEntry(leaf.Cert.Subject.CommonName, leaf)}, caAliases(caCerts)...)
	return WritePKCS12Entries(path, password, entries...)
}

// WritePKCS12TrustStore writes a certificate-only PKCS#12 trust store
// ("ca", "ca-2", …) with go-pkcs12's Modern encoder.
func WritePKCS12TrustStore(path, password string, certs ...*x509.Certificate) error {
	entries := make([]gopkcs12.TrustStoreEntry, 0, len(certs))
	for _, e := range caAliases(certs) {
		entries = append(entries, gopkcs12.TrustStoreEntry{Cert: e.Chain[0], FriendlyName: e.Alias})
	}
	b, err := gopkcs12.Modern.EncodeTrustStoreEntries(entries, password)
	if err != nil {
		return fmt.Errorf("certgen: %s: %w", path, err)
	}
	return writeFile(path, b, 0o600)
}

// EncodeJKS encodes entries as a JKS keystore (keystore-go; aliases
// lower-cased and sorted, as keytool stores them case-insensitively).
func EncodeJKS(password string, entries ...Entry) ([]byte, error) {
	ks := keystore.New(keystore.WithOrderedAliases())
	created := time.Now()
	for _, e := range entries {
		chain := make([]keystore.Certificate, len(e.Chain))
		for i, c := range e.Chain {
			chain[i] = keystore.Certificate{Type: "X.509", Content: c.Raw}
		}
		if e.Key == nil {
			if len(chain) != 1 {
				return nil, fmt.Errorf("certgen: trusted entry %q must hold one certificate", e.Alias)
			}
			if err := ks.SetTrustedCertificateEntry(e.Alias, keystore.TrustedCertificateEntry{CreationTime: created, Certificate: chain[0]}); err != nil {
				return nil, fmt.Errorf("certgen: entry %q: %w", e.Alias, err)
			}
			continue
		}
		der, err := x509.MarshalPKCS8PrivateKey(e.Key)
		if err != nil {
			return nil, fmt.Errorf("certgen: entry %q: %w", e.Alias, err)
		}
		pke := keystore.PrivateKeyEntry{CreationTime: created, PrivateKey: der, CertificateChain: chain}
		if err := ks.SetPrivateKeyEntry(e.Alias, pke, []byte(password)); err != nil {
			return nil, fmt.Errorf("certgen: entry %q: %w", e.Alias, err)
		}
	}
	var buf bytes.Buffer
	if err := ks.Store(&buf, []byte(password)); err != nil {
		return nil, fmt.Errorf("certgen: %w", err)
	}
	return buf.Bytes(), nil
}

// WriteJKSEntries writes EncodeJKS (mode 0600).
func WriteJKSEntries(path, password string, entries ...Entry) error {
	b, err := EncodeJKS(password, entries...)
	if err != nil {
		return err
	}
	return writeFile(path, b, 0o600)
}

// WriteJKS writes a JKS keystore: a key entry alias with the leaf and its
// issuers, and each of caCerts as a trusted entry "ca", "ca-2", ….
func WriteJKS(path, password string, alias string, leaf *Leaf, caCerts ...*x509.Certificate) error {
	if leaf == nil {
		return errors.New("certgen: WriteJKS: nil leaf")
	}
	return WriteJKSEntries(path, password, append([]Entry{KeyEntry(alias, leaf)}, caAliases(caCerts)...)...)
}

// WriteJKSTrustStore writes a JKS trust store with entries "ca", "ca-2", ….
func WriteJKSTrustStore(path, password string, certs ...*x509.Certificate) error {
	return WriteJKSEntries(path, password, caAliases(certs)...)
}
