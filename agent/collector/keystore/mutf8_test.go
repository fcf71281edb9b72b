package keystore

import (
	"math/rand/v2"
	"slices"
	"testing"
	"unicode/utf16"
)

func TestModifiedUTF8(t *testing.T) {
	for _, tc := range []struct {
		enc  string
		want string
	}{
		{"keystore.seed", "keystore.seed"},
		{"a\xc0\x80b", "a\x00b"},          // NUL as C0 80
		{"\xc3\xa4", "ä"},                 // 2-byte form
		{"\xe2\x82\xac", "€"},             // 3-byte form
		{"\xed\xa0\xbd\xed\xb8\x80", "😀"}, // surrogate pair
		{"\xed\xa0\xbd", "\ufffd"},        // lone surrogate
		{"a\x00b", "a\x00b"},              // raw NUL, accepted as Java does
		{"\xc0\x81", "\x01"},              // overlong, accepted as Java does
	} {
		got, err := decodeModifiedUTF8([]byte(tc.enc))
		if err != nil || got != tc.want {
			t.Errorf("decode(%q) = %q, %v; want %q", tc.enc, got, err, tc.want)
		}
	}
	for _, bad := range []string{"\xf0\x9f\x98\x80", "\x80", "\xc3", "\xe2\x82", "\xc3\x41", "\xe2\x41\x82", "\xff"} {
		if got, err := decodeModifiedUTF8([]byte(bad)); err == nil {
			t.Errorf("decode(%q) = %q, want an error", bad, got)
		}
	}
	for _, s := range []string{"", "keystore.seed", "a\x00b", "ä€😀", "\u07ff\u0800\uffff\U00010000"} {
		b, err := appendModifiedUTF8(nil, s)
		if err != nil {
			t.Fatal(err)
		}
		if n := int(b[0])<<8 | int(b[1]); n != len(b)-2 {
			t.Errorf("%q: length prefix %d for %d bytes", s, n, len(b)-2)
		}
		got, err := decodeModifiedUTF8(b[2:])
		if err != nil || got != s {
			t.Errorf("round trip %q = %q, %v", s, got, err)
		}
	}
	if b, _ := appendModifiedUTF8(nil, "\x00"); string(b) != "\x00\x02\xc0\x80" {
		t.Errorf("NUL encodes as %x", b)
	}
}

// TestCompareUTF16 checks Java String order against a direct comparison of
// UTF-16 code units, including the case where it differs from byte order.
func TestCompareUTF16(t *testing.T) {
	ref := func(a, b string) int {
		return slices.Compare(utf16.Encode([]rune(a)), utf16.Encode([]rune(b)))
	}
	if compareUTF16("a😀", "a\uff01") >= 0 || "a😀" < "a\uff01" {
		t.Error("U+1F600 must sort before U+FF01 in UTF-16 order, and after in byte order")
	}
	alphabet := []rune{'a', 'b', '.', '_', 0, 0x7f, 0xe4, 0x7ff, 0x800, 0xd7ff, 0xe000, 0xff01, 0xffff, 0x10000, 0x1f600, 0x1f601, 0x10ffff}
	r := rand.New(rand.NewPCG(1, 2))
	gen := func() string {
		s := make([]rune, r.IntN(4))
		for i := range s {
			s[i] = alphabet[r.IntN(len(alphabet))]
		}
		return string(s)
	}
	for range 20000 {
		a, b := gen(), gen()
		if got, want := compareUTF16(a, b), ref(a, b); got != want {
			t.Fatalf("compareUTF16(%q, %q) = %d, want %d", a, b, got, want)
		}
	}
}
