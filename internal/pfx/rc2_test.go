package pfx

import (
	"bytes"
	"encoding/hex"
	"testing"
)

// TestRC2Vectors: the test vectors of RFC 2268 section 5, both ways.
func TestRC2Vectors(t *testing.T) {
	cases := []struct {
		key  string
		bits int
		pt   string
		ct   string
	}{
		{"0000000000000000", 63, "0000000000000000", "ebb773f993278eff"},
		{"ffffffffffffffff", 64, "ffffffffffffffff", "278b27e42e2f0d49"},
		{"3000000000000000", 64, "1000000000000001", "30649edf9be7d2c2"},
		{"88", 64, "0000000000000000", "61a8a244adacccf0"},
		{"88bca90e90875a", 64, "0000000000000000", "6ccf4308974c267f"},
		{"88bca90e90875a7f0f79c384627bafb2", 64, "0000000000000000", "1a807d272bbe5db1"},
		{"88bca90e90875a7f0f79c384627bafb2", 128, "0000000000000000", "2269552ab0f85ca6"},
		{"88bca90e90875a7f0f79c384627bafb216f80a6f85920584c42fceb0be255daf1e", 129, "0000000000000000", "5b78d3a43dfff1f1"},
	}
	for _, c := range cases {
		key, _ := hex.DecodeString(c.key)
		pt, _ := hex.DecodeString(c.pt)
		ct, _ := hex.DecodeString(c.ct)
		b, err := newRC2(key, c.bits)
		if err != nil {
			t.Fatal(err)
		}
		got := make([]byte, 8)
		b.Encrypt(got, pt)
		if !bytes.Equal(got, ct) {
			t.Errorf("key %s/%d: encrypt = %x, want %x", c.key, c.bits, got, ct)
		}
		b.Decrypt(got, ct)
		if !bytes.Equal(got, pt) {
			t.Errorf("key %s/%d: decrypt = %x, want %x", c.key, c.bits, got, pt)
		}
	}
	seen := map[byte]bool{}
	for _, v := range rc2PiTable {
		seen[v] = true
	}
	if len(seen) != 256 {
		t.Errorf("PITABLE is not a permutation: %d distinct values", len(seen))
	}
}
