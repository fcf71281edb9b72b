package pfx

import (
	"bytes"
	"crypto/aes"
	"crypto/cipher"
	"crypto/des"
	"crypto/pbkdf2"
	"crypto/rand"
	"crypto/sha1"
	"crypto/sha256"
	"crypto/sha512"
	"crypto/x509/pkix"
	"encoding/asn1"
	"fmt"
	"hash"
)

// Decrypt decrypts data encrypted with a password-based scheme: PBES2
// (PBKDF2 with HMAC-SHA1/224/256/384/512, then AES-128/192/256-CBC or
// DES-EDE3-CBC) or PKCS#12 pbeWithSHAAnd3-KeyTripleDES-CBC. The password is
// the text the user configured (UTF-8); PKCS#12 PBE schemes use its
// BMPString form. A wrong password yields ErrDecrypt (bad padding).
func Decrypt(alg pkix.AlgorithmIdentifier, password string, data []byte) ([]byte, error) {
	block, iv, err := cipherFor(alg, password)
	if err != nil {
		return nil, err
	}
	bs := block.BlockSize()
	if len(data) == 0 || len(data)%bs != 0 {
		return nil, malformed("ciphertext", fmt.Errorf("length %d is not a multiple of the block size %d", len(data), bs))
	}
	if len(iv) != bs {
		return nil, malformed("cipher parameters", fmt.Errorf("IV length %d, want %d", len(iv), bs))
	}
	out := make([]byte, len(data))
	cipher.NewCBCDecrypter(block, iv).CryptBlocks(out, data)
	return unpad(out, bs)
}

// AlgorithmName names the scheme of alg for messages ("PBES2/AES-256-CBC").
func AlgorithmName(alg pkix.AlgorithmIdentifier) string {
	switch {
	case alg.Algorithm.Equal(oidPBES2):
		var p pbes2Params
		if _, err := asn1.Unmarshal(alg.Parameters.FullBytes, &p); err != nil {
			return "PBES2"
		}
		return "PBES2/" + cipherName(p.EncryptionScheme.Algorithm)
	case alg.Algorithm.Equal(oidPBEWithSHA3KeyDES):
		return "pbeWithSHAAnd3-KeyTripleDES-CBC"
	case alg.Algorithm.Equal(oidPBEWithSHA40BitRC2):
		return "pbeWithSHAAnd40BitRC2-CBC"
	case alg.Algorithm.Equal(oidPBEWithSHA128BitRC2):
		return "pbeWithSHAAnd128BitRC2-CBC"
	case alg.Algorithm.Equal(oidPBEWithSHA40BitRC4), alg.Algorithm.Equal(oidPBEWithSHA128BitRC4):
		return "pbeWithSHAAndRC4"
	case alg.Algorithm.Equal(oidPBEWithSHA2KeyDES):
		return "pbeWithSHAAnd2-KeyTripleDES-CBC"
	}
	return alg.Algorithm.String()
}

func cipherName(oid asn1.ObjectIdentifier) string {
	switch {
	case oid.Equal(oidAES128CBC):
		return "AES-128-CBC"
	case oid.Equal(oidAES192CBC):
		return "AES-192-CBC"
	case oid.Equal(oidAES256CBC):
		return "AES-256-CBC"
	case oid.Equal(oidDESEDE3CBC):
		return "DES-EDE3-CBC"
	}
	return oid.String()
}

// CheckParams validates the iteration count of a password-based scheme
// without deriving anything, so a caller can refuse a hostile file before
// handing it to another library.
func CheckParams(alg pkix.AlgorithmIdentifier) error {
	switch {
	case alg.Algorithm.Equal(oidPBES2):
		var p pbes2Params
		if err := unmarshalAll(alg.Parameters.FullBytes, &p, "PBES2 parameters"); err != nil {
			return err
		}
		if p.KeyDerivationFunc.Algorithm.Equal(oidPBKDF2) {
			var kp pbkdf2Params
			if err := unmarshalAll(p.KeyDerivationFunc.Parameters.FullBytes, &kp, "PBKDF2 parameters"); err != nil {
				return err
			}
			return checkIterations(kp.Iterations, "PBKDF2")
		}
		return nil
	case isPKCS12PBE(alg.Algorithm):
		var p pbeParams
		if err := unmarshalAll(alg.Parameters.FullBytes, &p, "PBE parameters"); err != nil {
			return err
		}
		return checkIterations(p.Iterations, "PBE")
	}
	return nil
}

