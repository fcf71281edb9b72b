package spool

import (
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"io"

	"github.com/esdoctor/esdoctor/shared/event"
)

// headerSize is the fixed part of a record: length, crc, seq.
const headerSize = 16

// maxRecordPayload bounds a record's payload; a larger length is corruption.
const maxRecordPayload = event.MaxEventSize

var crcTable = crc32.MakeTable(crc32.Castagnoli)

// Record format errors. A torn record ends early (a crash during the write);
// a corrupt one is complete but wrong.
var (
	errTorn    = errors.New("torn record")
	errCorrupt = errors.New("corrupt record")
)

type header struct {
	length uint32
	crc    uint32
	seq    uint64
}

// appendRecord appends one encoded record to dst.
func appendRecord(dst []byte, seq uint64, payload []byte) []byte {
	var h [headerSize]byte
	binary.BigEndian.PutUint32(h[0:4], uint32(len(payload)))
	binary.BigEndian.PutUint64(h[8:16], seq)
	crc := crc32.Update(0, crcTable, h[8:16])
	crc = crc32.Update(crc, crcTable, payload)
	binary.BigEndian.PutUint32(h[4:8], crc)
	dst = append(dst, h[:]...)
	return append(dst, payload...)
}

// parseHeader reads and sanity-checks a record header.
func parseHeader(b []byte) (header, error) {
	if len(b) < headerSize {
		return header{}, fmt.Errorf("%w: header has %d of %d bytes", errTorn, len(b), headerSize)
	}
	h := header{
		length: binary.BigEndian.Uint32(b[0:4]),
		crc:    binary.BigEndian.Uint32(b[4:8]),
		seq:    binary.BigEndian.Uint64(b[8:16]),
	}
	switch {
	case h.length == 0 && h.crc == 0 && h.seq == 0:
		return h, fmt.Errorf("%w: zeroed header", errCorrupt)
	case h.length == 0:
		return h, fmt.Errorf("%w: empty payload", errCorrupt)
	case h.length > maxRecordPayload:
		return h, fmt.Errorf("%w: length %d exceeds %d", errCorrupt, h.length, maxRecordPayload)
	case h.seq == 0:
		return h, fmt.Errorf("%w: sequence 0", errCorrupt)
	}
	return h, nil
}

// check verifies the payload against the header's CRC.
func (h header) check(payload []byte) error {
	var s [8]byte
	binary.BigEndian.PutUint64(s[:], h.seq)
	crc := crc32.Update(0, crcTable, s[:])
	crc = crc32.Update(crc, crcTable, payload)
	if crc != h.crc {
		return fmt.Errorf("%w: checksum mismatch for sequence %d (stored %08x, computed %08x)", errCorrupt, h.seq, h.crc, crc)
	}
	return nil
}

// decodeRecord decodes the record at the start of b and returns its
// sequence, payload (aliasing b) and encoded size.
func decodeRecord(b []byte) (seq uint64, payload []byte, n int, err error) {
	h, err := parseHeader(b)
	if err != nil {
		return 0, nil, 0, err
	}
	end := headerSize + int(h.length)
	if len(b) < end {
		return 0, nil, 0, fmt.Errorf("%w: payload has %d of %d bytes", errTorn, len(b)-headerSize, h.length)
	}
	payload = b[headerSize:end]
	if err := h.check(payload); err != nil {
		return 0, nil, 0, err
	}
	return h.seq, payload, end, nil
}

// readRecord reads one record from r. At a clean end of input it returns
// io.EOF; a format problem wraps errTorn or errCorrupt; anything else is an
// I/O error.
func readRecord(r io.Reader) (seq uint64, payload []byte, n int64, err error) {
	var hb [headerSize]byte
	k, err := io.ReadFull(r, hb[:])
	switch {
	case err == io.EOF:
		return 0, nil, 0, io.EOF
	case err == io.ErrUnexpectedEOF:
		return 0, nil, 0, fmt.Errorf("%w: header has %d of %d bytes", errTorn, k, headerSize)
	case err != nil:
		return 0, nil, 0, err
	}
	h, err := parseHeader(hb[:])
	if err != nil {
		return 0, nil, 0, err
	}
	payload = make([]byte, h.length)
	k, err = io.ReadFull(r, payload)
	switch {
	case err == io.EOF || err == io.ErrUnexpectedEOF:
		return 0, nil, 0, fmt.Errorf("%w: payload has %d of %d bytes", errTorn, k, h.length)
	case err != nil:
		return 0, nil, 0, err
	}
	if err := h.check(payload); err != nil {
		return 0, nil, 0, err
	}
	return h.seq, payload, headerSize + int64(h.length), nil
}

// isFormatError tells record damage (cut it) from I/O failure (report it).
func isFormatError(err error) bool {
	return errors.Is(err, errTorn) || errors.Is(err, errCorrupt)
}
