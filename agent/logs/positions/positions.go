// Package positions stores how far the log follower has delivered each log
// file's content, across restarts.
//
// An entry is keyed by the content it describes, not by a path: a file
// identity (device, inode) plus a signature of the content's first bytes (up
// to SigMax, as Grafana Alloy does). The same content can then be recognised
// under another name (a rename), in another file (a copytruncate copy, a .gz
// made from a rotated file), and a recycled inode or a truncate-and-rewrite
// is told apart from the content that was there before.
//
// The offset stored is the one the consumer acknowledged (delivered), never
// the one read. The file is JSON, written atomically (temporary file, fsync,
// rename, fsync of the directory) with mode 0600.
package positions

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/esdoctor/esdoctor/shared/safefile"
)

// Version is the format version this build writes and reads.
const Version = 1

// SigMax is the longest signature: the number of leading content bytes
// hashed to recognise a file's content.
const SigMax = 1024

// MaxFileSize bounds the positions file Decode accepts.
const MaxFileSize = 64 << 20

// Entry is the delivery state of one file content ("lineage").
type Entry struct {
	// ID names the content; it is stable across restarts.
	ID string `json:"id"`
	// Path is the last path the content was read from (informational).
	Path string `json:"path"`
	// Dev and Ino identify the last file that carried the content.
	Dev uint64 `json:"dev"`
	Ino uint64 `json:"ino"`
	// Gzip is true when that file was a gzip-compressed rotated file.
	Gzip bool `json:"gzip,omitempty"`
	// SigLen is the number of leading content bytes (decompressed for
	// .gz) that Sig hashes, 1..SigMax.
	SigLen int `json:"sig_len"`
	// Sig is the hex SHA-256 of the first SigLen bytes.
	Sig string `json:"sig"`
	// Offset is the delivered byte offset: everything before it was
	// acknowledged by the consumer. It is always at a line start.
	Offset int64 `json:"offset"`
	// Line is the number of lines before Offset.
	Line int64 `json:"line"`
	// Ended is true when the content can never grow and was delivered to
	// its end (a deleted file drained through its open descriptor, a .gz
	// read to its end, or one skipped by --from-end): any other file
	// carrying it is a copy and is not read.
	Ended bool `json:"ended,omitempty"`
	// Seen is the last time a file carrying the content was present.
	Seen time.Time `json:"seen"`
}

// File is the whole positions file.
type File struct {
	Version int     `json:"version"`
	Entries []Entry `json:"entries"`
	// State is the consumer's own state, saved in the same atomic write
	// as the offsets it matches (for example the symptom deduper's open
	// groups).
	State json.RawMessage `json:"state,omitempty"`
}

// Signature returns the signature of a content prefix: its length (at most
// SigMax) and the hex SHA-256 of that many leading bytes.
func Signature(prefix []byte) (int, string) {
	if len(prefix) > SigMax {
		prefix = prefix[:SigMax]
	}
	sum := sha256.Sum256(prefix)
	return len(prefix), hex.EncodeToString(sum[:])
}

// Matches reports whether a content that starts with prefix is the
// content e describes (its first SigLen bytes hash to Sig).
func (e *Entry) Matches(prefix []byte) bool {
	if e.SigLen <= 0 || len(prefix) < e.SigLen {
		return false
	}
	_, sig := Signature(prefix[:e.SigLen])
	return sig == e.Sig
}

// Decode parses and validates a positions file's bytes; name is used in
// errors.
func Decode(data []byte, name string) (*File, error) {
	if len(data) > MaxFileSize {
		return nil, fmt.Errorf("positions %s: %d bytes exceeds the %d byte limit", name, len(data), MaxFileSize)
	}
	if len(bytes.TrimSpace(data)) == 0 {
		return nil, fmt.Errorf("positions %s: empty file", name)
	}
	var f File
	dec := json.NewDecoder(bytes.NewReader(data))
	if err := dec.Decode(&f); err != nil {
		return nil, fmt.Errorf("positions %s: malformed JSON: %w", name, err)
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return nil, fmt.Errorf("positions %s: trailing data after the JSON object", name)
	}
	if f.Version != Version {
		return nil, fmt.Errorf("positions %s: unsupported version %d (this build reads %d)", name, f.Version, Version)
	}
	seen := make(map[string]bool, len(f.Entries))
	for i := range f.Entries {
		e := &f.Entries[i]
		if err := e.validate(); err != nil {
			return nil, fmt.Errorf("positions %s: entry %d: %w", name, i, err)
		}
		if seen[e.ID] {
			return nil, fmt.Errorf("positions %s: entry %d: duplicate id %q", name, i, e.ID)
		}
		seen[e.ID] = true
	}
	return &f, nil
}

func (e *Entry) validate() error {
	switch {
	case e.ID == "":
		return errors.New("missing id")
	case e.SigLen < 1 || e.SigLen > SigMax:
		return fmt.Errorf("sig_len %d out of range 1..%d", e.SigLen, SigMax)
	case len(e.Sig) != 2*sha256.Size:
		return fmt.Errorf("sig must be %d hex digits, got %d characters", 2*sha256.Size, len(e.Sig))
	case e.Offset < 0:
		return fmt.Errorf("negative offset %d", e.Offset)
	case e.Line < 0:
		return fmt.Errorf("negative line %d", e.Line)
	case e.Line > e.Offset:
		return fmt.Errorf("line %d exceeds offset %d", e.Line, e.Offset)
	}
	if _, err := hex.DecodeString(e.Sig); err != nil {
		return fmt.Errorf("sig is not hex: %w", err)
	}
	return nil
}

// Encode marshals f (filling in Version), validating every entry.
func Encode(f *File) ([]byte, error) {
	out := *f
	out.Version = Version
	if out.Entries == nil {
		out.Entries = []Entry{}
	}
	for i := range out.Entries {
		if err := out.Entries[i].validate(); err != nil {
			return nil, fmt.Errorf("positions: entry %d (%s): %w", i, out.Entries[i].Path, err)
		}
	}
	b, err := json.Marshal(&out)
	if err != nil {
		return nil, fmt.Errorf("positions: %w", err)
	}
	return append(b, '\n'), nil
}

// Load reads and decodes the positions file at path. A missing file gives
// an error that matches os.ErrNotExist.
func Load(path string) (*File, error) {
	data, err := safefile.ReadFile(path, MaxFileSize)
	if err != nil {
		return nil, fmt.Errorf("positions %s: %w", path, err)
	}
	return Decode(data, path)
}

// Save writes f to path atomically: a temporary file in the same
// directory, fsync, rename over path, fsync of the directory. The file's
// mode is 0600 whatever it was before.
func Save(path string, f *File) error {
	data, err := Encode(f)
	if err != nil {
		return fmt.Errorf("positions %s: %w", path, err)
	}
	if err := safefile.WriteFile(path, data, 0o600); err != nil {
		return fmt.Errorf("positions %s: %w", path, err)
	}
	return nil
}
