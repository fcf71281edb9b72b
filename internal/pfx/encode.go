package pfx

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha1"
	"crypto/sha256"
	"encoding/asn1"
	"errors"
	"fmt"
)

// Entry is one keystore entry to encode: a private key with its
// certificate chain (leaf first), or a trusted certificate (Key nil, one
// certificate in Chain).
type Entry struct {
	Alias string
	// Key is the PKCS#8 DER of the private key; nil for a trusted entry.
	Key   []byte
	Chain [][]byte
}

// Encode writes entries as Java 17's PKCS12KeyStore does: one plain
// SafeContents with the shrouded keys, one PBES2-encrypted SafeContents
// with the certificates (the chain of a key entry; a trusted entry carries
// Java's trusted-certificate attribute), and an HMAC-SHA-256 MAC.
// Aliases become friendlyName attributes; a key and its leaf share a
// localKeyId (the SHA-1 of the leaf, as OpenSSL writes it).
func Encode(entries []Entry, password string, iterations int) ([]byte, error) {
	if iterations < 1 {
		return nil, errors.New("pfx: iterations must be positive")
	}
	var keyBags, certBags []safeBag
	for _, e := range entries {
		name, err := friendlyName(e.Alias)
		if err != nil {
			return nil, err
		}
		if len(e.Chain) == 0 {
			return nil, fmt.Errorf("pfx: entry %q has no certificate", e.Alias)
		}
		if e.Key == nil {
			if len(e.Chain) != 1 {
				return nil, fmt.Errorf("pfx: trusted entry %q must hold one certificate", e.Alias)
			}
			trusted, err := attribute(oidJavaTrustedCert, oidAnyExtendedKeyUsage)
			if err != nil {
				return nil, err
			}
			bag, err := newCertBag(e.Chain[0], name, trusted)
			if err != nil {
				return nil, err
			}
			certBags = append(certBags, bag)
			continue
		}
		sum := sha1.Sum(e.Chain[0])
		keyID, err := attribute(oidLocalKeyID, sum[:])
		if err != nil {
			return nil, err
		}
		shrouded, err := EncryptPKCS8(e.Key, password, iterations)
		if err != nil {
			return nil, err
		}
		keyBags = append(keyBags, safeBag{
			ID:         oidShroudedKeyBag,
			Value:      explicit0(shrouded),
			Attributes: []pkcs12Attribute{name, keyID},
		})
		for i, c := range e.Chain {
			var bag safeBag
			if i == 0 {
				bag, err = newCertBag(c, name, keyID)
			} else {
				bag, err = newCertBag(c)
			}
			if err != nil {
				return nil, err
			}
			certBags = append(certBags, bag)
		}
	}

	var contents []contentInfo
	if len(keyBags) > 0 {
		plain, err := asn1.Marshal(keyBags)
		if err != nil {
			return nil, err
		}
		octets, err := asn1.Marshal(plain)
		if err != nil {
			return nil, err
		}
		contents = append(contents, contentInfo{ContentType: oidData, Content: explicit0(octets)})
	}
	if len(certBags) > 0 {
		plain, err := asn1.Marshal(certBags)
		if err != nil {
			return nil, err
		}
		alg, enc, err := EncryptPBES2(password, plain, iterations)
		if err != nil {
			return nil, err
		}
		ed, err := asn1.Marshal(encryptedData{
			Version: 0,
			EncryptedContentInfo: encryptedContentInfo{
				ContentType:                oidData,
				ContentEncryptionAlgorithm: alg,
				EncryptedContent:           enc,
			},
		})
		if err != nil {
			return nil, err
		}
		contents = append(contents, contentInfo{ContentType: oidEncryptedData, Content: explicit0(ed)})
	}
	authSafe, err := asn1.Marshal(contents)
	if err != nil {
		return nil, err
	}

	salt := make([]byte, 20)
	if _, err := rand.Read(salt); err != nil {
		return nil, err
	}
	bmp, err := bmpPassword(password)
	if err != nil {
		return nil, err
	}
	macKey := pkcs12KDF(sha256.New, 64, salt, bmp, iterations, 3, 32)
	mac := hmac.New(sha256.New, macKey)
	mac.Write(authSafe)

	authSafeOctets, err := asn1.Marshal(authSafe)
	if err != nil {
		return nil, err
	}
	return asn1.Marshal(pfxPDU{
		Version:  3,
		AuthSafe: contentInfo{ContentType: oidData, Content: explicit0(authSafeOctets)},
		MacData: macData{
			Mac:        digestInfo{Algorithm: algID(oidSHA256), Digest: mac.Sum(nil)},
			MacSalt:    salt,
			Iterations: iterations,
		},
	})
}

func explicit0(inner []byte) asn1.RawValue {
	return asn1.RawValue{Class: asn1.ClassContextSpecific, Tag: 0, IsCompound: true, Bytes: inner}
}

func attribute(id asn1.ObjectIdentifier, value any) (pkcs12Attribute, error) {
	der, err := asn1.Marshal(value)
	if err != nil {
		return pkcs12Attribute{}, err
	}
	return pkcs12Attribute{ID: id, Value: asn1.RawValue{Tag: asn1.TagSet, IsCompound: true, Bytes: der}}, nil
}

func friendlyName(alias string) (pkcs12Attribute, error) {
	der, err := asn1.Marshal(asn1.RawValue{Tag: asn1.TagBMPString, Bytes: encodeBMPString(alias)})
	if err != nil {
		return pkcs12Attribute{}, err
	}
	return pkcs12Attribute{ID: oidFriendlyName, Value: asn1.RawValue{Tag: asn1.TagSet, IsCompound: true, Bytes: der}}, nil
}

func newCertBag(der []byte, attrs ...pkcs12Attribute) (safeBag, error) {
	cb, err := asn1.Marshal(certBag{ID: oidX509Certificate, Data: der})
	if err != nil {
		return safeBag{}, err
	}
	return safeBag{ID: oidCertBag, Value: explicit0(cb), Attributes: attrs}, nil
}
