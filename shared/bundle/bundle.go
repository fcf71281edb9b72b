// Package bundle is the offline file format: one node's snapshot and
// symptoms (the same events the daemon sends over NATS), written by
// `esdoctor-agent collect` and read by `esdoctor analyze`. A bundle is a
// gzip-compressed JSON document; Read also accepts it uncompressed.
package bundle

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/esdoctor/esdoctor/shared/event"
	"github.com/esdoctor/esdoctor/shared/safefile"
)

// Format names the document; Version is its version.
const (
	Format  = "esdoctor-bundle"
	Version = 1
	// MaxSize bounds a bundle read (decompressed).
	MaxSize = 512 << 20
)

// Bundle is one node's evidence.
type Bundle struct {
	Format    string            `json:"format"`
	Version   int               `json:"version"`
	CreatedAt time.Time         `json:"created_at"`
	Cluster   string            `json:"cluster"`
	Node      string            `json:"node"`
	Agent     string            `json:"agent,omitempty"`
	Events    []*event.Envelope `json:"events"`
	// Errors are inputs that could not be read while collecting.
	Errors []event.FileError `json:"errors,omitempty"`
}

// Write writes b to path (gzip), atomically.
func Write(path string, b *Bundle) error {
	b.Format, b.Version = Format, Version
	err := safefile.Write(path, 0o600, func(f io.Writer) error {
		zw := gzip.NewWriter(f)
		bw := bufio.NewWriter(zw)
		if err := json.NewEncoder(bw).Encode(b); err != nil {
			return err
		}
		if err := bw.Flush(); err != nil {
			return err
		}
		return zw.Close()
	})
	if err != nil {
		return fmt.Errorf("bundle %s: %w", path, err)
	}
	return nil
}

// Read reads and validates a bundle file.
func Read(path string) (*Bundle, error) {
	f, _, err := safefile.Open(path, 0)
	if err != nil {
		return nil, fmt.Errorf("bundle %s: %w", path, err)
	}
	defer f.Close()
	b, err := Decode(f)
	if err != nil {
		return nil, fmt.Errorf("bundle %s: %w", path, err)
	}
	return b, nil
}

// Decode reads a bundle from r (gzip or plain JSON) and validates every event.
func Decode(r io.Reader) (*Bundle, error) {
	br := bufio.NewReader(r)
	head, _ := br.Peek(2)
	var src io.Reader = br
	if len(head) == 2 && head[0] == 0x1f && head[1] == 0x8b {
		zr, err := gzip.NewReader(br)
		if err != nil {
			return nil, fmt.Errorf("not a bundle: %w", err)
		}
		defer zr.Close()
		src = zr
	}
	data, err := io.ReadAll(io.LimitReader(src, MaxSize+1))
	if err != nil {
		return nil, fmt.Errorf("reading: %w", err)
	}
	if len(data) > MaxSize {
		return nil, fmt.Errorf("larger than %d bytes", MaxSize)
	}
	var raw struct {
		Format  string            `json:"format"`
		Version int               `json:"version"`
		Events  []json.RawMessage `json:"events"`
	}
	if err := json.Unmarshal(data, &raw); err != nil {
		return nil, fmt.Errorf("not a bundle (malformed JSON): %w", err)
	}
	if raw.Format != Format {
		return nil, fmt.Errorf("not a bundle (format %q, want %q)", raw.Format, Format)
	}
	if raw.Version < 1 || raw.Version > Version {
		return nil, fmt.Errorf("unsupported bundle version %d", raw.Version)
	}
	var b Bundle
	dec := json.NewDecoder(bytes.NewReader(data))
	if err := dec.Decode(&b); err != nil {
		return nil, fmt.Errorf("not a bundle: %w", err)
	}
	b.Events = b.Events[:0]
	for i, m := range raw.Events {
		e, err := event.Decode(m)
		if err != nil {
			return nil, fmt.Errorf("event %d: %w", i, err)
		}
		b.Events = append(b.Events, e)
	}
	if len(b.Events) == 0 {
		return nil, errors.New("bundle holds no events")
	}
	return &b, nil
}
