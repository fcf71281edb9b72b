package keystore

import (
	"encoding/binary"
	"fmt"

	"github.com/esdoctor/esdoctor/shared/secret"
)

// dataInput reads the big-endian DataOutputStream encoding of the decrypted
// entries, bounds-checking every length against what is left.
type dataInput struct {
	b   []byte
	off int
}

func (r *dataInput) left() int { return len(r.b) - r.off }

func (r *dataInput) int32(what string) (int, error) {
	if r.left() < 4 {
		return 0, fmt.Errorf("%s: the plaintext ends (%d bytes left, 4 needed)", what, r.left())
	}
	v := int32(binary.BigEndian.Uint32(r.b[r.off:]))
	r.off += 4
	return int(v), nil
}

func (r *dataInput) utf(what string) (string, error) {
	if r.left() < 2 {
		return "", fmt.Errorf("%s: the plaintext ends before the string length", what)
	}
	n := int(binary.BigEndian.Uint16(r.b[r.off:]))
	r.off += 2
	if n > r.left() {
		return "", fmt.Errorf("%s: string length %d points past the end of the plaintext (%d bytes left)", what, n, r.left())
	}
	s, err := decodeModifiedUTF8(r.b[r.off : r.off+n])
	if err != nil {
		return "", fmt.Errorf("%s: bad modified UTF-8: %w", what, err)
	}
	r.off += n
	return s, nil
}

// decodeEntries parses the plaintext: an entry count, then per entry the
// name, (v3 only) the type string, and the length-prefixed value. Nothing
// may follow the last entry. Error texts describe positions and lengths,
// never names or values.
func decodeEntries(plain []byte, version int) (map[string]secret.Bytes, error) {
	entries, err := readEntries(&dataInput{b: plain}, version)
	if err != nil {
		wipeAll(entries)
		return nil, err
	}
	return entries, nil
}

func readEntries(r *dataInput, version int) (map[string]secret.Bytes, error) {
	count, err := r.int32("entry count")
	if err != nil {
		return nil, err
	}
	minEntry := 2 + 4 // name length + value length
	if version == 3 {
		minEntry += 2 // type length
	}
	switch {
	case count < 0:
		return nil, fmt.Errorf("negative entry count %d", count)
	case count > r.left()/minEntry:
		return nil, fmt.Errorf("entry count %d cannot fit in the %d bytes that follow", count, r.left())
	}
	entries := make(map[string]secret.Bytes, count)
	for i := range count {
		at := fmt.Sprintf("entry %d of %d", i+1, count)
		name, err := r.utf(at + " name")
		if err != nil {
			return entries, err
		}
		if version == 3 {
			// STRING or FILE; ES 8+ reads and ignores it.
			if _, err := r.utf(at + " type"); err != nil {
				return entries, err
			}
		}
		n, err := r.int32(at + " value length")
		if err != nil {
			return entries, err
		}
		switch {
		case n < 0:
			return entries, fmt.Errorf("%s: negative value length %d", at, n)
		case n > r.left():
			return entries, fmt.Errorf("%s: value length %d points past the end of the plaintext (%d bytes left)", at, n, r.left())
		}
		// A repeated name replaces the earlier value, as in ES's HashMap.
		entries[name] = secret.New(r.b[r.off : r.off+n])
		r.off += n
	}
	if r.left() > 0 {
		return entries, fmt.Errorf("%d trailing bytes after the last entry", r.left())
	}
	return entries, nil
}

// wipeAll zeroes every value in m.
func wipeAll(m map[string]secret.Bytes) {
	for _, v := range m {
		v.Wipe() // v shares the bytes with the map's copy
	}
}
