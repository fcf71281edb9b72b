package keystore

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/hmac"
	"crypto/pbkdf2"
	"crypto/rand"
	"crypto/sha256"
	"crypto/sha512"
	"encoding/binary"
	"sync"
	"sync/atomic"
)

// kdfIterationsOverride, when > 0, replaces the KDF iteration count. Only
// the fuzz test sets it, so that every input decrypts in microseconds.
var kdfIterationsOverride atomic.Int64

// kdfParams returns the PBKDF2 iteration count and the AES key length of a
// format version.
func kdfParams(version int) (iterations, keyLen int) {
	iterations, keyLen = 10000, 16
	if version >= 6 {
		iterations = 210000
	}
	if version >= 7 {
		keyLen = 32
	}
	if o := kdfIterationsOverride.Load(); o > 0 {
		iterations = int(o)
	}
	return iterations, keyLen
}

// KDFRounds is the key-derivation work of opening a keystore of a format
// version, in the units of kdfbudget: PBKDF2-HMAC-SHA512 rounds (one
// 64-byte block covers every key length ES uses). The iteration count is
// fixed by the version, not read from the file.
func KDFRounds(version int) int64 {
	iter, _ := kdfParams(version)
	return int64(iter)
}

// deriveKey is PBKDF2-HMAC-SHA512 over the UTF-8 password.
func deriveKey(password, salt []byte, version int) ([]byte, error) {
	iter, keyLen := kdfParams(version)
	return pbkdf2.Key(sha512.New, string(password), salt, iter, keyLen)
}

// keyCache remembers derived keys in this process: a v6/v7 derivation costs
// 0.1-0.2 s and the agent re-opens the same keystore on every inspection.
// The cache key is a process-keyed digest of everything the key depends on
// (iterations, key length, salt, password); ES draws a new salt on every
// save, so this is per file content and password.
var keyCache = struct {
	sync.Mutex
	m map[[32]byte][]byte
}{m: map[[32]byte][]byte{}}

const keyCacheMax = 64

// keyCacheID is the cache index of a derivation.
func keyCacheID(password, salt []byte, version int) [32]byte {
	iter, keyLen := kdfParams(version)
	var params [16]byte
	binary.BigEndian.PutUint64(params[:], uint64(iter))
	binary.BigEndian.PutUint64(params[8:], uint64(keyLen))
	return processDigest(params[:], salt, password)
}

func cachedKey(password, salt []byte, version int) ([]byte, error) {
	ck := keyCacheID(password, salt, version)
	keyCache.Lock()
	key, ok := keyCache.m[ck]
	keyCache.Unlock()
	if ok {
		return key, nil
	}
	key, err := deriveKey(password, salt, version)
	if err != nil {
		return nil, err
	}
	keyCache.Lock()
	if len(keyCache.m) >= keyCacheMax {
		// Drop, do not wipe: another goroutine may be using a key.
		clear(keyCache.m)
	}
	keyCache.m[ck] = key
	keyCache.Unlock()
	return key, nil
}

// newGCM builds AES-GCM for the key, accepting any IV length as Java does.
func newGCM(key []byte, ivLen int) (cipher.AEAD, error) {
	block, err := aes.NewCipher(key)
	if err != nil {
		return nil, err
	}
	if ivLen == 12 {
		return cipher.NewGCM(block)
	}
	return cipher.NewGCMWithNonceSize(block, ivLen)
}

// processKey keys processDigest; it never leaves the process.
var processKey = func() []byte {
	k := make([]byte, 32)
	_, _ = rand.Read(k) // never fails since Go 1.24
	return k
}()

// processDigest is a length-delimited HMAC-SHA256 of the parts under a
// random per-process key: a cache index that, unlike a plain hash, says
// nothing about a secret even to someone who reads a memory dump offline.
func processDigest(parts ...[]byte) [32]byte {
	m := hmac.New(sha256.New, processKey)
	var n [8]byte
	for _, p := range parts {
		binary.BigEndian.PutUint64(n[:], uint64(len(p)))
		m.Write(n[:])
		m.Write(p)
	}
	var out [32]byte
	m.Sum(out[:0])
	return out
}
