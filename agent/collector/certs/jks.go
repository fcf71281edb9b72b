package certs

import (
	"bytes"
	"crypto/x509"
	"encoding/binary"
	"errors"
	"fmt"
	"strings"

	keystore "github.com/pavlo-v-chernykh/keystore-go/v4"

	"github.com/esdoctor/esdoctor/shared/secret"
)

// jksEntry is one entry found by scanJKS, in file order.
type jksEntry struct {
	alias string
	key   bool // PrivateKeyEntry, else TrustedCertificateEntry
}

// scanJKS walks the JKS layout with bounds checks before keystore-go sees
// it: keystore-go allocates whatever length a field declares, so a hostile
// 4 GiB length would exhaust memory. It also yields the aliases in file
// order (keystore-go keeps a map).
func scanJKS(data []byte) ([]jksEntry, error) {
	r := &jksReader{b: data}
	if magic := r.u32("magic"); r.err == nil && magic != 0xfeedfeed {
		return nil, errors.New("not a JKS file")
	}
	version := r.u32("version")
	if r.err == nil && version != 1 && version != 2 {
		return nil, fmt.Errorf("JKS version %d", version)
	}
	count := r.u32("entry count")
	var out []jksEntry
	for i := uint32(0); r.err == nil && i < count; i++ {
		tag := r.u32("entry tag")
		alias := string(r.bytes(int(r.u16("alias length")), "alias"))
		r.skip(8, "timestamp")
		switch {
		case r.err != nil:
		case tag == 1:
			r.skip(int(r.u32("key length")), "private key")
			n := r.u32("chain length")
			for j := uint32(0); r.err == nil && j < n; j++ {
				r.cert(version)
			}
			out = append(out, jksEntry{alias: alias, key: true})
		case tag == 2:
			r.cert(version)
			out = append(out, jksEntry{alias: alias})
		default:
			return out, fmt.Errorf("entry %d (%q): unknown entry tag %d", i+1, alias, tag)
		}
		if r.err != nil {
			return out, fmt.Errorf("entry %d: %w", i+1, r.err)
		}
	}
	// Bytes after the digest are ignored, as the JDK ignores them.
	r.skip(20, "SHA-1 digest")
	return out, r.err
}

// errJKSShort marks a field that runs past the end of the file.
var errJKSShort = errors.New("runs past the end of the file")

type jksReader struct {
	b   []byte
	off int
	err error
}

func (r *jksReader) bytes(n int, what string) []byte {
	if r.err != nil {
		return nil
	}
	if n < 0 || n > len(r.b)-r.off {
		r.err = fmt.Errorf("%s (%d bytes at offset %d) %w", what, n, r.off, errJKSShort)
		return nil
	}
	out := r.b[r.off : r.off+n]
	r.off += n
	return out
}

func (r *jksReader) skip(n int, what string) { r.bytes(n, what) }

func (r *jksReader) u16(what string) uint16 {
	b := r.bytes(2, what)
	if b == nil {
		return 0
	}
	return binary.BigEndian.Uint16(b)
}

func (r *jksReader) u32(what string) uint32 {
	b := r.bytes(4, what)
	if b == nil {
		return 0
	}
	return binary.BigEndian.Uint32(b)
}

func (r *jksReader) cert(version uint32) {
	if version == 2 {
		r.skip(int(r.u16("certificate type length")), "certificate type")
	}
	r.skip(int(r.u32("certificate length")), "certificate")
}

// loadJKS reads a JKS keystore with keystore-go. The entries are listed
// even when the password is wrong (keystore-go reads them before it checks
// the digest), as keytool -list does.
func (o *Opened) loadJKS(data []byte, password secret.Bytes, probs *problems) {
	entries, err := scanJKS(data)
	if err != nil {
		kind := KindMalformed
		if errors.Is(err, errJKSShort) {
			kind = KindTruncated
		}
		probs.add(kind, "JKS: %v", err)
		return
	}
	pw, ok := jksPassword(password)
	if !ok {
		probs.add(KindNotChecked, "the password has characters outside Latin-1, which this reader cannot check")
	}
	ks := keystore.New(keystore.WithCaseExactAliases())
	loadErr := ks.Load(bytes.NewReader(data), pw)
	defer clear(pw)
	switch {
	case loadErr == nil:
		if ok {
			o.setPasswordOK(true)
		}
	case loadErr.Error() == "got invalid digest":
		if ok {
			o.setPasswordOK(false)
			o.wrongPassword("JKS", password, probs)
		}
	default:
		probs.add(KindMalformed, "JKS: %v", loadErr)
		return
	}
	storeOK := loadErr == nil && ok
	for _, e := range entries {
		if e.key {
			o.File.HasPrivateKey = true
			chain, err := ks.GetPrivateKeyEntryCertificateChain(e.alias)
			if err != nil {
				probs.add(KindMalformed, "JKS entry %q: %v", e.alias, err)
				continue
			}
			parsed := o.jksCerts(e.alias, chain, probs)
			if !storeOK {
				continue
			}
			pke, err := ks.GetPrivateKeyEntry(e.alias, pw)
			switch {
			case err != nil && strings.Contains(err.Error(), "unsupported"):
				probs.add(KindUnsupported, "JKS entry %q: %v", e.alias, err)
				continue
			case err != nil:
				probs.add(KindKeyPassword, "the keystore password does not open the private key of entry %q; set keystore.secure_key_password", e.alias)
				continue
			}
			if k, err := x509.ParsePKCS8PrivateKey(pke.PrivateKey); err == nil {
				o.setKey(k, parsed)
			}
			clear(pke.PrivateKey)
			continue
		}
		tce, err := ks.GetTrustedCertificateEntry(e.alias)
		if err != nil {
			probs.add(KindMalformed, "JKS entry %q: %v", e.alias, err)
			continue
		}
		o.jksCerts(e.alias, []keystore.Certificate{tce.Certificate}, probs)
	}
	if len(entries) == 0 {
		probs.add(KindUnrecognized, "JKS keystore with no entries")
	}
}

func (o *Opened) jksCerts(alias string, chain []keystore.Certificate, probs *problems) []*x509.Certificate {
	var out []*x509.Certificate
	for i, kc := range chain {
		if kc.Type != "X.509" && kc.Type != "X509" {
			probs.add(KindUnsupported, "JKS entry %q certificate %d has type %q", alias, i+1, kc.Type)
			continue
		}
		c, err := x509.ParseCertificate(kc.Content)
		if err != nil {
			probs.add(KindMalformed, "JKS entry %q certificate %d: %v", alias, i+1, err)
			continue
		}
		o.addCert(c, alias)
		out = append(out, c)
	}
	return out
}

// jksPassword converts the password to what keystore-go hashes: one byte
// per Java char, which is right for Latin-1 text only.
func jksPassword(password secret.Bytes) ([]byte, bool) {
	s := string(password.Reveal())
	out := make([]byte, 0, len(s))
	for _, r := range s {
		if r > 0xff {
			return nil, false
		}
		out = append(out, byte(r))
	}
	return out, true
}