func isPKCS12PBE(oid asn1.ObjectIdentifier) bool {
	return len(oid) == 8 && oid[:7].Equal(asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 12, 1})
}

func cipherFor(alg pkix.AlgorithmIdentifier, password string) (cipher.Block, []byte, error) {
	switch {
	case alg.Algorithm.Equal(oidPBES2):
		return pbes2Cipher(alg.Parameters.FullBytes, password)
	case alg.Algorithm.Equal(oidPBEWithSHA3KeyDES):
		var p pbeParams
		if err := unmarshalAll(alg.Parameters.FullBytes, &p, "PBE parameters"); err != nil {
			return nil, nil, err
		}
		if err := checkIterations(p.Iterations, "PBE"); err != nil {
			return nil, nil, err
		}
		pw, err := bmpPassword(password)
		if err != nil {
			return nil, nil, fmt.Errorf("%w: %v", ErrDecrypt, err)
		}
		key := pkcs12KDF(sha1.New, 64, p.Salt, pw, p.Iterations, 1, 24)
		iv := pkcs12KDF(sha1.New, 64, p.Salt, pw, p.Iterations, 2, 8)
		block, err := des.NewTripleDESCipher(key)
		if err != nil {
			return nil, nil, err
		}
		return block, iv, nil
	}
	return nil, nil, unsupported(AlgorithmName(alg))
}

func pbes2Cipher(params []byte, password string) (cipher.Block, []byte, error) {
	var p pbes2Params
	if err := unmarshalAll(params, &p, "PBES2 parameters"); err != nil {
		return nil, nil, err
	}
	if p.KeyDerivationFunc.Algorithm.Equal(oidScrypt) {
		return nil, nil, unsupported("PBES2 with scrypt")
	}
	if !p.KeyDerivationFunc.Algorithm.Equal(oidPBKDF2) {
		return nil, nil, unsupported("PBES2 key derivation " + p.KeyDerivationFunc.Algorithm.String())
	}
	var kp pbkdf2Params
	if err := unmarshalAll(p.KeyDerivationFunc.Parameters.FullBytes, &kp, "PBKDF2 parameters"); err != nil {
		return nil, nil, err
	}
	if err := checkIterations(kp.Iterations, "PBKDF2"); err != nil {
		return nil, nil, err
	}
	if kp.Salt.Tag != asn1.TagOctetString || kp.Salt.Class != asn1.ClassUniversal {
		return nil, nil, unsupported("PBKDF2 salt that is not an OCTET STRING")
	}
	prf, err := prfFor(kp.PRF.Algorithm)
	if err != nil {
		return nil, nil, err
	}

	var keyLen int
	var newCipher func([]byte) (cipher.Block, error)
	switch scheme := p.EncryptionScheme.Algorithm; {
	case scheme.Equal(oidAES128CBC):
		keyLen, newCipher = 16, aes.NewCipher
	case scheme.Equal(oidAES192CBC):
		keyLen, newCipher = 24, aes.NewCipher
	case scheme.Equal(oidAES256CBC):
		keyLen, newCipher = 32, aes.NewCipher
	case scheme.Equal(oidDESEDE3CBC):
		keyLen, newCipher = 24, des.NewTripleDESCipher
	default:
		return nil, nil, unsupported("PBES2 cipher " + scheme.String())
	}
	if kp.KeyLength != 0 && kp.KeyLength != keyLen {
		return nil, nil, malformed("PBKDF2 parameters", fmt.Errorf("key length %d, cipher needs %d", kp.KeyLength, keyLen))
	}
	var iv []byte
	if _, err := asn1.Unmarshal(p.EncryptionScheme.Parameters.FullBytes, &iv); err != nil {
		return nil, nil, malformed("cipher IV", err)
	}
	key, err := pbkdf2.Key(prf, password, kp.Salt.Bytes, kp.Iterations, keyLen)
	if err != nil {
		return nil, nil, fmt.Errorf("%w: PBKDF2: %v", ErrDecrypt, err)
	}
	block, err := newCipher(key)
	if err != nil {
		return nil, nil, err
	}
	return block, iv, nil
}

