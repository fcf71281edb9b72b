package pfx

import (
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"fmt"

	"github.com/esdoctor/esdoctor/internal/kdfbudget"
)

// ParseEncryptedPKCS8 decodes an EncryptedPrivateKeyInfo and validates its
// iteration count.
func ParseEncryptedPKCS8(der []byte) (EncryptedPrivateKeyInfo, error) {
	var info EncryptedPrivateKeyInfo
	if err := unmarshalAll(der, &info, "EncryptedPrivateKeyInfo"); err != nil {
		return info, err
	}
	return info, CheckParams(info.Algorithm)
}

// DecryptPKCS8 opens an EncryptedPrivateKeyInfo (a PEM "ENCRYPTED PRIVATE
// KEY" or a shrouded key bag) and returns the PKCS#8 PrivateKeyInfo DER after
// checking that it parses as a private key, so a wrong password that happens
// to leave valid padding is still caught.
func DecryptPKCS8(der []byte, password string) ([]byte, error) {
	return DecryptPKCS8Budget(der, password, kdfbudget.ForFile(nil))
}

// DecryptPKCS8Budget is DecryptPKCS8 charging its key derivation to b.
func DecryptPKCS8Budget(der []byte, password string, b *kdfbudget.Budget) ([]byte, error) {
	info, err := ParseEncryptedPKCS8(der)
	if err != nil {
		return nil, err
	}
	plain, err := DecryptBudget(info.Algorithm, password, info.EncryptedData, b)
	if err != nil {
		return nil, err
	}
	if _, err := x509.ParsePKCS8PrivateKey(plain); err != nil {
		// RC4 has no padding and CBC padding is right by chance once in
		// 256 tries: only a whole PrivateKeyInfo says the password was
		// right.
		var pki privateKeyInfo
		if aerr := unmarshalAll(plain, &pki, "PrivateKeyInfo"); aerr != nil || pki.Version > 1 || len(pki.Algorithm.Algorithm) == 0 {
			return nil, ErrDecrypt
		}
		// The plaintext is DER but not a key Go knows (DSA, EdDSA
		// variants): the password was right.
		return plain, fmt.Errorf("%w: private key type: %v", ErrUnsupported, err)
	}
	return plain, nil
}

// privateKeyInfo is PKCS#8's OneAsymmetricKey (RFC 5958) up to the key.
type privateKeyInfo struct {
	Version    int
	Algorithm  pkix.AlgorithmIdentifier
	PrivateKey []byte
	Rest       asn1.RawValue `asn1:"optional"`
	PublicKey  asn1.RawValue `asn1:"optional"`
}

// EncryptPKCS8 wraps a PKCS#8 PrivateKeyInfo into an EncryptedPrivateKeyInfo
// with PBES2 (PBKDF2-HMAC-SHA256, AES-256-CBC).
func EncryptPKCS8(pkcs8 []byte, password string, iterations int) ([]byte, error) {
	alg, enc, err := EncryptPBES2(password, pkcs8, iterations)
	if err != nil {
		return nil, err
	}
	return asn1.Marshal(EncryptedPrivateKeyInfo{Algorithm: alg, EncryptedData: enc})
}
