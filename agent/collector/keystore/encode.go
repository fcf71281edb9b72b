package keystore

import (
	"crypto/rand"
	"encoding/binary"
	"fmt"
	"hash/crc32"
	"slices"
	"unicode/utf8"
)

// Encode writes a keystore in format version 3..7 as Elasticsearch would:
// random 64-byte salt and 12-byte IV, hasPassword = 1 when password is not
// empty, entries sorted by name (ES writes them in HashMap order, which
// readers must not rely on). In v3 a value that is valid UTF-8 is typed
// STRING, anything else FILE. For tests, the scenario harness and tooling.
func Encode(version int, password string, entries map[string][]byte) ([]byte, error) {
	if version < MinFormatVersion || version > MaxFormatVersion {
		return nil, fmt.Errorf("keystore: cannot encode format version %d (supported: %d..%d)", version, MinFormatVersion, MaxFormatVersion)
	}
	plain, err := marshalEntries(version, entries)
	if err != nil {
		return nil, err
	}
	defer clear(plain)
	salt, iv := make([]byte, 64), make([]byte, 12)
	_, _ = rand.Read(salt) // never fails since Go 1.24
	_, _ = rand.Read(iv)
	return seal(version, password, plain, salt, iv)
}

// marshalEntries writes the DataOutputStream plaintext.
func marshalEntries(version int, entries map[string][]byte) ([]byte, error) {
	names := make([]string, 0, len(entries))
	for n := range entries {
		names = append(names, n)
	}
	slices.SortFunc(names, compareUTF16)
	plain := binary.BigEndian.AppendUint32(nil, uint32(len(names)))
	var err error
	for _, n := range names {
		v := entries[n]
		if plain, err = appendModifiedUTF8(plain, n); err != nil {
			return nil, fmt.Errorf("keystore: entry name: %w", err)
		}
		if version == 3 {
			typ := "STRING"
			if !utf8.Valid(v) {
				typ = "FILE"
			}
			plain, _ = appendModifiedUTF8(plain, typ)
		}
		if int64(len(v)) > MaxFileSize {
			return nil, fmt.Errorf("keystore: a value of %d bytes is larger than the %d-byte file limit", len(v), MaxFileSize)
		}
		plain = binary.BigEndian.AppendUint32(plain, uint32(len(v)))
		plain = append(plain, v...)
	}
	return plain, nil
}

// seal encrypts a ready plaintext into a complete file. Tests call it with
// hand-made plaintexts, salts and IVs to build malformed keystores.
func seal(version int, password string, plain, salt, iv []byte) ([]byte, error) {
	key, err := deriveKey([]byte(password), salt, version)
	if err != nil {
		return nil, fmt.Errorf("keystore: key derivation: %w", err)
	}
	defer clear(key)
	aead, err := newGCM(key, len(iv))
	if err != nil {
		return nil, fmt.Errorf("keystore: %w", err)
	}
	ct := aead.Seal(nil, iv, plain, salt)

	out := binary.BigEndian.AppendUint32(nil, codecMagic)
	out = append(out, byte(len(codecName)))
	out = append(out, codecName...)
	out = binary.BigEndian.AppendUint32(out, uint32(version))
	hasPassword := byte(0)
	if password != "" {
		hasPassword = 1
	}
	out = append(out, hasPassword)
	order := envelopeOrder(version)
	out = order.AppendUint32(out, uint32(3*4+len(salt)+len(iv)+len(ct)))
	for _, arr := range [][]byte{salt, iv, ct} {
		out = order.AppendUint32(out, uint32(len(arr)))
		out = append(out, arr...)
	}
	return appendFooter(out), nil
}

// appendFooter appends the Lucene codec footer: magic, algorithm 0 and the
// CRC32 of everything before the checksum, as a big-endian long.
func appendFooter(b []byte) []byte {
	b = binary.BigEndian.AppendUint32(b, footerMagic)
	b = binary.BigEndian.AppendUint32(b, 0)
	return binary.BigEndian.AppendUint64(b, uint64(crc32.ChecksumIEEE(b)))
}
