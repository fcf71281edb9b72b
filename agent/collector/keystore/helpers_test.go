package keystore

import (
	"encoding/binary"
	"hash/crc32"
	"testing"
)

// testEntries is the value set the synthetic tests plant: every value
// carries the canary so a leak anywhere is caught.
func testEntries() map[string][]byte {
	return map[string][]byte{
		"keystore.seed":      []byte("CANARY-SECRET-seed-0123456789"),
		"bootstrap.password": []byte("CANARY-SECRET-bootstrap"),
		"s3.client.default.secret_key": []byte("CANARY-SECRET-s3-" +
			"wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"),
	}
}

// mustEncode is Encode that fails the test on error.
func mustEncode(t testing.TB, version int, password string, entries map[string][]byte) []byte {
	t.Helper()
	b, err := Encode(version, password, entries)
	if err != nil {
		t.Fatalf("Encode(v%d): %v", version, err)
	}
	return b
}

// mustSeal encrypts a hand-made plaintext into a file of the given version
// (zero salt and IV: these files only exercise the parser).
func mustSeal(t testing.TB, version int, password string, plain []byte) []byte {
	t.Helper()
	b, err := seal(version, password, plain, make([]byte, 64), make([]byte, 12))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// fixCRC recomputes the footer checksum after a test edited the bytes.
func fixCRC(b []byte) []byte {
	binary.BigEndian.PutUint64(b[len(b)-8:], uint64(crc32.ChecksumIEEE(b[:len(b)-8])))
	return b
}

// edit copies b, applies f, and recomputes the checksum.
func edit(b []byte, f func([]byte)) []byte {
	c := append([]byte(nil), b...)
	f(c)
	return fixCRC(c)
}

// rawFile builds a file whose data block holds the given arrays with the
// given declared lengths (lengths may lie), with a correct checksum.
func rawFile(version int, arrays [][]byte, declared []int32) []byte {
	order := envelopeOrder(version)
	out := binary.BigEndian.AppendUint32(nil, codecMagic)
	out = append(out, byte(len(codecName)))
	out = append(out, codecName...)
	out = binary.BigEndian.AppendUint32(out, uint32(version))
	out = append(out, 0)
	var block []byte
	for i, a := range arrays {
		block = order.AppendUint32(block, uint32(declared[i]))
		block = append(block, a...)
	}
	out = order.AppendUint32(out, uint32(len(block)))
	out = append(out, block...)
	return appendFooter(out)
}

// plaintext builds a DataOutputStream entry list by hand.
type plaintext []byte

func (p plaintext) i32(v int32) plaintext { return binary.BigEndian.AppendUint32(p, uint32(v)) }
func (p plaintext) u16(v int) plaintext   { return binary.BigEndian.AppendUint16(p, uint16(v)) }
func (p plaintext) raw(b string) plaintext {
	return append(p, b...)
}
func (p plaintext) utf(s string) plaintext { return p.u16(len(s)).raw(s) }
