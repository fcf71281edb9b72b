package keystore

import (
	"encoding/binary"
	"fmt"
)

// envelope is the data block between the header and the footer: three
// length-prefixed arrays whose lengths are big-endian before v5 and
// little-endian from v5 on.
type envelope struct {
	salt, iv, ciphertext []byte
}

// gcmTagLen is the AES-GCM tag appended to the ciphertext.
const gcmTagLen = 16

// byteOrder reads and appends integers.
type byteOrder interface {
	binary.ByteOrder
	binary.AppendByteOrder
}

// envelopeOrder is the byte order of the data length and the three array
// lengths in the given format version.
func envelopeOrder(version int) byteOrder {
	if version >= leVersion {
		return binary.LittleEndian
	}
	return binary.BigEndian
}

// readEnvelope splits the data block. The block must end exactly where the
// footer starts, and the three arrays must fill it exactly.
func readEnvelope(data []byte, version int, name string) (envelope, error) {
	var env envelope
	order := envelopeOrder(version)
	body := data[headerLen : len(data)-footerLen]
	d := int64(int32(order.Uint32(body)))
	body = body[4:]
	switch {
	case d < 0:
		return env, newError(name, KindCorrupted, "negative data length %d", d)
	case d > int64(len(body)):
		return env, newError(name, KindCorrupted, "data length %d points past the end of the file (%d bytes before the footer)", d, len(body))
	case d < int64(len(body)):
		return env, newError(name, KindCorrupted, "data length %d leaves %d unexplained bytes before the footer", d, int64(len(body))-d)
	}
	var err error
	if env.salt, body, err = readArray(body, order, "salt"); err != nil {
		return env, &Error{Path: name, Kind: KindCorrupted, Detail: err.Error()}
	}
	if env.iv, body, err = readArray(body, order, "IV"); err != nil {
		return env, &Error{Path: name, Kind: KindCorrupted, Detail: err.Error()}
	}
	if env.ciphertext, body, err = readArray(body, order, "ciphertext"); err != nil {
		return env, &Error{Path: name, Kind: KindCorrupted, Detail: err.Error()}
	}
	switch {
	case len(body) > 0:
		return env, newError(name, KindCorrupted, "%d bytes after the ciphertext inside the data block", len(body))
	case len(env.salt) == 0:
		return env, newError(name, KindCorrupted, "salt length 0")
	case len(env.iv) == 0:
		return env, newError(name, KindCorrupted, "IV length 0")
	case len(env.ciphertext) < gcmTagLen:
		return env, newError(name, KindCorrupted, "ciphertext length %d is shorter than the %d-byte GCM tag", len(env.ciphertext), gcmTagLen)
	}
	return env, nil
}

// readArray reads an int length and that many bytes, bounds-checked.
func readArray(b []byte, order binary.ByteOrder, what string) (arr, rest []byte, err error) {
	if len(b) < 4 {
		return nil, nil, fmt.Errorf("the data block ends before the %s length", what)
	}
	n := int64(int32(order.Uint32(b)))
	b = b[4:]
	switch {
	case n < 0:
		return nil, nil, fmt.Errorf("negative %s length %d", what, n)
	case n > int64(len(b)):
		return nil, nil, fmt.Errorf("%s length %d points past the end of the data block (%d bytes left)", what, n, len(b))
	}
	return b[:n], b[n:], nil
}
