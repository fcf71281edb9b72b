package keystore

import (
	"bytes"
	"encoding/binary"
	"errors"
	"hash/crc32"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/esdoctor/esdoctor/shared/secret"
)

// TestRoundTrip encodes every version with and without a password and
// parses it back.
func TestRoundTrip(t *testing.T) {
	entries := testEntries()
	entries["gcs.client.default.credentials_file"] = append([]byte("CANARY-SECRET-\x00\xff\xfe binary"), make([]byte, 3000)...)
	entries["empty.value"] = nil
	entries["nul\x00and😀.name"] = []byte("CANARY-SECRET-odd-name")
	for v := MinFormatVersion; v <= MaxFormatVersion; v++ {
		for _, pw := range []string{"", "fixture-pässwörd"} {
			data := mustEncode(t, v, pw, entries)
			gotV, gotPW, err := ReadHeader(data, "rt.keystore")
			if err != nil || gotV != v || gotPW != (pw != "") {
				t.Errorf("v%d %q: ReadHeader = %d, %v, %v", v, pw, gotV, gotPW, err)
			}
			ks, err := Parse(data, "rt.keystore", secret.FromString(pw))
			if err != nil {
				t.Fatalf("v%d %q: Parse: %v", v, pw, err)
			}
			if ks.Version != v || ks.HasPassword != (pw != "") {
				t.Errorf("v%d %q: got version %d, HasPassword %v", v, pw, ks.Version, ks.HasPassword)
			}
			want := slices.SortedFunc(maps.Keys(entries), compareUTF16)
			if !slices.Equal(ks.Names(), want) {
				t.Errorf("v%d %q: Names = %q, want %q", v, pw, ks.Names(), want)
			}
			for n, val := range entries {
				got, ok := ks.Get(n)
				if !ok || !bytes.Equal(got.Reveal(), val) {
					t.Errorf("v%d %q: value of %q differs", v, pw, n)
				}
			}
		}
	}
}

// TestPasswordIgnoredWithoutFlag: with hasPassword = 0 ES decrypts with the
// empty password whatever the user types; so does Parse.
func TestPasswordIgnoredWithoutFlag(t *testing.T) {
	data := mustEncode(t, 5, "", testEntries())
	if _, err := Parse(data, "x.keystore", secret.FromString("anything")); err != nil {
		t.Fatal(err)
	}
}

func TestEncodeRejects(t *testing.T) {
	for _, v := range []int{0, 1, 2, 8} {
		if _, err := Encode(v, "", nil); err == nil {
			t.Errorf("Encode(v%d) succeeded", v)
		}
	}
	if _, err := Encode(5, "", map[string][]byte{strings.Repeat("x", 70000): nil}); err == nil {
		t.Error("Encode accepted a name longer than writeUTF allows")
	}
}

// TestEncodeMatchesESLayout compares Encode's v5 output with a real file
// written by ES 8.13.4, field by field, and re-encodes the real file's
// entries to the same size.
func TestEncodeMatchesESLayout(t *testing.T) {
	realPath := filepath.Join("testdata", "v5-es8.13.4-jakelandis-es-docker-simple.keystore")
	real, err := os.ReadFile(realPath)
	if err != nil {
		t.Fatal(err)
	}
	ks, err := Parse(real, realPath, secret.Bytes{})
	if err != nil {
		t.Fatal(err)
	}
	entries := map[string][]byte{}
	for _, n := range ks.Names() {
		v, _ := ks.Get(n)
		entries[n] = v.Reveal()
	}
	ours := mustEncode(t, 5, "", entries)

	if len(ours) != len(real) {
		t.Fatalf("size %d, the ES file is %d", len(ours), len(real))
	}
	// Header through hasPassword, and the data length, are identical.
	if !bytes.Equal(ours[:headerLen+4], real[:headerLen+4]) {
		t.Errorf("header\n ours %x\n ES   %x", ours[:headerLen+4], real[:headerLen+4])
	}
	wantHeader := []byte("\x3f\xd7\x6c\x17\x16elasticsearch.keystore\x00\x00\x00\x05\x00")
	if !bytes.Equal(ours[:headerLen], wantHeader) {
		t.Errorf("header %x, want %x", ours[:headerLen], wantHeader)
	}
	// Little-endian lengths at their fixed offsets: D, salt 64, IV 12, C.
	c := len(ours) - 140
	for _, f := range []struct {
		off  int
		want uint32
	}{{0x20, uint32(88 + c)}, {0x24, 64}, {0x68, 12}, {0x78, uint32(c)}} {
		if got := binary.LittleEndian.Uint32(ours[f.off:]); got != f.want {
			t.Errorf("LE int at %#x = %d, want %d", f.off, got, f.want)
		}
		if got := binary.LittleEndian.Uint32(real[f.off:]); got != f.want {
			t.Errorf("ES file: LE int at %#x = %d, want %d", f.off, got, f.want)
		}
	}
	// Footer: magic, algorithm 0, CRC32 as a big-endian long.
	foot := ours[len(ours)-16:]
	if !bytes.Equal(foot[:12], []byte{0xc0, 0x28, 0x93, 0xe8, 0, 0, 0, 0, 0, 0, 0, 0}) ||
		binary.BigEndian.Uint32(foot[12:]) != crc32.ChecksumIEEE(ours[:len(ours)-8]) {
		t.Errorf("footer %x", foot)
	}
	if !bytes.Equal(foot[:12], real[len(real)-16:len(real)-4]) {
		t.Errorf("footer differs from the ES file's")
	}
}

