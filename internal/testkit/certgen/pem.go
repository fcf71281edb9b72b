package certgen

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/pem"
	"fmt"
	"os"

	"github.com/esdoctor/esdoctor/internal/pfx"
)

// PEMCerts encodes certificates as PEM CERTIFICATE blocks.
func PEMCerts(certs ...*x509.Certificate) []byte {
	var out []byte
	for _, c := range certs {
		out = append(out, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: c.Raw})...)
	}
	return out
}

// WritePEM writes certificates as PEM (mode 0644), like http_ca.crt.
func WritePEM(path string, certs ...*x509.Certificate) error {
	return writeFile(path, PEMCerts(certs...), 0o644)
}

// WriteKeyPEM writes an unencrypted PKCS#8 "PRIVATE KEY" (mode 0600), what
// elasticsearch-certutil --pem writes.
func WriteKeyPEM(path string, key crypto.Signer) error {
	der, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		return fmt.Errorf("certgen: %s: %w", path, err)
	}
	return writeFile(path, pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der}), 0o600)
}

// WriteTraditionalKeyPEM writes the OpenSSL traditional form: "RSA
// PRIVATE KEY" (PKCS#1) or "EC PRIVATE KEY" (SEC 1).
func WriteTraditionalKeyPEM(path string, key crypto.Signer) error {
	block, err := traditionalBlock(key)
	if err != nil {
		return fmt.Errorf("certgen: %s: %w", path, err)
	}
	return writeFile(path, pem.EncodeToMemory(block), 0o600)
}

func traditionalBlock(key crypto.Signer) (*pem.Block, error) {
	switch k := key.(type) {
	case *rsa.PrivateKey:
		return &pem.Block{Type: "RSA PRIVATE KEY", Bytes: x509.MarshalPKCS1PrivateKey(k)}, nil
	case *ecdsa.PrivateKey:
		der, err := x509.MarshalECPrivateKey(k)
		if err != nil {
			return nil, err
		}
		return &pem.Block{Type: "EC PRIVATE KEY", Bytes: der}, nil
	}
	return nil, fmt.Errorf("unsupported key type %T", key)
}

// EncryptedKeyPEM encodes key as an "ENCRYPTED PRIVATE KEY" (PKCS#8,
// PBES2 with PBKDF2-HMAC-SHA256 and AES-256-CBC), what `openssl pkcs8
// -topk8 -v2 aes-256-cbc` writes.
func EncryptedKeyPEM(key crypto.Signer, passphrase string) ([]byte, error) {
	der, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		return nil, err
	}
	enc, err := pfx.EncryptPKCS8(der, passphrase, 2048)
	if err != nil {
		return nil, err
	}
	return pem.EncodeToMemory(&pem.Block{Type: "ENCRYPTED PRIVATE KEY", Bytes: enc}), nil
}

// WriteEncryptedKeyPEM writes EncryptedKeyPEM (mode 0600).
func WriteEncryptedKeyPEM(path string, key crypto.Signer, passphrase string) error {
	b, err := EncryptedKeyPEM(key, passphrase)
	if err != nil {
		return fmt.Errorf("certgen: %s: %w", path, err)
	}
	return writeFile(path, b, 0o600)
}

// WriteLegacyEncryptedKeyPEM writes the traditional key with OpenSSL's
// legacy "Proc-Type: 4,ENCRYPTED" / "DEK-Info: AES-256-CBC" encryption,
// what elasticsearch-certutil --pem --pass and OpenSSL 1.x write.
func WriteLegacyEncryptedKeyPEM(path string, key crypto.Signer, passphrase string) error {
	block, err := traditionalBlock(key)
	if err != nil {
		return fmt.Errorf("certgen: %s: %w", path, err)
	}
	// Deprecated in Go (the format is weak), which is why it is tested.
	enc, err := x509.EncryptPEMBlock(rand.Reader, block.Type, block.Bytes, []byte(passphrase), x509.PEMCipherAES256)
	if err != nil {
		return fmt.Errorf("certgen: %s: %w", path, err)
	}
	return writeFile(path, pem.EncodeToMemory(enc), 0o600)
}

func writeFile(path string, data []byte, mode os.FileMode) error {
	if err := os.WriteFile(path, data, mode); err != nil {
		return fmt.Errorf("certgen: %w", err)
	}
	return nil
}
