package keystore

import (
	"cmp"
	"errors"
	"fmt"
	"unicode/utf16"
	"unicode/utf8"
)

// decodeModifiedUTF8 decodes Java's modified UTF-8 the way
// DataInputStream.readUTF does: 1-, 2- and 3-byte forms only (NUL is C0 80,
// a supplementary character is two 3-byte surrogates). The UTF-16 units are
// turned into a Go string; a lone surrogate becomes U+FFFD.
func decodeModifiedUTF8(b []byte) (string, error) {
	units := make([]uint16, 0, len(b))
	for i := 0; i < len(b); {
		c := b[i]
		switch c >> 4 {
		case 0, 1, 2, 3, 4, 5, 6, 7:
			units = append(units, uint16(c))
			i++
		case 12, 13:
			if i+1 >= len(b) {
				return "", errors.New("partial character at the end")
			}
			c2 := b[i+1]
			if c2&0xC0 != 0x80 {
				return "", fmt.Errorf("malformed input around byte %d", i+1)
			}
			units = append(units, uint16(c&0x1F)<<6|uint16(c2&0x3F))
			i += 2
		case 14:
			if i+2 >= len(b) {
				return "", errors.New("partial character at the end")
			}
			c2, c3 := b[i+1], b[i+2]
			if c2&0xC0 != 0x80 || c3&0xC0 != 0x80 {
				return "", fmt.Errorf("malformed input around byte %d", i+1)
			}
			units = append(units, uint16(c&0x0F)<<12|uint16(c2&0x3F)<<6|uint16(c3&0x3F))
			i += 3
		default:
			return "", fmt.Errorf("malformed input around byte %d", i)
		}
	}
	return string(utf16.Decode(units)), nil
}

// appendModifiedUTF8 appends s as DataOutputStream.writeUTF does: a
// big-endian u16 byte length, then modified UTF-8.
func appendModifiedUTF8(dst []byte, s string) ([]byte, error) {
	units := utf16.Encode([]rune(s))
	n := 0
	for _, u := range units {
		switch {
		case u >= 1 && u <= 0x7F:
			n++
		case u <= 0x7FF:
			n += 2
		default:
			n += 3
		}
	}
	if n > 0xFFFF {
		return dst, fmt.Errorf("string of %d encoded bytes is longer than writeUTF allows (65535)", n)
	}
	dst = append(dst, byte(n>>8), byte(n))
	for _, u := range units {
		switch {
		case u >= 1 && u <= 0x7F:
			dst = append(dst, byte(u))
		case u <= 0x7FF:
			dst = append(dst, 0xC0|byte(u>>6), 0x80|byte(u&0x3F))
		default:
			dst = append(dst, 0xE0|byte(u>>12), 0x80|byte(u>>6&0x3F), 0x80|byte(u&0x3F))
		}
	}
	return dst, nil
}

// compareUTF16 orders strings as Java's String.compareTo does (UTF-16 code
// units), which is how `elasticsearch-keystore list` sorts. It differs from
// Go's byte order only when a supplementary character meets one in
// U+E000..U+FFFF.
func compareUTF16(a, b string) int {
	for a != "" && b != "" {
		ra, na := utf8.DecodeRuneInString(a)
		rb, nb := utf8.DecodeRuneInString(b)
		if ra != rb {
			return cmp.Compare(utf16Key(ra), utf16Key(rb))
		}
		a, b = a[na:], b[nb:]
	}
	return cmp.Compare(len(a), len(b))
}

// utf16Key orders runes by their UTF-16 code units: the first unit in the
// high half, the low surrogate's 10 bits (supplementary runes only) below.
func utf16Key(r rune) uint32 {
	if r >= 0x10000 {
		hi, _ := utf16.EncodeRune(r)
		return uint32(hi)<<16 | uint32(r&0x3FF)
	}
	return uint32(r) << 16
}