// TestV4BigEndian: the same envelope ints are big-endian before v5.
func TestV4BigEndian(t *testing.T) {
	b := mustEncode(t, 4, "", testEntries())
	if got := binary.BigEndian.Uint32(b[0x24:]); got != 64 {
		t.Errorf("v4 salt length (BE) = %d", got)
	}
	if got := binary.BigEndian.Uint32(b[0x68:]); got != 12 {
		t.Errorf("v4 IV length (BE) = %d", got)
	}
}

// TestRealFileValues checks the one value documented publicly:
// arno01/keysteal's README says its test keystore holds asdf=zxcv.
func TestRealFileValues(t *testing.T) {
	ks, err := Load(filepath.Join("testdata", "v4-es7-arno01-keysteal-es_1.keystore"), secret.Bytes{})
	if err != nil {
		t.Fatal(err)
	}
	if v, ok := ks.Get("asdf"); !ok || string(v.Reveal()) != "zxcv" {
		t.Errorf("asdf does not hold the documented value")
	}
	seed, _ := ks.Get("keystore.seed")
	if seed.Len() != 20 {
		t.Errorf("keystore.seed is %d bytes, ES makes 20", seed.Len())
	}
}

func TestLoadErrors(t *testing.T) {
	dir := t.TempDir()
	missing := filepath.Join(dir, "missing.keystore")
	if _, err := Load(missing, secret.Bytes{}); err == nil || !strings.Contains(err.Error(), missing) || !errors.Is(err, os.ErrNotExist) {
		t.Errorf("missing file: %v", err)
	}
	if _, err := Load(dir, secret.Bytes{}); err == nil || !strings.Contains(err.Error(), "not a regular file") {
		t.Errorf("directory: %v", err)
	}
	big := filepath.Join(dir, "big.keystore")
	if err := os.WriteFile(big, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.Truncate(big, MaxFileSize+1); err != nil { // sparse
		t.Fatal(err)
	}
	_, err := Load(big, secret.Bytes{})
	if !errors.Is(err, ErrTooLarge) || !strings.Contains(err.Error(), big) {
		t.Errorf("oversized file: %v", err)
	}
	if _, err := Parse(make([]byte, MaxFileSize+1), "huge.keystore", secret.Bytes{}); !errors.Is(err, ErrTooLarge) {
		t.Errorf("oversized data: %v", err)
	}
}

// TestKeyCache: the second open of a v6 file skips the 210 000-iteration
// derivation.
func TestKeyCache(t *testing.T) {
	data := mustEncode(t, 6, "pw", testEntries())
	if _, err := Parse(data, "a.keystore", secret.FromString("pw")); err != nil {
		t.Fatal(err)
	}
	env, err := readEnvelope(data, 6, "a.keystore")
	if err != nil {
		t.Fatal(err)
	}
	keyCache.Lock()
	_, cached := keyCache.m[keyCacheID([]byte("pw"), env.salt, 6)]
	keyCache.Unlock()
	if !cached {
		t.Error("derived key not cached")
	}
	if _, err := Parse(data, "a.keystore", secret.FromString("wrong")); !errors.Is(err, ErrWrongPassword) {
		t.Errorf("a cached key for one password opened the file with another: %v", err)
	}
}
