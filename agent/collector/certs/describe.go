package certs

import (
	"crypto/sha1"
	"crypto/sha256"
	"crypto/x509"
	"encoding/asn1"
	"encoding/hex"
	"fmt"
	"net"
	"strings"

	"github.com/esdoctor/esdoctor/shared/event"
)

// Describe reports one certificate in the forms Elasticsearch logs:
// subject and issuer as RFC 2253 (see RFC2253), the serial as lower-case
// hex (Java's BigInteger.toString(16)), the DNS and IP subject alternative
// names in certificate order as "DNS:name" / "IP:addr" (the list
// SslDiagnostics prints; IPv6 in Java's uncompressed "0:0:0:0:0:0:0:1"
// form), dates in UTC, and SHA-1/SHA-256 fingerprints of the DER as
// lower-case hex without colons. ChainComplete and IssuerSHA1 need the
// other certificates of the file: see MarkChains.
func Describe(c *x509.Certificate) event.Cert {
	s1 := sha1.Sum(c.Raw)
	s256 := sha256.Sum256(c.Raw)
	serial := ""
	if c.SerialNumber != nil {
		serial = c.SerialNumber.Text(16)
	}
	return event.Cert{
		Subject:    RFC2253(c.RawSubject),
		Issuer:     RFC2253(c.RawIssuer),
		Serial:     serial,
		SANs:       SANs(c),
		NotBefore:  c.NotBefore.UTC(),
		NotAfter:   c.NotAfter.UTC(),
		SHA1:       hex.EncodeToString(s1[:]),
		SHA256:     hex.EncodeToString(s256[:]),
		IsCA:       c.IsCA,
		SelfIssued: sameName(c.RawSubject, c.RawIssuer),
	}
}

var oidSubjectAltName = asn1.ObjectIdentifier{2, 5, 29, 17}

// SANs lists the DNS and IP subject alternative names of c in certificate
// order ("DNS:a", "IP:1.2.3.4"); never nil. Other name types (email, URI,
// otherName) are left out, as Elasticsearch leaves them out of its
// diagnostics.
func SANs(c *x509.Certificate) []string {
	out := []string{}
	for _, ext := range c.Extensions {
		if !ext.Id.Equal(oidSubjectAltName) {
			continue
		}
		var seq asn1.RawValue
		if _, err := asn1.Unmarshal(ext.Value, &seq); err != nil {
			return out
		}
		rest := seq.Bytes
		for len(rest) > 0 {
			var gn asn1.RawValue
			var err error
			if rest, err = asn1.Unmarshal(rest, &gn); err != nil {
				return out
			}
			if gn.Class != asn1.ClassContextSpecific {
				continue
			}
			switch gn.Tag {
			case 2:
				out = append(out, "DNS:"+string(gn.Bytes))
			case 7:
				out = append(out, "IP:"+javaIP(gn.Bytes))
			}
		}
	}
	return out
}

// javaIP formats an iPAddress SAN as Java's IPAddressName does: dotted
// IPv4 (also for an IPv4-mapped IPv6 address, which InetAddress turns into
// an Inet4Address), IPv6 as eight lower-case hex groups without zero
// compression, and an address/mask pair (name constraints) with a "/".
func javaIP(b []byte) string {
	switch len(b) {
	case 4:
		return net.IP(b).String()
	case 16:
		ip := net.IP(b)
		if v4 := ip.To4(); v4 != nil && isV4Mapped(b) {
			return v4.String()
		}
		groups := make([]string, 8)
		for i := range groups {
			groups[i] = fmt.Sprintf("%x", uint16(b[2*i])<<8|uint16(b[2*i+1]))
		}
		return strings.Join(groups, ":")
	case 8:
		return javaIP(b[:4]) + "/" + javaIP(b[4:])
	case 32:
		return javaIP(b[:16]) + "/" + javaIP(b[16:])
	}
	return "#" + hex.EncodeToString(b)
}

func isV4Mapped(b []byte) bool {
	for _, c := range b[:10] {
		if c != 0 {
			return false
		}
	}
	return b[10] == 0xff && b[11] == 0xff
}
