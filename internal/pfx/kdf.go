package pfx

import (
	"errors"
	"hash"
	"math/big"
	"unicode/utf16"
)

// pkcs12KDF derives size bytes with the PKCS#12 key derivation of RFC 7292
// appendix B.2. id is 1 for a cipher key, 2 for an IV, 3 for a MAC key;
// password is the BMPString form (see bmpPassword); v is the hash's block
// size in bytes.
func pkcs12KDF(newHash func() hash.Hash, v int, salt, password []byte, iterations int, id byte, size int) []byte {
	h := newHash()
	u := h.Size()

	d := make([]byte, v)
	for i := range d {
		d[i] = id
	}
	fill := func(src []byte) []byte {
		if len(src) == 0 {
			return nil
		}
		out := make([]byte, v*((len(src)+v-1)/v))
		for i := range out {
			out[i] = src[i%len(src)]
		}
		return out
	}
	in := append(fill(salt), fill(password)...)

	one := big.NewInt(1)
	modulus := new(big.Int).Lsh(one, uint(v*8))
	out := make([]byte, 0, size+u)
	for len(out) < size {
		h.Reset()
		h.Write(d)
		h.Write(in)
		a := h.Sum(nil)
		for r := 1; r < iterations; r++ {
			h.Reset()
			h.Write(a)
			a = h.Sum(a[:0])
		}
		out = append(out, a...)
		if len(out) >= size {
			break
		}
		// B = A repeated to v bytes; every v-byte block of I becomes
		// (I_j + B + 1) mod 2^(8v).
		b := new(big.Int).SetBytes(fill(a)[:v])
		b.Add(b, one)
		for j := 0; j < len(in); j += v {
			ij := new(big.Int).SetBytes(in[j : j+v])
			ij.Add(ij, b)
			ij.Mod(ij, modulus)
			blk := ij.Bytes()
			clear(in[j : j+v])
			copy(in[j+v-len(blk):j+v], blk)
		}
	}
	return out[:size]
}

// bmpPassword is the password as PKCS#12 hashes it: UTF-16BE with a
// two-byte zero terminator. An empty password is just the terminator, as
// Java and OpenSSL write it.
func bmpPassword(password string) ([]byte, error) {
	out := make([]byte, 0, 2*len(password)+2)
	for _, r := range password {
		if r > 0xFFFF {
			return nil, errors.New("password has a character outside the Basic Multilingual Plane")
		}
		out = append(out, byte(r>>8), byte(r))
	}
	return append(out, 0, 0), nil
}

// BMPEncodable reports whether password can be used with PKCS#12's
// BMPString password encoding (no character beyond U+FFFF).
func BMPEncodable(password string) bool {
	_, err := bmpPassword(password)
	return err == nil
}

// decodeBMPString decodes a BMPString (UTF-16BE) value.
func decodeBMPString(b []byte) (string, error) {
	if len(b)%2 != 0 {
		return "", errors.New("odd-length BMPString")
	}
	u := make([]uint16, 0, len(b)/2)
	for i := 0; i < len(b); i += 2 {
		u = append(u, uint16(b[i])<<8|uint16(b[i+1]))
	}
	if n := len(u); n > 0 && u[n-1] == 0 {
		u = u[:n-1]
	}
	return string(utf16.Decode(u)), nil
}

// encodeBMPString encodes s as a BMPString value (no terminator).
func encodeBMPString(s string) []byte {
	u := utf16.Encode([]rune(s))
	out := make([]byte, 0, 2*len(u))
	for _, c := range u {
		out = append(out, byte(c>>8), byte(c))
	}
	return out
}
