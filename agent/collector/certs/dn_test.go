package certs

import (
	"encoding/asn1"
	"testing"
)

// atvDER encodes one AttributeTypeAndValue with a raw value.
func atvDER(t *testing.T, oid asn1.ObjectIdentifier, tag int, value []byte) []byte {
	t.Helper()
	b, err := asn1.Marshal(struct {
		Type  asn1.ObjectIdentifier
		Value asn1.RawValue
	}{oid, asn1.RawValue{Tag: tag, Bytes: value}})
	mustNil(t, err)
	return b
}

// nameDER builds a Name from RDNs given as lists of encoded ATVs, keeping
// the ATV order inside each SET as given (no DER sorting), as a foreign
// encoder might.
func nameDER(t *testing.T, rdns ...[][]byte) []byte {
	t.Helper()
	var seq []byte
	for _, rdn := range rdns {
		var body []byte
		for _, a := range rdn {
			body = append(body, a...)
		}
		set, err := asn1.Marshal(asn1.RawValue{Tag: asn1.TagSet, IsCompound: true, Bytes: body})
		mustNil(t, err)
		seq = append(seq, set...)
	}
	out, err := asn1.Marshal(asn1.RawValue{Tag: asn1.TagSequence, IsCompound: true, Bytes: seq})
	mustNil(t, err)
	return out
}

func TestRFC2253LikeJava(t *testing.T) {
	cn := asn1.ObjectIdentifier{2, 5, 4, 3}
	ou := asn1.ObjectIdentifier{2, 5, 4, 11}
	o := asn1.ObjectIdentifier{2, 5, 4, 10}
	c := asn1.ObjectIdentifier{2, 5, 4, 6}
	ps, utf, ia5, bmp, t61 := asn1.TagPrintableString, asn1.TagUTF8String, asn1.TagIA5String, asn1.TagBMPString, asn1.TagT61String
	one := func(oid asn1.ObjectIdentifier, tag int, v string) [][]byte {
		return [][]byte{atvDER(t, oid, tag, []byte(v))}
	}
	cases := []struct {
		name string
		der  []byte
		want string
	}{
		{"reversed RDN order, no spaces", nameDER(t, one(c, ps, "US"), one(o, utf, "Org"), one(cn, utf, "node-1")),
			"CN=node-1,O=Org,C=US"},
		{"multi-valued RDN keeps encoding order", nameDER(t, [][]byte{atvDER(t, ou, utf, []byte("ops")), atvDER(t, cn, utf, []byte("odd"))}),
			"OU=ops+CN=odd"},
		{"emailAddress as OID and hex", nameDER(t, one(asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 9, 1}, ia5, "a@b")),
			"1.2.840.113549.1.9.1=#1603614062"},
		{"serialNumber as OID (Go says SERIALNUMBER)", nameDER(t, one(asn1.ObjectIdentifier{2, 5, 4, 5}, ps, "42")),
			"2.5.4.5=#13023432"},
		{"DC and UID keywords", nameDER(t, one(asn1.ObjectIdentifier{0, 9, 2342, 19200300, 100, 1, 25}, ia5, "com"),
			one(asn1.ObjectIdentifier{0, 9, 2342, 19200300, 100, 1, 1}, utf, "jdoe")),
			"UID=jdoe,DC=com"},
		{"special characters escaped, = and # too", nameDER(t, one(o, utf, `a=b+c<d>e#f;g"h\i,j`)),
			`O=a\=b\+c\<d\>e\#f\;g\"h\\i\,j`},
		{"leading and trailing spaces escaped", nameDER(t, one(cn, utf, "  x ")),
			`CN=\ \ x\ `},
		{"NUL as \\00", nameDER(t, one(cn, utf, "a\x00b")),
			`CN=a\00b`},
		{"non-ASCII kept", nameDER(t, one(cn, utf, "Zürich")),
			"CN=Zürich"},
		{"BMPString read as UTF-8 bytes, as Java does", nameDER(t, one(cn, bmp, "\x00A\x00B")),
			`CN=\00A\00B`},
		{"T61String latin-1 byte becomes U+FFFD", nameDER(t, one(cn, t61, "caf\xe9")),
			"CN=caf\uFFFD"},
		{"non-string value as hex", nameDER(t, [][]byte{atvDER(t, cn, asn1.TagInteger, []byte{5})}),
			"CN=#020105"},
		{"empty name", nameDER(t), ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if got := RFC2253(c.der); got != c.want {
				t.Errorf("RFC2253 = %q, want %q", got, c.want)
			}
		})
	}
}
