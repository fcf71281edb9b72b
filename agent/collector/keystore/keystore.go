package keystore

import (
	"errors"
	"fmt"
	"slices"

	"github.com/esdoctor/esdoctor/shared/safefile"
	"github.com/esdoctor/esdoctor/shared/secret"
)

// Keystore is a decrypted elasticsearch.keystore. It prints, formats and
// marshals without its values; they are reachable only through Get.
type Keystore struct {
	Path        string
	Version     int  // format version 3..7
	HasPassword bool // the file is password-protected
	// entries sits behind a pointer so that fmt and encoding/json, which
	// cannot call methods on unexported fields, never reach a value.
	entries *entryTable
}

type entryTable struct {
	values map[string]secret.Bytes
	names  []string // in `elasticsearch-keystore list` order
}

// Load reads and decrypts the keystore at path. password is ignored when
// the file is not password-protected (ES then always uses the empty one).
// I/O errors are wrapped with the path; format errors are *Error.
func Load(path string, password secret.Bytes) (*Keystore, error) {
	data, err := ReadFile(path)
	if err != nil {
		return nil, err
	}
	return Parse(data, path, password)
}

// ReadFile reads a keystore file, refusing anything that is not a regular
// file or is larger than MaxFileSize, so callers can ReadHeader and Parse
// the same bytes.
func ReadFile(path string) ([]byte, error) {
	data, err := safefile.ReadFile(path, MaxFileSize)
	if errors.Is(err, safefile.ErrTooLarge) {
		return nil, newError(path, KindTooLarge, "%s", err)
	}
	if err != nil {
		return nil, fmt.Errorf("keystore %s: %w", path, err)
	}
	return data, nil
}

// Parse decrypts a keystore held in memory; name is used in errors. The
// checks run in Elasticsearch's order: empty, foreign, version, footer,
// checksum, hasPassword byte, data block, GCM tag (wrong password), entries.
func Parse(data []byte, name string, password secret.Bytes) (*Keystore, error) {
	h, err := readHeader(data, name)
	if err != nil {
		return nil, err
	}
	if err := checkFooter(data, name); err != nil {
		return nil, err
	}
	hasPassword, err := h.passwordFlag(name)
	if err != nil {
		return nil, err
	}
	env, err := readEnvelope(data, h.version, name)
	if err != nil {
		return nil, err
	}
	pw := password.Reveal()
	if !hasPassword {
		pw = nil
	}
	plain, err := decrypt(env, h.version, pw, name)
	if err != nil {
		if hasPassword && len(pw) == 0 {
			return nil, newError(name, KindPasswordRequired, "the keystore is password-protected and no password was given")
		}
		return nil, err
	}
	defer clear(plain)
	values, err := decodeEntries(plain, h.version)
	if err != nil {
		return nil, &Error{Path: name, Kind: KindCorrupted, Detail: "decrypted content does not parse: " + err.Error()}
	}
	return newKeystore(name, h.version, hasPassword, values), nil
}

// decrypt derives the key (cached) and opens the AES-GCM ciphertext.
func decrypt(env envelope, version int, password []byte, name string) ([]byte, error) {
	key, err := cachedKey(password, env.salt, version)
	if err != nil {
		return nil, newError(name, KindCorrupted, "key derivation failed: %v", err)
	}
	aead, err := newGCM(key, len(env.iv))
	if err != nil {
		return nil, newError(name, KindCorrupted, "cipher setup failed: %v", err)
	}
	plain, err := aead.Open(nil, env.iv, env.ciphertext, env.salt)
	if err != nil {
		return nil, newError(name, KindWrongPassword,
			"the AES-GCM tag does not verify: the password is wrong, or the file was altered and its checksum recomputed")
	}
	return plain, nil
}

func newKeystore(path string, version int, hasPassword bool, values map[string]secret.Bytes) *Keystore {
	names := make([]string, 0, len(values))
	for n := range values {
		names = append(names, n)
	}
	slices.SortFunc(names, compareUTF16)
	return &Keystore{Path: path, Version: version, HasPassword: hasPassword,
		entries: &entryTable{values: values, names: names}}
}

// Names returns the entry names as `elasticsearch-keystore list` prints
// them: sorted by UTF-16 code units (Java String order).
func (k *Keystore) Names() []string {
	if k == nil || k.entries == nil {
		return nil
	}
	return slices.Clone(k.entries.names)
}

// Len is the number of entries.
func (k *Keystore) Len() int {
	if k == nil || k.entries == nil {
		return 0
	}
	return len(k.entries.names)
}

// Get returns the value of an entry.
func (k *Keystore) Get(name string) (secret.Bytes, bool) {
	if k == nil || k.entries == nil {
		return secret.Bytes{}, false
	}
	v, ok := k.entries.values[name]
	return v, ok
}

// Wipe zeroes every value; the Keystore keeps its names.
func (k *Keystore) Wipe() {
	if k == nil || k.entries == nil {
		return
	}
	wipeAll(k.entries.values)
}

// String summarises the keystore without values.
func (k *Keystore) String() string {
	if k == nil {
		return "keystore <nil>"
	}
	pw := "no password"
	if k.HasPassword {
		pw = "password-protected"
	}
	return fmt.Sprintf("keystore %s (format v%d, %s, %d entries)", k.Path, k.Version, pw, k.Len())
}

// GoString is String, so %#v shows no values either.
func (k *Keystore) GoString() string { return k.String() }
