package keystore

import (
	"encoding/base64"
	"testing"

	"github.com/esdoctor/esdoctor/shared/secret"
)

func TestAPIKeyID(t *testing.T) {
	const id = "VuaCfGcBCdbkQm-e5aOx" // ES's documentation example id
	enc := base64.StdEncoding.EncodeToString
	for _, tc := range []struct {
		name  string
		value string
		want  string
	}{
		{"encoded form", enc([]byte(id + ":ui2lp2axTNmsyakw9tvNnw")), id},
		{"trailing newline", enc([]byte(id+":ui2lp2axTNmsyakw9tvNnw")) + "\n", id},
		{"unpadded", base64.RawStdEncoding.EncodeToString([]byte(id + ":ui2lp2axTNmsyakw9tvNnw1")), id},
		{"colon in secret", enc([]byte(id + ":a:b")), id},
		{"raw id:secret, not encoded", id + ":ui2lp2axTNmsyakw9tvNnw", ""},
		{"not base64", "CANARY-SECRET-remote-apikey", ""},
		{"no colon", enc([]byte(id + "ui2lp2axTNmsyakw9tvNnw")), ""},
		{"empty secret", enc([]byte(id + ":")), ""},
		{"short id (hand-made keys in test setups)", enc([]byte("abc:def")), "abc"},
		{"id with a dot", enc([]byte("VuaCfGcBCdbkQm.e5aOx:secret")), ""},
		{"long id", enc([]byte(id + id + id + id + "x:secret")), ""},
		{"empty", "", ""},
	} {
		got, ok := APIKeyID(secret.FromString(tc.value))
		if got != tc.want || ok != (tc.want != "") {
			t.Errorf("%s: APIKeyID = %q, %v; want %q", tc.name, got, ok, tc.want)
		}
	}
}

// FuzzAPIKeyID: no panic, and an id is returned only in the documented shape.
func FuzzAPIKeyID(f *testing.F) {
	f.Add([]byte(base64.StdEncoding.EncodeToString([]byte("VuaCfGcBCdbkQm-e5aOx:ui2lp2axTNmsyakw9tvNnw"))))
	f.Add([]byte("VnVhQ2ZHY0JDZGJrUW0tZTVhT3g6dWkybHAyYXhUTm1zeWFrdzl0dk5udw"))
	f.Add([]byte("CANARY-SECRET-remote-apikey"))
	f.Fuzz(func(t *testing.T, v []byte) {
		id, ok := APIKeyID(secret.New(v))
		if ok != (id != "") || (ok && (len(id) > maxAPIKeyIDLen || !isAPIKeyID([]byte(id)))) {
			t.Fatalf("APIKeyID = %q, %v", id, ok)
		}
	})
}
