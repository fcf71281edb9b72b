package certgen

import (
	"crypto/x509/pkix"
	"encoding/asn1"
	"encoding/pem"
)

// Hostile files for the key-derivation work budget: each item alone is
// within the per-item iteration cap, together they would run for minutes.

var (
	oidData            = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 7, 1}
	oidEncryptedData   = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 7, 6}
	oidPBEWithSHA3DES  = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 12, 1, 3}
	oidPBEWithMD5AndDE = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 5, 3}
)

type hostileContentInfo struct {
	ContentType asn1.ObjectIdentifier
	Content     asn1.RawValue `asn1:"tag:0,explicit,optional"`
}

type hostileEncryptedData struct {
	Version int
	Info    struct {
		ContentType asn1.ObjectIdentifier
		Algorithm   pkix.AlgorithmIdentifier
		Content     []byte `asn1:"tag:0,optional"`
	}
}

type hostilePBEParams struct {
	Salt       []byte
	Iterations int
}

func explicit(inner []byte) asn1.RawValue {
	return asn1.RawValue{Class: asn1.ClassContextSpecific, Tag: 0, IsCompound: true, Bytes: inner}
}

// ManyItemsPKCS12 is a PKCS#12 file (no MAC) of n encrypted contents, each
// asking for iterations rounds of the PKCS#12 3DES PBE.
func ManyItemsPKCS12(n, iterations int) []byte {
	params, _ := asn1.Marshal(hostilePBEParams{Salt: make([]byte, 8), Iterations: iterations})
	var ed hostileEncryptedData
	ed.Info.ContentType = oidData
	ed.Info.Algorithm = pkix.AlgorithmIdentifier{Algorithm: oidPBEWithSHA3DES, Parameters: asn1.RawValue{FullBytes: params}}
	ed.Info.Content = make([]byte, 64)
	edDER, _ := asn1.Marshal(ed)
	items := make([]hostileContentInfo, n)
	for i := range items {
		items[i] = hostileContentInfo{ContentType: oidEncryptedData, Content: explicit(edDER)}
	}
	authSafe, _ := asn1.Marshal(items)
	octets, _ := asn1.Marshal(authSafe)
	der, _ := asn1.Marshal(struct {
		Version  int
		AuthSafe hostileContentInfo
	}{3, hostileContentInfo{ContentType: oidData, Content: explicit(octets)}})
	return der
}

// ManyKeysPEM is n "ENCRYPTED PRIVATE KEY" blocks (pbeWithMD5AndDES-CBC),
// each asking for iterations rounds.
func ManyKeysPEM(n, iterations int) []byte {
	params, _ := asn1.Marshal(hostilePBEParams{Salt: make([]byte, 8), Iterations: iterations})
	der, _ := asn1.Marshal(struct {
		Algorithm pkix.AlgorithmIdentifier
		Data      []byte
	}{pkix.AlgorithmIdentifier{Algorithm: oidPBEWithMD5AndDE, Parameters: asn1.RawValue{FullBytes: params}}, make([]byte, 64)})
	var out []byte
	for i := 0; i < n; i++ {
		out = append(out, pem.EncodeToMemory(&pem.Block{Type: "ENCRYPTED PRIVATE KEY", Bytes: der})...)
	}
	return out
}
