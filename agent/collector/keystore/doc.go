// Package keystore reads Elasticsearch's elasticsearch.keystore natively (no
// JVM): format versions 3 to 7, written by Elasticsearch 6.3 to 9.x.
//
// The byte layout, the key derivation and the order in which failures are
// detected follow shared/reference/keystore.md: the Lucene codec header, the
// footer CRC32 (checked before anything is decrypted), the hasPassword byte,
// the data block (salt, IV, ciphertext), then PBKDF2-HMAC-SHA512 and AES-GCM,
// and finally the big-endian DataOutputStream plaintext.
//
// Values never leave this package except as secret.Bytes. What may leave a
// node is derived here: entry names, the API key id inside a
// cluster.remote.<alias>.credentials value (APIKeyID) and keyed one-way
// fingerprints (Fingerprinter). Errors never carry decrypted bytes.
package keystore
