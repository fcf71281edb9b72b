package keystore

import (
	"bytes"
	"encoding/base64"

	"github.com/esdoctor/esdoctor/shared/secret"
)

// maxAPIKeyIDLen bounds an id. Elasticsearch generates 20-character ids (15
// random bytes in unpadded URL-safe base64), but keys imported or made by
// hand in test setups may be shorter, and the id is only ever a name.
const maxAPIKeyIDLen = 64

// APIKeyID returns the API key id inside a cluster.remote.<alias>.credentials
// value. ES stores the "encoded" form returned by the create cross-cluster
// API key API: base64("id:secret"). Elasticsearch logs the id, so it is not a
// secret; the secret part is never returned. ok is false unless the value
// decodes and the id looks like an ES API key id (1 to 64 characters of
// [A-Za-z0-9_-]; ES makes 20) followed by a non-empty secret.
func APIKeyID(v secret.Bytes) (id string, ok bool) {
	raw := bytes.TrimSpace(v.Reveal())
	if len(raw) == 0 || len(raw) > 4096 {
		return "", false
	}
	dec := make([]byte, base64.RawStdEncoding.DecodedLen(len(raw))) // the larger of the two
	defer clear(dec)
	n, err := base64.StdEncoding.Decode(dec, raw)
	if err != nil {
		if n, err = base64.RawStdEncoding.Decode(dec, raw); err != nil {
			return "", false
		}
	}
	plain := dec[:n]
	i := bytes.IndexByte(plain, ':')
	if i < 1 || i > maxAPIKeyIDLen || i == len(plain)-1 || !isAPIKeyID(plain[:i]) {
		return "", false
	}
	return string(plain[:i]), true
}

func isAPIKeyID(b []byte) bool {
	for _, c := range b {
		switch {
		case c >= 'A' && c <= 'Z', c >= 'a' && c <= 'z', c >= '0' && c <= '9', c == '_', c == '-':
		default:
			return false
		}
	}
	return true
}
