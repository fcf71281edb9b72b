package certs

import (
	"crypto/x509"
	"encoding/pem"
	"errors"
	"strings"

	"github.com/esdoctor/esdoctor/internal/kdfbudget"
	"github.com/esdoctor/esdoctor/internal/pfx"
	"github.com/esdoctor/esdoctor/shared/secret"
)

// keyStatus sums up the passphrase checks of the keys in one PEM file.
type keyStatus struct {
	encrypted int  // encrypted keys seen
	checked   int  // of which the passphrase was checked
	opened    int  // of which the passphrase opened
	exhausted bool // the file's key-derivation budget is spent
	skipped   int  // encrypted keys not tried once it was
}

// apply sets PasswordOK: nil when no key is encrypted or none could be
// checked, else whether every checked key opened.
func (k keyStatus) apply(o *Opened) {
	if k.encrypted == 0 || k.checked == 0 {
		return
	}
	o.setPasswordOK(k.opened == k.checked)
}

// pemKey validates a private key block and checks the passphrase of an
// encrypted one: legacy "Proc-Type: 4,ENCRYPTED" PEM (OpenSSL's
// traditional format, also what elasticsearch-certutil --pem --pass
// writes) and PKCS#8 "ENCRYPTED PRIVATE KEY" with PBES2, the PKCS#12 PBE
// schemes or PKCS#5 v1.5 PBES1 (`openssl pkcs8 -topk8 -v1 PBE-MD5-DES`,
// which ES's PEM reader accepts).
func (o *Opened) pemKey(n int, block *pem.Block, password secret.Bytes, keys *keyStatus, probs *problems) {
	o.File.HasPrivateKey = true
	// Legacy PEM encryption is deprecated in Go but still what OpenSSL 1.x
	// and certutil write, so the deprecated helpers are the right tool.
	legacy := x509.IsEncryptedPEMBlock(block)
	der := block.Bytes
	switch {
	case legacy:
		keys.encrypted++
		if password.IsZero() {
			cipherName, _, _ := strings.Cut(block.Headers["DEK-Info"], ",")
			probs.add(KindNoPassword, "PEM block %d (%s) is encrypted (%s) but no passphrase is configured", n, block.Type, cipherName)
			keys.checked++
			return
		}
		keys.checked++
		plain, err := x509.DecryptPEMBlock(block, password.Reveal())
		if err != nil {
			if errors.Is(err, x509.IncorrectPasswordError) {
				probs.add(KindWrongPassword, "the passphrase%s does not open PEM block %d (%s)", o.fromSource(), n, block.Type)
				return
			}
			probs.add(KindMalformed, "PEM block %d (%s): %v", n, block.Type, err)
			return
		}
		k, err := parsePlainKey(block.Type, plain)
		if err != nil {
			// Valid padding by chance: still the wrong passphrase.
			probs.add(KindWrongPassword, "the passphrase%s does not open PEM block %d (%s)", o.fromSource(), n, block.Type)
			return
		}
		keys.opened++
		o.setKey(k, nil)
	case block.Type == "ENCRYPTED PRIVATE KEY":
		keys.encrypted++
		if keys.exhausted {
			keys.skipped++
			return
		}
		info, err := pfx.ParseEncryptedPKCS8(der)
		if err != nil {
			probs.add(pfxKind(err), "PEM block %d (%s): %s", n, block.Type, pfxDetail(err))
			return
		}
		if password.IsZero() {
			keys.checked++
			probs.add(KindNoPassword, "PEM block %d is an encrypted PKCS#8 key (%s) but no passphrase is configured", n, pfx.AlgorithmName(info.Algorithm))
			return
		}
		plain, err := pfx.DecryptPKCS8Budget(der, string(password.Reveal()), o.budget)
		switch {
		case errors.Is(err, pfx.ErrUnsupported) && plain == nil:
			probs.add(KindNotChecked, "PEM block %d is an encrypted key (%s), passphrase not checked", n, pfx.AlgorithmName(info.Algorithm))
		case errors.Is(err, pfx.ErrDecrypt):
			keys.checked++
			probs.add(KindWrongPassword, "the passphrase%s does not open PEM block %d (encrypted PKCS#8, %s)", o.fromSource(), n, pfx.AlgorithmName(info.Algorithm))
		case err != nil && plain == nil:
			probs.add(pfxKind(err), "PEM block %d (%s): %s", n, block.Type, pfxDetail(err))
			keys.exhausted = errors.Is(err, kdfbudget.ErrExhausted)
		default:
			keys.checked++
			keys.opened++
			if k, err := x509.ParsePKCS8PrivateKey(plain); err == nil {
				o.setKey(k, nil)
			}
		}
	case block.Type == "DSA PRIVATE KEY":
		// Go does not parse DSA keys; the JDK does. Nothing to check.
	default:
		k, err := parsePlainKey(block.Type, der)
		if err != nil {
			probs.add(KindMalformed, "PEM block %d (%s): %v", n, block.Type, err)
			return
		}
		o.setKey(k, nil)
	}
}

// parsePlainKey parses an unencrypted key by its PEM label, trying the
// other encodings when the label lies (a PKCS#8 body under "RSA PRIVATE
// KEY" is common).
func parsePlainKey(label string, der []byte) (any, error) {
	var first error
	try := []string{label, "PRIVATE KEY", "RSA PRIVATE KEY", "EC PRIVATE KEY"}
	for _, t := range try {
		var k any
		var err error
		switch t {
		case "RSA PRIVATE KEY":
			k, err = x509.ParsePKCS1PrivateKey(der)
		case "EC PRIVATE KEY":
			k, err = x509.ParseECPrivateKey(der)
		case "PRIVATE KEY":
			k, err = x509.ParsePKCS8PrivateKey(der)
		default:
			continue
		}
		if err == nil {
			return k, nil
		}
		if first == nil {
			first = err
		}
	}
	return nil, first
}

// fromSource is " from <source>" for messages, or "".
func (o *Opened) fromSource() string {
	if o.File.PasswordSource == "" {
		return ""
	}
	return " from " + o.File.PasswordSource
}

// pfxDetail is err's text without the sentinel that pfxKind turned into
// the kind.
func pfxDetail(err error) string {
	msg := err.Error()
	for _, s := range []error{pfx.ErrLimit, pfx.ErrUnsupported, pfx.ErrMalformed} {
		if errors.Is(err, s) {
			return strings.Replace(msg, s.Error()+": ", "", 1)
		}
	}
	return msg
}

// pfxKind maps an internal/pfx error to a kind.
func pfxKind(err error) ErrorKind {
	switch {
	case errors.Is(err, pfx.ErrLimit):
		return KindLimit
	case errors.Is(err, pfx.ErrUnsupported):
		return KindUnsupported
	case errors.Is(err, pfx.ErrDecrypt):
		return KindWrongPassword
	}
	return KindMalformed
}
