package certs

import (
	"crypto/x509"
	"errors"
	"fmt"
	"strings"

	gopkcs12 "software.sslmate.com/src/go-pkcs12"

	"github.com/esdoctor/esdoctor/internal/pfx"
	"github.com/esdoctor/esdoctor/shared/secret"
)

// loadPKCS12 reads a PKCS#12 file.
//
// The password check is go-pkcs12's MAC verification. The entries come
// from internal/pfx, which keeps what go-pkcs12 drops: aliases
// (friendlyName), trusted-certificate entries, and files with more than
// one private key (ES's auto-configured http.p12 holds "http" and
// "http_ca"). internal/pfx also decrypts the RC2 contents of legacy files
// (OpenSSL 1.x, `openssl pkcs12 -legacy`, Java 8, keytool's legacy mode),
// so their aliases are kept. Every key derivation, the MAC check's
// included, is charged to the file's work budget.
func (o *Opened) loadPKCS12(data []byte, password secret.Bytes, probs *problems) {
	p, err := pfx.ParseBudget(data, o.budget)
	if err != nil {
		probs.add(pfxKind(err), "PKCS#12: %s", pfxDetail(err))
		return
	}
	pw := string(password.Reveal())
	if err := p.ChargeMAC(pw, true); err != nil {
		probs.add(pfxKind(err), "PKCS#12: %s", pfxDetail(err))
		return
	}
	passwordOK, macNote := macCheck(data, p, pw)
	bags, errs := p.Bags(pw)
	st := classify(p, bags, errs)
	if passwordOK == nil {
		// No MAC, or one go-pkcs12 cannot check: decryption decides.
		switch {
		case st.decryptFailed:
			passwordOK = ptr(false)
		case st.keysOpened > 0 || st.encrypted > 0 && !st.unsupported, !p.HasMAC && st.encrypted == 0:
			passwordOK = ptr(true)
		}
	}
	switch {
	case passwordOK == nil && macNote != "":
		probs.add(KindNotChecked, "%s", macNote)
	case passwordOK == nil:
	case !*passwordOK:
		o.wrongPassword("PKCS#12", password, probs)
	case st.decryptFailed:
		// The MAC verified but a content did not decrypt with the same
		// password: a file no JDK would open either.
		for _, e := range errs {
			if errors.Is(e, pfx.ErrDecrypt) {
				probs.add(KindMalformed, "PKCS#12 %s, although the password verifies the MAC", pfxDetail(e))
			}
		}
	}
	if passwordOK != nil {
		o.setPasswordOK(*passwordOK)
	}

	o.pkcs12Entries(bags, passwordOK != nil && *passwordOK, probs)

	for _, e := range errs {
		if errors.Is(e, pfx.ErrUnsupported) && (passwordOK == nil || *passwordOK) {
			probs.add(KindUnsupported, "PKCS#12 %s", pfxDetail(e))
		}
	}
	for _, e := range errs {
		if !errors.Is(e, pfx.ErrDecrypt) && !errors.Is(e, pfx.ErrUnsupported) {
			probs.add(pfxKind(e), "PKCS#12 %s", pfxDetail(e))
		}
	}
	if len(bags) == 0 && len(errs) == 0 {
		probs.add(KindUnrecognized, "PKCS#12 file with no entries")
	}
}

func ptr(b bool) *bool { return &b }

// macCheck asks go-pkcs12 whether the password verifies the MAC. It checks
// the MAC before anything that can fail on a file pfx.Parse accepted, so
// any other error of DecodeTrustStore (the file is not a trust store, has
// two keys, …) means the MAC verified. nil: no MAC, or one it cannot check
// (note says why).
func macCheck(data []byte, p *pfx.PFX, pw string) (ok *bool, note string) {
	if !p.HasMAC {
		return nil, ""
	}
	_, err := gopkcs12.DecodeTrustStore(data, pw)
	var notImpl gopkcs12.NotImplementedError
	switch {
	case err == nil:
		return ptr(true), ""
	case errors.Is(err, gopkcs12.ErrIncorrectPassword):
		return ptr(false), ""
	case errors.As(err, &notImpl) && strings.Contains(err.Error(), "MAC"), !pfx.BMPEncodable(pw):
		return nil, fmt.Sprintf("the %s MAC could not be checked (%v)", p.MACAlgorithm, err)
	}
	return ptr(true), ""
}

