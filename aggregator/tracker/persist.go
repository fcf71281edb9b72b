package tracker

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/esdoctor/esdoctor/shared/diagnosis"
	"github.com/esdoctor/esdoctor/shared/safefile"
)

// FileFormat and FileVersion name the state file the aggregator keeps in its
// data directory (diagnoses.json), so that first_seen and the resolved
// history survive a restart.
const (
	FileFormat  = "esdoctor-diagnoses"
	FileVersion = 1
	// MaxFileSize bounds a state file read.
	MaxFileSize = 256 << 20
)

type stateFile struct {
	Format    string                `json:"format"`
	Version   int                   `json:"version"`
	SavedAt   time.Time             `json:"saved_at"`
	Diagnoses []diagnosis.Diagnosis `json:"diagnoses"`
}

// Save writes every held diagnosis (open, then resolved) as JSON.
func (t *Tracker) Save(w io.Writer, now time.Time) error {
	f := stateFile{Format: FileFormat, Version: FileVersion, SavedAt: now.UTC(), Diagnoses: t.List(Filter{State: StateAll})}
	enc := json.NewEncoder(w)
	enc.SetIndent("", " ")
	return enc.Encode(&f)
}

// SaveFile writes the state file atomically (temporary file, fsync,
// rename), readable by its owner only.
func (t *Tracker) SaveFile(path string, now time.Time) error {
	var b bytes.Buffer
	if err := t.Save(&b, now); err != nil {
		return fmt.Errorf("tracker state %s: %w", path, err)
	}
	if err := safefile.WriteFile(path, b.Bytes(), 0o600); err != nil {
		return fmt.Errorf("tracker state %s: %w", path, err)
	}
	return nil
}

// Load replaces the held diagnoses with those of a state file read from r;
// name is used in errors. Nothing changes when the input is malformed.
func (t *Tracker) Load(r io.Reader, name string) error {
	b, err := io.ReadAll(io.LimitReader(r, MaxFileSize+1))
	if err != nil {
		return fmt.Errorf("tracker state %s: %w", name, err)
	}
	ds, err := parseState(b)
	if err != nil {
		return fmt.Errorf("tracker state %s: %w", name, err)
	}
	byID := make(map[string]*diagnosis.Diagnosis, len(ds))
	for i := range ds {
		byID[ds[i].ID] = &ds[i]
	}
	t.mu.Lock()
	t.byID = byID
	t.mu.Unlock()
	return nil
}

// LoadFile loads the state file at path. A missing file is not an error
// (first start): it returns false.
func (t *Tracker) LoadFile(path string) (bool, error) {
	f, _, err := safefile.Open(path, MaxFileSize)
	if errors.Is(err, os.ErrNotExist) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("tracker state %s: %w", path, err)
	}
	defer f.Close()
	return true, t.Load(f, path)
}

// parseState decodes and validates a state file.
func parseState(b []byte) ([]diagnosis.Diagnosis, error) {
	if len(b) > MaxFileSize {
		return nil, fmt.Errorf("larger than the %d byte limit", MaxFileSize)
	}
	if len(bytes.TrimSpace(b)) == 0 {
		return nil, errors.New("empty file")
	}
	var f stateFile
	dec := json.NewDecoder(bytes.NewReader(b))
	if err := dec.Decode(&f); err != nil {
		return nil, fmt.Errorf("malformed JSON: %w", err)
	}
	if dec.More() {
		return nil, errors.New("trailing data after the JSON document")
	}
	if f.Format != FileFormat {
		return nil, fmt.Errorf("not an %s file (format %q)", FileFormat, f.Format)
	}
	if f.Version < 1 || f.Version > FileVersion {
		return nil, fmt.Errorf("unsupported version %d (this build reads 1..%d)", f.Version, FileVersion)
	}
	seen := make(map[string]bool, len(f.Diagnoses))
	for i, d := range f.Diagnoses {
		switch {
		case d.ID == "":
			return nil, fmt.Errorf("diagnosis %d: missing id", i)
		case d.Code == "":
			return nil, fmt.Errorf("diagnosis %s: missing code", d.ID)
		case d.State != diagnosis.StateOpen && d.State != diagnosis.StateResolved:
			return nil, fmt.Errorf("diagnosis %s: unknown state %q", d.ID, d.State)
		case d.State == diagnosis.StateResolved && d.ResolvedAt == nil:
			return nil, fmt.Errorf("diagnosis %s: resolved without resolved_at", d.ID)
		case seen[d.ID]:
			return nil, fmt.Errorf("diagnosis %s: listed twice", d.ID)
		}
		seen[d.ID] = true
	}
	return f.Diagnoses, nil
}
