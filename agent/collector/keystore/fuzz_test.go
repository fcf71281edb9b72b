package keystore

import (
	"errors"
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/esdoctor/esdoctor/shared/secret"
)

// FuzzParse feeds arbitrary bytes to Parse and ReadHeader with an empty
// password: no panic, no huge allocation, and either a *Error or a
// consistent Keystore. The KDF runs with one iteration here (and only
// here), so every input, including the v6/v7 seeds, decrypts in
// microseconds; the seeds Encoded below therefore open and reach the
// plaintext parser.
func FuzzParse(f *testing.F) {
	kdfIterationsOverride.Store(1)
	f.Cleanup(func() { kdfIterationsOverride.Store(0) })

	files, _ := filepath.Glob(filepath.Join("testdata", "*.keystore"))
	for _, p := range files {
		b, err := os.ReadFile(p)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	for v := MinFormatVersion; v <= MaxFormatVersion; v++ {
		f.Add(mustEncode(f, v, "", testEntries()))
		f.Add(mustEncode(f, v, "", nil))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		v, hp, herr := ReadHeader(data, "fuzz.keystore")
		ks, err := Parse(data, "fuzz.keystore", secret.Bytes{})
		if err != nil {
			var e *Error
			if !errors.As(err, &e) || e.Path != "fuzz.keystore" || e.Kind == "" {
				t.Fatalf("error %v is not a proper *Error", err)
			}
			return
		}
		if herr != nil || v != ks.Version || hp != ks.HasPassword {
			t.Fatalf("ReadHeader = %d, %v, %v; Parse gave v%d", v, hp, herr, ks.Version)
		}
		names := ks.Names()
		if !slices.IsSortedFunc(names, compareUTF16) || len(names) != ks.Len() {
			t.Fatalf("names not sorted or miscounted: %d", len(names))
		}
		for _, n := range names {
			if _, ok := ks.Get(n); !ok {
				t.Fatalf("listed name missing")
			}
		}
	})
}

// FuzzDecodeEntries drives the plaintext parser directly (what only a valid
// GCM tag lets through in FuzzParse), for v3 and v4+ record shapes.
func FuzzDecodeEntries(f *testing.F) {
	for _, v := range []int{3, 5} {
		p, err := marshalEntries(v, testEntries())
		if err != nil {
			f.Fatal(err)
		}
		f.Add(p, v == 3)
	}
	f.Add([]byte(plaintext{}.i32(1).u16(2).raw("\xc0\x80").i32(0)), false)
	f.Fuzz(func(t *testing.T, plain []byte, v3 bool) {
		version := 5
		if v3 {
			version = 3
		}
		m, err := decodeEntries(plain, version)
		if err != nil {
			if m != nil {
				t.Fatal("entries returned with an error")
			}
			return
		}
		// A decoded set re-encodes to something that decodes the same.
		raw := map[string][]byte{}
		for n, v := range m {
			raw[n] = v.Reveal()
		}
		again, err := marshalEntries(version, raw)
		if err != nil {
			return // a name whose lone surrogate became U+FFFD may grow past 65535 bytes
		}
		m2, err := decodeEntries(again, version)
		if err != nil || len(m2) != len(m) {
			t.Fatalf("re-encoded entries do not decode: %v", err)
		}
	})
}
