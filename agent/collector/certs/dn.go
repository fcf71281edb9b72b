package certs

import (
	"crypto/x509/pkix"
	"encoding/asn1"
	"encoding/hex"
	"strings"
	"unicode/utf8"
)

// RFC 2253 keywords Java emits in X500Principal.getName() (RFC2253 form).
// Every other attribute — emailAddress, serialNumber, title, givenName,
// postalCode… — is printed as its dotted OID and "#" + the hex of the DER
// value, e.g. "1.2.840.113549.1.9.1=#16...". Go's pkix.Name.String() says
// "SERIALNUMBER=" and "POSTALCODE=" instead, so it is not used.
var rfc2253Keywords = map[string]string{
	"2.5.4.3":                    "CN",
	"2.5.4.6":                    "C",
	"2.5.4.7":                    "L",
	"2.5.4.8":                    "ST",
	"2.5.4.10":                   "O",
	"2.5.4.11":                   "OU",
	"2.5.4.9":                    "STREET",
	"0.9.2342.19200300.100.1.25": "DC",
	"0.9.2342.19200300.100.1.1":  "UID",
}

type rawATV struct {
	Type  asn1.ObjectIdentifier
	Value asn1.RawValue
}

// rawRDNSET decodes as an ASN.1 SET OF (encoding/asn1 treats slice types
// whose name ends in "SET" as SET).
type rawRDNSET []rawATV

// RFC2253 renders a DER-encoded Name (Certificate.RawSubject/RawIssuer) as
// Java's X500Principal.getName() does, which is what Elasticsearch logs:
//   - RDNs in reverse order of the encoding, joined by "," (no space);
//     the values of a multi-valued RDN in encoding order, joined by "+";
//   - keywords only for CN, C, L, ST, O, OU, STREET, DC, UID; other
//     attributes as "<oid>=#<hex of the DER value>", lower-case hex;
//   - string values (Printable, T61, IA5, General, BMP, UTF8) taken as
//     UTF-8 bytes — Java does the same, so a BMPString shows its zero
//     bytes as "\00" — with each of  , = + < > # ; " \  escaped by a
//     backslash, NUL as "\00", and leading/trailing spaces (and CR)
//     escaped; any other value type as "#" + hex.
//
// A Name that does not decode falls back to Go's pkix.Name.String().
func RFC2253(rawName []byte) string {
	var seq []rawRDNSET
	rest, err := asn1.Unmarshal(rawName, &seq)
	if err != nil || len(rest) != 0 {
		var rdns pkix.RDNSequence
		if _, err := asn1.Unmarshal(rawName, &rdns); err == nil {
			var n pkix.Name
			n.FillFromRDNSequence(&rdns)
			return n.String()
		}
		return ""
	}
	var b strings.Builder
	for i := len(seq) - 1; i >= 0; i-- {
		if i != len(seq)-1 {
			b.WriteByte(',')
		}
		for j, atv := range seq[i] {
			if j > 0 {
				b.WriteByte('+')
			}
			writeATV(&b, atv)
		}
	}
	return b.String()
}

func writeATV(b *strings.Builder, atv rawATV) {
	oid := atv.Type.String()
	kw, known := rfc2253Keywords[oid]
	if !known {
		kw = oid
	}
	b.WriteString(kw)
	b.WriteByte('=')
	if !known || !isDirectoryString(atv.Value) {
		b.WriteByte('#')
		b.WriteString(hex.EncodeToString(atv.Value.FullBytes))
		return
	}
	b.WriteString(escapeRFC2253(decodeUTF8Lossy(atv.Value.Bytes)))
}

func isDirectoryString(v asn1.RawValue) bool {
	if v.Class != asn1.ClassUniversal || v.IsCompound {
		return false
	}
	switch v.Tag {
	case asn1.TagPrintableString, asn1.TagT61String, asn1.TagIA5String,
		asn1.TagGeneralString, asn1.TagBMPString, asn1.TagUTF8String:
		return true
	}
	return false
}

// decodeUTF8Lossy decodes like Java's new String(bytes, UTF_8): invalid
// sequences become U+FFFD.
func decodeUTF8Lossy(p []byte) string {
	if utf8.Valid(p) {
		return string(p)
	}
	var b strings.Builder
	for len(p) > 0 {
		r, n := utf8.DecodeRune(p)
		b.WriteRune(r)
		p = p[n:]
	}
	return b.String()
}

func escapeRFC2253(v string) string {
	var b strings.Builder
	for _, r := range v {
		switch {
		case strings.ContainsRune(`,=+<>#;"\`, r):
			b.WriteByte('\\')
			b.WriteRune(r)
		case r == 0:
			b.WriteString(`\00`)
		default:
			b.WriteRune(r)
		}
	}
	s := b.String()
	lead := 0
	for lead < len(s) && (s[lead] == ' ' || s[lead] == '\r') {
		lead++
	}
	trail := len(s)
	for trail > lead && (s[trail-1] == ' ' || s[trail-1] == '\r') {
		trail--
	}
	if lead == 0 && trail == len(s) {
		return s
	}
	var out strings.Builder
	for i := 0; i < len(s); i++ {
		if i < lead || i >= trail {
			out.WriteByte('\\')
		}
		out.WriteByte(s[i])
	}
	return out.String()
}

// sameName compares two DER Names the way X500Principal.equals roughly
// does: identical bytes, or the same RFC 2253 text ignoring case.
func sameName(a, b []byte) bool {
	if string(a) == string(b) {
		return true
	}
	return strings.EqualFold(RFC2253(a), RFC2253(b))
}
