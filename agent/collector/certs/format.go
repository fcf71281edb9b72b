package certs

import (
	"bytes"
	"crypto/x509"
	"path/filepath"
	"strings"
)

// Format is a certificate file format as Elasticsearch names it.
type Format string

// The formats an ssl setting can point at. DER is only ever detected (a
// binary certificate where ES wants PEM), never inferred.
const (
	PEM    Format = "PEM"
	PKCS12 Format = "PKCS12"
	JKS    Format = "JKS"
	JCEKS  Format = "JCEKS"
	DER    Format = "DER"
)

// InferFormat applies Elasticsearch's rule: certificate, key and
// certificate_authorities settings are PEM; for keystore.path and
// truststore.path an explicit type setting wins ("PKCS12", "jks", "PEM",
// any case), else a .p12/.pfx/.pkcs12 name means PKCS12 and anything else
// JKS. An unknown explicit type (PKCS11, BCFKS) is returned upper-cased.
func InferFormat(setting, path, typeSetting string) Format {
	if isPEMSetting(setting) {
		return PEM
	}
	switch t := strings.ToUpper(strings.TrimSpace(typeSetting)); t {
	case "":
	case "PKCS12", "P12", "PKCS#12":
		return PKCS12
	case "JKS":
		return JKS
	case "PEM":
		return PEM
	default:
		return Format(t)
	}
	switch strings.ToLower(filepath.Ext(path)) {
	case ".p12", ".pfx", ".pkcs12":
		return PKCS12
	}
	return JKS
}

func isPEMSetting(setting string) bool {
	for _, suffix := range []string{"ssl.certificate", "ssl.key", "ssl.certificate_authorities"} {
		if setting == suffix || strings.HasSuffix(setting, "."+suffix) {
			return true
		}
	}
	return false
}

// sniffed is what the first bytes of a file say it is.
type sniffed struct {
	format Format // "" when unrecognized
	// truncated is set when a DER header declares more bytes than the
	// file holds.
	truncated bool
	declared  int // DER length declared by the outer header
}

var (
	jksMagic   = []byte{0xfe, 0xed, 0xfe, 0xed}
	jceksMagic = []byte{0xce, 0xce, 0xce, 0xce}
	pemBegin   = []byte("-----BEGIN ")
)

// sniff recognizes JKS and JCEKS by magic, PKCS#12 by its DER header
// (SEQUENCE, INTEGER 3), PEM by a BEGIN line, and a bare DER certificate.
func sniff(data []byte) sniffed {
	switch {
	case bytes.HasPrefix(data, jksMagic):
		return sniffed{format: JKS}
	case bytes.HasPrefix(data, jceksMagic):
		return sniffed{format: JCEKS}
	}
	if hdr, body, ok := derSequence(data); ok {
		total := hdr + body
		if len(data) >= hdr+3 && bytes.Equal(data[hdr:hdr+3], []byte{0x02, 0x01, 0x03}) {
			return sniffed{format: PKCS12, truncated: body >= 0 && total > len(data), declared: total}
		}
		if len(data) > hdr && data[hdr] == 0x30 {
			if _, err := x509.ParseCertificate(data); err == nil {
				return sniffed{format: DER}
			}
			if body >= 0 && total > len(data) {
				return sniffed{truncated: true, declared: total}
			}
		}
	}
	if bytes.Contains(data, pemBegin) {
		return sniffed{format: PEM}
	}
	return sniffed{}
}

// derSequence reads a DER SEQUENCE header: the header length and the
// declared body length (-1 for BER indefinite length).
func derSequence(b []byte) (hdr, body int, ok bool) {
	if len(b) < 2 || b[0] != 0x30 {
		return 0, 0, false
	}
	l := int(b[1])
	switch {
	case l < 0x80:
		return 2, l, true
	case l == 0x80:
		return 2, -1, true
	}
	n := l & 0x7f
	if n > 4 || len(b) < 2+n {
		return 0, 0, false
	}
	body = 0
	for _, c := range b[2 : 2+n] {
		body = body<<8 | int(c)
	}
	return 2 + n, body, true
}