func prfFor(oid asn1.ObjectIdentifier) (func() hash.Hash, error) {
	switch {
	case len(oid) == 0, oid.Equal(oidHMACWithSHA1):
		return sha1.New, nil
	case oid.Equal(oidHMACWithSHA224):
		return sha256.New224, nil
	case oid.Equal(oidHMACWithSHA256):
		return sha256.New, nil
	case oid.Equal(oidHMACWithSHA384):
		return sha512.New384, nil
	case oid.Equal(oidHMACWithSHA512):
		return sha512.New, nil
	}
	return nil, unsupported("PBKDF2 PRF " + oid.String())
}

func unpad(b []byte, bs int) ([]byte, error) {
	n := int(b[len(b)-1])
	if n == 0 || n > bs || n > len(b) {
		return nil, ErrDecrypt
	}
	if !bytes.Equal(b[len(b)-n:], bytes.Repeat([]byte{byte(n)}, n)) {
		return nil, ErrDecrypt
	}
	return b[:len(b)-n], nil
}

// EncryptPBES2 encrypts data with PBES2: PBKDF2-HMAC-SHA256 (iterations,
// random 16-byte salt) and AES-256-CBC, what Java 17's PKCS12KeyStore and
// `openssl pkcs8 -topk8 -v2 aes-256-cbc` write.
func EncryptPBES2(password string, data []byte, iterations int) (pkix.AlgorithmIdentifier, []byte, error) {
	salt := make([]byte, 16)
	iv := make([]byte, aes.BlockSize)
	if _, err := rand.Read(salt); err != nil {
		return pkix.AlgorithmIdentifier{}, nil, err
	}
	if _, err := rand.Read(iv); err != nil {
		return pkix.AlgorithmIdentifier{}, nil, err
	}
	kdfParams, err := asn1.Marshal(pbkdf2Params{
		Salt:       asn1.RawValue{Tag: asn1.TagOctetString, Bytes: salt},
		Iterations: iterations,
		PRF:        pkix.AlgorithmIdentifier{Algorithm: oidHMACWithSHA256, Parameters: asn1.NullRawValue},
	})
	if err != nil {
		return pkix.AlgorithmIdentifier{}, nil, err
	}
	ivDER, err := asn1.Marshal(iv)
	if err != nil {
		return pkix.AlgorithmIdentifier{}, nil, err
	}
	params, err := asn1.Marshal(pbes2Params{
		KeyDerivationFunc: pkix.AlgorithmIdentifier{Algorithm: oidPBKDF2, Parameters: asn1.RawValue{FullBytes: kdfParams}},
		EncryptionScheme:  pkix.AlgorithmIdentifier{Algorithm: oidAES256CBC, Parameters: asn1.RawValue{FullBytes: ivDER}},
	})
	if err != nil {
		return pkix.AlgorithmIdentifier{}, nil, err
	}
	key, err := pbkdf2.Key(sha256.New, password, salt, iterations, 32)
	if err != nil {
		return pkix.AlgorithmIdentifier{}, nil, err
	}
	block, err := aes.NewCipher(key)
	if err != nil {
		return pkix.AlgorithmIdentifier{}, nil, err
	}
	n := aes.BlockSize - len(data)%aes.BlockSize
	padded := append(append([]byte(nil), data...), bytes.Repeat([]byte{byte(n)}, n)...)
	out := make([]byte, len(padded))
	cipher.NewCBCEncrypter(block, iv).CryptBlocks(out, padded)
	alg := pkix.AlgorithmIdentifier{Algorithm: oidPBES2, Parameters: asn1.RawValue{FullBytes: params}}
	return alg, out, nil
}
