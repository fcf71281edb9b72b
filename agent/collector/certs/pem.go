package certs

import (
	"bytes"
	"crypto/x509"
	"encoding/pem"
	"strings"
	"unicode/utf8"

	"github.com/esdoctor/esdoctor/shared/secret"
)

var pemEndLine = []byte("\n-----END ")

// loadPEM reads every block in order. Text between blocks (OpenSSL's "Bag
// Attributes" and subject=/issuer= lines, comments) is ignored as the JDK
// ignores it; binary data between blocks, a block without its END line or
// with bad base64 is reported with its position, and the blocks around it
// are still read.
func (o *Opened) loadPEM(data []byte, password secret.Bytes, probs *problems) {
	var keys keyStatus
	rest := data
	n := 0
	for {
		start := bytes.Index(rest, pemBegin)
		if start < 0 {
			o.checkBetween(rest, len(data)-len(rest), probs)
			break
		}
		o.checkBetween(rest[:start], len(data)-len(rest), probs)
		seg := rest[start:]
		offset := len(data) - len(seg)
		n++
		typ := blockType(seg)
		end := bytes.Index(seg, pemEndLine)
		if end < 0 {
			probs.add(KindTruncated, "PEM block %d (%s) at byte %d has no END line", n, typ, offset)
			break
		}
		if next := bytes.Index(seg[len(pemBegin):end], pemBegin); next >= 0 {
			probs.add(KindTruncated, "PEM block %d (%s) at byte %d has no END line before the next BEGIN", n, typ, offset)
			rest = seg[len(pemBegin)+next:]
			continue
		}
		blockEnd := len(seg)
		if nl := bytes.IndexByte(seg[end+1:], '\n'); nl >= 0 {
			blockEnd = end + 1 + nl + 1
		}
		block, _ := pem.Decode(seg[:blockEnd])
		rest = seg[blockEnd:]
		if block == nil {
			probs.add(KindMalformed, "PEM block %d (%s) at byte %d: bad base64, headers or END line", n, typ, offset)
			continue
		}
		o.pemBlock(n, block, password, &keys, probs)
	}
	if n == 0 {
		probs.add(KindUnrecognized, "no PEM block")
		return
	}
	if len(o.Certs) == 0 && !o.File.HasPrivateKey && len(probs.list) == 0 {
		probs.add(KindUnrecognized, "no certificate or private key in %d PEM block(s)", n)
	}
	if keys.skipped > 0 {
		probs.add(KindLimit, "%d further encrypted key(s) not checked", keys.skipped)
	}
	keys.apply(o)
}

// checkBetween reports binary data outside PEM blocks.
func (o *Opened) checkBetween(b []byte, offset int, probs *problems) {
	if len(b) == 0 {
		return
	}
	if !utf8.Valid(b) || bytes.ContainsFunc(b, func(r rune) bool {
		return r < 0x20 && r != '\n' && r != '\r' && r != '\t' || r == 0x7f
	}) {
		probs.add(KindMalformed, "%d bytes of binary data outside PEM blocks at byte %d (ignored)", len(b), offset)
	}
}

// blockType is the label of a BEGIN line, shortened and made printable for
// messages.
func blockType(seg []byte) string {
	line := seg[len(pemBegin):]
	if i := bytes.IndexAny(line, "\r\n"); i >= 0 {
		line = line[:i]
	}
	line = bytes.TrimSuffix(line, []byte("-----"))
	s := strings.Map(func(r rune) rune {
		if r < 0x20 || r > 0x7e {
			return '?'
		}
		return r
	}, string(line))
	if len(s) > 40 {
		s = s[:40] + "…"
	}
	return s
}

func (o *Opened) pemBlock(n int, block *pem.Block, password secret.Bytes, keys *keyStatus, probs *problems) {
	switch block.Type {
	case "CERTIFICATE", "X509 CERTIFICATE":
		c, err := x509.ParseCertificate(block.Bytes)
		if err != nil {
			probs.add(KindMalformed, "PEM block %d (%s): %v", n, block.Type, err)
			return
		}
		o.addCert(c, "")
	case "TRUSTED CERTIFICATE":
		probs.add(KindUnsupported, "PEM block %d is an OpenSSL TRUSTED CERTIFICATE, which the JDK does not read; export it as CERTIFICATE", n)
	case "RSA PRIVATE KEY", "EC PRIVATE KEY", "DSA PRIVATE KEY", "PRIVATE KEY", "ENCRYPTED PRIVATE KEY":
		o.pemKey(n, block, password, keys, probs)
	case "EC PARAMETERS":
		// written by `openssl ecparam -genkey` before the key; harmless.
	default:
		probs.add(KindUnsupported, "PEM block %d is a %q, not a certificate or private key", n, block.Type)
	}
}