// pkcs12State sums up what decryption found.
type pkcs12State struct {
	decryptFailed bool // a content or key did not decrypt (wrong password)
	unsupported   bool // a content uses an algorithm internal/pfx lacks
	keysOpened    int
	encrypted     int // encrypted contents
}

func classify(p *pfx.PFX, bags []pfx.Bag, errs []error) pkcs12State {
	var st pkcs12State
	for _, e := range errs {
		switch {
		case errors.Is(e, pfx.ErrDecrypt):
			st.decryptFailed = true
		case errors.Is(e, pfx.ErrUnsupported):
			st.unsupported = true
		}
	}
	for _, b := range bags {
		if b.Type == pfx.ShroudedKeyBag && b.KeyErr == nil {
			st.keysOpened++
		}
	}
	for _, alg := range p.Encrypted() {
		if alg != "" {
			st.encrypted++
		}
	}
	return st
}

// pkcs12Entries turns SafeBags into certificates with aliases. A
// certificate without a friendlyName takes the alias of the key with the
// same localKeyId, else of the key entry it follows (the CA certificates of
// a key entry's chain carry no attributes).
func (o *Opened) pkcs12Entries(bags []pfx.Bag, passwordOK bool, probs *problems) {
	type keyEntry struct {
		key   any
		keyID []byte
		alias string
		chain []*x509.Certificate
	}
	var entries []*keyEntry
	var current *keyEntry // the key entry whose chain is being read
	for i, b := range bags {
		switch b.Type {
		case pfx.KeyBag, pfx.ShroudedKeyBag:
			o.File.HasPrivateKey = true
			e := &keyEntry{keyID: b.LocalKeyID, alias: b.FriendlyName}
			entries = append(entries, e)
			switch {
			case errors.Is(b.KeyErr, pfx.ErrDecrypt) && passwordOK:
				probs.add(KindKeyPassword, "the keystore password does not open the private key of entry %q; set keystore.secure_key_password", aliasOr(b.FriendlyName, i))
				continue
			case b.KeyErr != nil && !errors.Is(b.KeyErr, pfx.ErrDecrypt):
				probs.add(pfxKind(b.KeyErr), "PKCS#12 private key of entry %q: %s", aliasOr(b.FriendlyName, i), pfxDetail(b.KeyErr))
				continue
			case b.KeyErr != nil:
				continue
			}
			// A key type Go does not know stays nil; the password did open it.
			e.key, _ = x509.ParsePKCS8PrivateKey(b.Key)
		case pfx.CertBag:
			c, err := x509.ParseCertificate(b.Cert)
			if err != nil {
				probs.add(KindMalformed, "PKCS#12 certificate %q: %v", aliasOr(b.FriendlyName, i), err)
				continue
			}
			alias := b.FriendlyName
			switch {
			case b.Trusted:
				current = nil
			case len(b.LocalKeyID) > 0:
				current = nil
				for _, e := range entries {
					if pfx.SameKeyID(e.keyID, b.LocalKeyID) {
						current = e
						break
					}
				}
				if current == nil {
					current = &keyEntry{alias: alias}
				}
				if alias == "" {
					alias = current.alias
				}
				current.chain = append(current.chain, c)
			case alias == "" && current != nil:
				alias = current.alias
				current.chain = append(current.chain, c)
			}
			o.addCert(c, alias)
		}
	}
	for _, e := range entries {
		if e.key != nil {
			o.setKey(e.key, e.chain)
		}
	}
}

func aliasOr(alias string, i int) string {
	if alias != "" {
		return alias
	}
	return fmt.Sprintf("#%d", i+1)
}

// wrongPassword records a password that does not open a keystore.
func (o *Opened) wrongPassword(what string, password secret.Bytes, probs *problems) {
	src := o.File.PasswordSource
	switch {
	case password.IsZero() && src == "":
		probs.add(KindNoPassword, "no password is configured and the empty password does not open this %s file", what)
	case password.IsZero():
		probs.add(KindWrongPassword, "the empty password from %s does not open this %s file", src, what)
	case src == "":
		probs.add(KindWrongPassword, "the password does not open this %s file", what)
	default:
		probs.add(KindWrongPassword, "the password from %s does not open this %s file", src, what)
	}
}
