package collect

import (
	"crypto/sha256"
	"encoding/json"
)

func hashJSON(v any) []byte {
	b, _ := json.Marshal(v)
	h := sha256.Sum256(b)
	return h[:16]
}
