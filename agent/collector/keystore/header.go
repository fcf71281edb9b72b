package keystore

import (
	"bytes"
	"encoding/binary"
	"hash/crc32"
	"strconv"
)

// Format versions this package reads and writes.
const (
	MinFormatVersion = 3 // ES 6.3; the oldest Elasticsearch 8+ still reads
	MaxFormatVersion = 7 // ES 9.x
)

// MaxFileSize caps what Load reads and Parse accepts. Real keystores are a
// few hundred bytes; even one holding credential files stays far below.
const MaxFileSize = 64 << 20

const (
	codecMagic  uint32 = 0x3FD76C17
	footerMagic uint32 = ^codecMagic // 0xC02893E8
	codecName          = "elasticsearch.keystore"

	offName        = 4                            // VInt length + codec name
	offVersion     = offName + 1 + len(codecName) // 0x1B
	offHasPassword = offVersion + 4               // 0x1F
	headerLen      = offHasPassword + 1           // 0x20: where the data length is
	footerLen      = 16
	minFileLen     = headerLen + 4 + footerLen // header, data length, footer

	leVersion = 5 // from v5 on the envelope ints are little-endian
)

// header is what the Lucene codec header and the byte after it say.
type header struct {
	version     int
	hasPassword byte
}

// ReadHeader reports the format version and the hasPassword flag without
// decrypting anything, so that they are known even when the password is
// wrong or the body is damaged. It checks only the header: empty file,
// foreign file, unsupported version, the hasPassword byte. On an
// unsupported-version or corrupted-flag error, version is still set.
func ReadHeader(data []byte, name string) (version int, hasPassword bool, err error) {
	h, err := readHeader(data, name)
	if err != nil {
		return h.version, false, err
	}
	hp, err := h.passwordFlag(name)
	return h.version, hp, err
}

// readHeader checks, in ES's order, emptiness, the codec magic, the codec
// name and the version. A file that ends inside the header is truncated.
func readHeader(data []byte, name string) (header, error) {
	var h header
	if len(data) == 0 {
		return h, newError(name, KindEmpty, "the file is 0 bytes")
	}
	if len(data) > MaxFileSize {
		return h, newError(name, KindTooLarge, "%d bytes, more than the %d-byte limit", len(data), MaxFileSize)
	}
	var magic [4]byte
	binary.BigEndian.PutUint32(magic[:], codecMagic)
	if n := min(len(data), 4); !bytes.Equal(data[:n], magic[:n]) {
		return h, newError(name, KindForeign, "no Lucene codec header (%s)", sniff(data))
	}
	want := append([]byte{byte(len(codecName))}, codecName...)
	if n := min(len(data)-offName, len(want)); n > 0 && !bytes.Equal(data[offName:offName+n], want[:n]) {
		return h, newError(name, KindForeign, "a Lucene file of another codec, not %q", codecName)
	}
	if len(data) < headerLen {
		return h, newError(name, KindTruncated, "the file is %d bytes, it ends inside the %d-byte header", len(data), headerLen)
	}
	v := int32(binary.BigEndian.Uint32(data[offVersion:]))
	h.version = int(v)
	h.hasPassword = data[offHasPassword]
	switch {
	case v == 1 || v == 2:
		return h, newError(name, KindVersion,
			"format version %d was written by Elasticsearch 5.3-6.2; Elasticsearch 8 and later cannot read it "+
				"(upgrade it with Elasticsearch 7.x `elasticsearch-keystore upgrade`, or recreate it)", v)
	case v > MaxFormatVersion:
		return h, newError(name, KindVersion,
			"format version %d is newer than the newest known (%d): written by a newer Elasticsearch?", v, MaxFormatVersion)
	case v < MinFormatVersion:
		return h, newError(name, KindVersion, "format version %d does not exist", v)
	}
	return h, nil
}

// passwordFlag decodes the hasPassword byte.
func (h header) passwordFlag(name string) (bool, error) {
	switch h.hasPassword {
	case 0:
		return false, nil
	case 1:
		return true, nil
	}
	return false, newError(name, KindCorrupted, "the hasPassword byte is 0x%02x, not 0 or 1", h.hasPassword)
}

// checkFooter verifies the Lucene footer and the CRC32 over everything
// before the checksum field, as ES does while loading.
func checkFooter(data []byte, name string) error {
	if len(data) < minFileLen {
		return newError(name, KindTruncated, "the file is %d bytes, too short for a data block and the %d-byte footer", len(data), footerLen)
	}
	f := data[len(data)-footerLen:]
	switch {
	case binary.BigEndian.Uint32(f[0:]) != footerMagic:
		return newError(name, KindTruncated, "no codec footer at the end of the file (cut short, or bytes appended)")
	case binary.BigEndian.Uint32(f[4:]) != 0:
		return newError(name, KindTruncated, "the footer names checksum algorithm %d, not 0 (CRC32)", binary.BigEndian.Uint32(f[4:]))
	case binary.BigEndian.Uint32(f[8:]) != 0:
		return newError(name, KindTruncated, "the footer checksum is not a CRC32 (upper 32 bits set)")
	}
	stored := binary.BigEndian.Uint32(f[12:])
	if got := crc32.ChecksumIEEE(data[:len(data)-8]); got != stored {
		return newError(name, KindChecksum, "CRC32 of the content is %08x, the footer says %08x (bit rot or an edited file)", got, stored)
	}
	return nil
}

// sniff guesses what a foreign file is, without quoting its bytes.
func sniff(data []byte) string {
	switch {
	case bytes.HasPrefix(data, []byte{0xfe, 0xed, 0xfe, 0xed}):
		return "looks like a Java JKS keystore"
	case bytes.HasPrefix(data, []byte{0xce, 0xce, 0xce, 0xce}):
		return "looks like a Java JCEKS keystore"
	case len(data) >= 2 && data[0] == 0x30 && data[1] >= 0x80:
		return "looks like DER, e.g. a PKCS#12 keystore or a certificate"
	case bytes.HasPrefix(data, []byte("-----BEGIN")):
		return "looks like a PEM file"
	case bytes.HasPrefix(data, []byte("#!")):
		return "looks like a script"
	case len(data) < 4:
		return "the file is only " + strconv.Itoa(len(data)) + " bytes"
	}
	return "the first bytes are not 3fd76c17"
}
