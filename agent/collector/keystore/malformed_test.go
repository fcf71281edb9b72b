package keystore

import (
	"encoding/binary"
	"errors"
	"strings"
	"testing"

	"github.com/esdoctor/esdoctor/shared/secret"
)

// TestMalformed feeds broken keystores to Parse: each must fail with an
// error that names the file, the kind and the cause.
func TestMalformed(t *testing.T) {
	good := mustEncode(t, 5, "", testEntries())
	goodPW := mustEncode(t, 5, "right", testEntries())
	salt, iv := make([]byte, 64), make([]byte, 12)
	ct := make([]byte, 40)

	for _, tc := range []struct {
		name     string
		data     []byte
		password string
		kind     ErrorKind
		want     string
	}{
		{"empty", nil, "", KindEmpty, "0 bytes"},
		{"jks", []byte{0xfe, 0xed, 0xfe, 0xed, 0, 0, 0, 2}, "", KindForeign, "JKS"},
		{"pem", []byte("-----BEGIN CERTIFICATE-----\n"), "", KindForeign, "PEM"},
		{"three foreign bytes", []byte("abc"), "", KindForeign, "only 3 bytes"},
		{"other lucene codec", edit(good, func(b []byte) { copy(b[5:], "elasticsearch.keystorX") }), "", KindForeign, "another codec"},
		{"codec name length", edit(good, func(b []byte) { b[4] = 5 }), "", KindForeign, "another codec"},
		{"magic only", good[:4], "", KindTruncated, "inside the 32-byte header"},
		{"ends in header", good[:20], "", KindTruncated, "inside the 32-byte header"},
		{"version 2", edit(good, func(b []byte) { binary.BigEndian.PutUint32(b[offVersion:], 2) }), "", KindVersion, "Elasticsearch 8 and later cannot read it"},
		{"version 1", edit(good, func(b []byte) { binary.BigEndian.PutUint32(b[offVersion:], 1) }), "", KindVersion, "5.3-6.2"},
		{"version 9", edit(good, func(b []byte) { binary.BigEndian.PutUint32(b[offVersion:], 9) }), "", KindVersion, "newer"},
		{"version negative", edit(good, func(b []byte) { binary.BigEndian.PutUint32(b[offVersion:], 0xFFFFFFFF) }), "", KindVersion, "-1 does not exist"},
		{"cut in half", good[:len(good)/2], "", KindTruncated, "no codec footer"},
		{"header and nothing else", good[:headerLen], "", KindTruncated, "too short"},
		{"bytes appended", append(append([]byte(nil), good...), 0, 0, 0, 0), "", KindTruncated, "no codec footer"},
		{"footer algorithm", edit(good, func(b []byte) { b[len(b)-9] = 1 }), "", KindTruncated, "checksum algorithm 1"},
		{"bit flip", func() []byte { b := append([]byte(nil), good...); b[0x90] ^= 1; return b }(), "", KindChecksum, "CRC32 of the content"},
		{"hasPassword 2", edit(good, func(b []byte) { b[offHasPassword] = 2 }), "", KindCorrupted, "hasPassword byte is 0x02"},
		{"data length past EOF", edit(good, func(b []byte) { binary.LittleEndian.PutUint32(b[headerLen:], 1<<30) }), "", KindCorrupted, "data length 1073741824 points past the end of the file"},
		{"data length negative", edit(good, func(b []byte) { binary.LittleEndian.PutUint32(b[headerLen:], 0x80000000) }), "", KindCorrupted, "negative data length"},
		{"data length short", edit(good, func(b []byte) { binary.LittleEndian.PutUint32(b[headerLen:], uint32(len(b)-60)) }), "", KindCorrupted, "unexplained bytes"},
		{"big-endian lengths in v5", edit(good, func(b []byte) {
			binary.BigEndian.PutUint32(b[offVersion:], 5)
			b[headerLen], b[headerLen+3] = b[headerLen+3], b[headerLen]
		}), "", KindCorrupted, "points past the end of the file"},
		{"salt length 0", rawFile(5, [][]byte{nil, iv, ct}, []int32{0, 12, 40}), "", KindCorrupted, "salt length 0"},
		{"IV length 0", rawFile(5, [][]byte{salt, nil, ct}, []int32{64, 0, 40}), "", KindCorrupted, "IV length 0"},
		{"IV length 1000", rawFile(5, [][]byte{salt, iv, ct}, []int32{64, 1000, 40}), "", KindCorrupted, "IV length 1000 points past the end of the data block"},
		{"salt length negative", rawFile(4, [][]byte{salt, iv, ct}, []int32{-64, 12, 40}), "", KindCorrupted, "negative salt length"},
		{"ciphertext length past block", rawFile(6, [][]byte{salt, iv, ct}, []int32{64, 12, 41}), "", KindCorrupted, "ciphertext length 41 points past"},
		{"ciphertext shorter than tag", rawFile(6, [][]byte{salt, iv, ct[:15]}, []int32{64, 12, 15}), "", KindCorrupted, "shorter than the 16-byte GCM tag"},
		{"bytes after ciphertext", rawFile(5, [][]byte{salt, iv, ct, {1, 2, 3}}, []int32{64, 12, 40, 0}), "", KindCorrupted, "bytes after the ciphertext"},
		{"no ciphertext length", rawFile(5, [][]byte{salt, iv}, []int32{64, 12}), "", KindCorrupted, "ends before the ciphertext length"},
		{"wrong password", goodPW, "wrong", KindWrongPassword, "tag does not verify"},
		{"password required", goodPW, "", KindPasswordRequired, "no password was given"},
		{"random ciphertext", rawFile(5, [][]byte{salt, iv, ct}, []int32{64, 12, 40}), "", KindWrongPassword, "tag does not verify"},
		{"trailing bytes after last entry", mustSeal(t, 5, "", must(marshalEntries(5, testEntries()))(t).raw("\x00\x01")), "", KindCorrupted, "2 trailing bytes after the last entry"},
		{"name length past end", mustSeal(t, 5, "", plaintext{}.i32(1).u16(200).raw("keystore.seed")), "", KindCorrupted, "entry 1 of 1 name: string length 200 points past the end"},
		{"value length past end", mustSeal(t, 4, "", plaintext{}.i32(1).utf("a").i32(1000).raw("xyz")), "", KindCorrupted, "value length 1000 points past the end"},
		{"negative value length", mustSeal(t, 4, "", plaintext{}.i32(1).utf("a").i32(-1)), "", KindCorrupted, "negative value length -1"},
		{"entry count too large", mustSeal(t, 5, "", plaintext{}.i32(1<<30).utf("a").i32(0)), "", KindCorrupted, "entry count 1073741824 cannot fit"},
		{"negative entry count", mustSeal(t, 5, "", plaintext{}.i32(-3)), "", KindCorrupted, "negative entry count"},
		{"empty plaintext", mustSeal(t, 7, "", nil), "", KindCorrupted, "entry count: the plaintext ends"},
		{"4-byte UTF-8 in name", mustSeal(t, 5, "", plaintext{}.i32(1).utf("\xF0\x9F\x98\x80").i32(0)), "", KindCorrupted, "bad modified UTF-8"},
		{"v3 type past end", mustSeal(t, 3, "", plaintext{}.i32(1).utf("a").u16(300).raw("abcdef")), "", KindCorrupted, "entry 1 of 1 type: string length 300"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			file := strings.ReplaceAll(tc.name, " ", "-") + ".keystore"
			ks, err := Parse(tc.data, file, secret.FromString(tc.password))
			if err == nil {
				t.Fatalf("Parse succeeded with %d entries", ks.Len())
			}
			msg := err.Error()
			for _, want := range []string{"keystore " + file + ": ", string(tc.kind) + ": ", tc.want} {
				if !strings.Contains(msg, want) {
					t.Errorf("error %q does not contain %q", msg, want)
				}
			}
			if !errors.Is(err, tc.kind) {
				t.Errorf("errors.Is(err, %q) = false for %v", tc.kind, err)
			}
			if secret.FindCanary([]byte(msg)) >= 0 {
				t.Errorf("error leaks a value: %q", msg)
			}
		})
	}
}

// must turns a (value, error) pair into a function of the test.
func must(p []byte, err error) func(testing.TB) plaintext {
	return func(t testing.TB) plaintext {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
		return p
	}
}
