package pfx

import (
	"bytes"
	"crypto/aes"
	"crypto/cipher"
	"crypto/des"
	"crypto/md5"
	"crypto/pbkdf2"
	"crypto/rand"
	"crypto/rc4"
	"crypto/sha1"
	"crypto/sha256"
	"crypto/sha512"
	"crypto/x509/pkix"
	"encoding/asn1"
	"errors"
	"fmt"
	"hash"

	"github.com/esdoctor/esdoctor/internal/kdfbudget"
)

// Decrypt decrypts data encrypted with a password-based scheme, under a
// fresh per-file work budget (see DecryptBudget).
func Decrypt(alg pkix.AlgorithmIdentifier, password string, data []byte) ([]byte, error) {
	return DecryptBudget(alg, password, data, kdfbudget.ForFile(nil))
}

// DecryptBudget decrypts data encrypted with a password-based scheme:
// PBES2 (PBKDF2 with HMAC-SHA1/224/256/384/512, then AES-128/192/256-CBC,
// DES-EDE3-CBC or DES-CBC), the PKCS#12 PBE schemes (SHA-1 with 3-key and
// 2-key triple DES, 128- and 40-bit RC2, 128- and 40-bit RC4) and the
// PKCS#5 v1.5 PBES1 schemes (MD5 or SHA-1 with DES or RC2). The password
// is the text the user configured (UTF-8); PKCS#12 PBE schemes use its
// BMPString form. A wrong password yields ErrDecrypt (bad padding). Every
// key derivation is charged to b first; a refusal is ErrLimit.
func DecryptBudget(alg pkix.AlgorithmIdentifier, password string, data []byte, b *kdfbudget.Budget) ([]byte, error) {
	sc, err := cipherFor(alg, password, b)
	if err != nil {
		return nil, err
	}
	if len(data) == 0 {
		return nil, malformed("ciphertext", errors.New("empty"))
	}
	if sc.stream != nil {
		// RC4 has no padding: only the plaintext's structure can tell a
		// wrong password, which the caller checks.
		out := make([]byte, len(data))
		sc.stream.XORKeyStream(out, data)
		return out, nil
	}
	block, iv := sc.block, sc.iv
	bs := block.BlockSize()
	if len(data)%bs != 0 {
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
	if s, ok := pbes1Schemes[alg.Algorithm.String()]; ok {
		return s.name
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
	case oid.Equal(oidDESCBC):
		return "DES-CBC"
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
	case isPKCS12PBE(alg.Algorithm), isPBES1(alg.Algorithm):
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

// scheme is a derived cipher: a block cipher with its IV, or a stream.
type scheme struct {
	block  cipher.Block
	iv     []byte
	stream cipher.Stream
}

// pkcs12PBE describes a PKCS#12 PBE scheme (RFC 7292 appendix C).
type pkcs12PBE struct {
	keyLen, ivLen int
	newCipher     func(key []byte) (cipher.Block, error)
	rc4           bool
}

var pkcs12Schemes = map[string]pkcs12PBE{
	oidPBEWithSHA3KeyDES.String():   {24, 8, des.NewTripleDESCipher, false},
	oidPBEWithSHA2KeyDES.String():   {16, 8, func(k []byte) (cipher.Block, error) { return des.NewTripleDESCipher(append(k[:16:16], k[:8]...)) }, false},
	oidPBEWithSHA128BitRC2.String(): {16, 8, func(k []byte) (cipher.Block, error) { return newRC2(k, 128) }, false},
	oidPBEWithSHA40BitRC2.String():  {5, 8, func(k []byte) (cipher.Block, error) { return newRC2(k, 40) }, false},
	oidPBEWithSHA128BitRC4.String(): {16, 0, nil, true},
	oidPBEWithSHA40BitRC4.String():  {5, 0, nil, true},
}

// pbes1 describes a PKCS#5 v1.5 scheme (RFC 8018 section 6.1): PBKDF1
// gives 16 bytes, the DES or RC2 key (effective 64 bits) then the IV.
type pbes1 struct {
	name      string
	newHash   func() hash.Hash
	newCipher func(key []byte) (cipher.Block, error)
}

var pbes1Schemes = map[string]pbes1{
	oidPBEWithMD5AndDES.String():  {"pbeWithMD5AndDES-CBC", md5.New, des.NewCipher},
	oidPBEWithSHA1AndDES.String(): {"pbeWithSHA1AndDES-CBC", sha1.New, des.NewCipher},
	oidPBEWithMD5AndRC2.String():  {"pbeWithMD5AndRC2-CBC", md5.New, func(k []byte) (cipher.Block, error) { return newRC2(k, 64) }},
	oidPBEWithSHA1AndRC2.String(): {"pbeWithSHA1AndRC2-CBC", sha1.New, func(k []byte) (cipher.Block, error) { return newRC2(k, 64) }},
	oidPBEWithMD2AndDES.String():  {"pbeWithMD2AndDES-CBC", nil, nil},
	oidPBEWithMD2AndRC2.String():  {"pbeWithMD2AndRC2-CBC", nil, nil},
}

func isPBES1(oid asn1.ObjectIdentifier) bool {
	_, ok := pbes1Schemes[oid.String()]
	return ok
}

// rounds is the work of deriving size bytes with a hash of outLen bytes
// per block: iterations per output block.
func rounds(iterations, size, outLen int) int64 {
	return int64(iterations) * int64((size+outLen-1)/outLen)
}

func charge(b *kdfbudget.Budget, n int64, alg pkix.AlgorithmIdentifier, iterations int) error {
	if err := b.Charge(n, fmt.Sprintf("%s (%d iterations)", AlgorithmName(alg), iterations)); err != nil {
		return fmt.Errorf("%w: %w", ErrLimit, err)
	}
	return nil
}

func cipherFor(alg pkix.AlgorithmIdentifier, password string, b *kdfbudget.Budget) (scheme, error) {
	if alg.Algorithm.Equal(oidPBES2) {
		block, iv, err := pbes2Cipher(alg, password, b)
		return scheme{block: block, iv: iv}, err
	}
	if ps, ok := pkcs12Schemes[alg.Algorithm.String()]; ok {
		var p pbeParams
		if err := unmarshalAll(alg.Parameters.FullBytes, &p, "PBE parameters"); err != nil {
			return scheme{}, err
		}
		if err := checkIterations(p.Iterations, "PBE"); err != nil {
			return scheme{}, err
		}
		pw, err := bmpPassword(password)
		if err != nil {
			return scheme{}, fmt.Errorf("%w: %v", ErrDecrypt, err)
		}
		if err := charge(b, rounds(p.Iterations, ps.keyLen, sha1.Size)+rounds(p.Iterations, ps.ivLen, sha1.Size), alg, p.Iterations); err != nil {
			return scheme{}, err
		}
		key := pkcs12KDF(sha1.New, 64, p.Salt, pw, p.Iterations, 1, ps.keyLen)
		if ps.rc4 {
			s, err := rc4.NewCipher(key)
			return scheme{stream: s}, err
		}
		iv := pkcs12KDF(sha1.New, 64, p.Salt, pw, p.Iterations, 2, ps.ivLen)
		block, err := ps.newCipher(key)
		return scheme{block: block, iv: iv}, err
	}
	if s, ok := pbes1Schemes[alg.Algorithm.String()]; ok {
		if s.newHash == nil {
			return scheme{}, unsupported(s.name + " (MD2)")
		}
		var p pbeParams
		if err := unmarshalAll(alg.Parameters.FullBytes, &p, "PBES1 parameters"); err != nil {
			return scheme{}, err
		}
		if err := checkIterations(p.Iterations, "PBES1"); err != nil {
			return scheme{}, err
		}
		if len(p.Salt) != 8 {
			return scheme{}, malformed("PBES1 parameters", fmt.Errorf("salt of %d bytes, want 8", len(p.Salt)))
		}
		if err := charge(b, int64(p.Iterations), alg, p.Iterations); err != nil {
			return scheme{}, err
		}
		dk := pbkdf1(s.newHash, []byte(password), p.Salt, p.Iterations)
		block, err := s.newCipher(dk[:8])
		return scheme{block: block, iv: dk[8:16]}, err
	}
	return scheme{}, unsupported(AlgorithmName(alg))
}

// pbkdf1 is PBKDF1 (RFC 8018 section 5.1): T_1 = H(P || S), T_i =
// H(T_{i-1}); MD5 and SHA-1 both give the 16 bytes PBES1 needs.
func pbkdf1(newHash func() hash.Hash, password, salt []byte, iterations int) []byte {
	h := newHash()
	h.Write(password)
	h.Write(salt)
	t := h.Sum(nil)
	for i := 1; i < iterations; i++ {
		h.Reset()
		h.Write(t)
		t = h.Sum(t[:0])
	}
	return t
}

func pbes2Cipher(alg pkix.AlgorithmIdentifier, password string, b *kdfbudget.Budget) (cipher.Block, []byte, error) {
	var p pbes2Params
	if err := unmarshalAll(alg.Parameters.FullBytes, &p, "PBES2 parameters"); err != nil {
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
	case scheme.Equal(oidDESCBC):
		keyLen, newCipher = 8, des.NewCipher
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
	if err := charge(b, rounds(kp.Iterations, keyLen, prf().Size()), alg, kp.Iterations); err != nil {
		return nil, nil, err
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
	if len(b) == 0 {
		return nil, ErrDecrypt
	}
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
