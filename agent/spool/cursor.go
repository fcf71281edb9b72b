package spool

import (
	"errors"
	"fmt"
	"io/fs"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/esdoctor/esdoctor/shared/safefile"
)

const cursorFile = "ack"

// readCursor returns the last acknowledged sequence stored in dir (0 when
// there is none yet).
func readCursor(dir string) (uint64, error) {
	path := filepath.Join(dir, cursorFile)
	b, err := safefile.ReadFile(path, 4096)
	if errors.Is(err, fs.ErrNotExist) {
		return 0, nil
	}
	if err != nil {
		return 0, fmt.Errorf("spool ack cursor %s: %w", path, err)
	}
	s := strings.TrimSpace(string(b))
	v, err := strconv.ParseUint(s, 10, 64)
	if err != nil {
		return 0, fmt.Errorf("spool ack cursor %s: not a sequence number: %q", path, truncate(s, 40))
	}
	return v, nil
}

// writeCursor stores seq atomically (temp file, fsync, rename).
func writeCursor(dir string, seq uint64) error {
	path := filepath.Join(dir, cursorFile)
	if err := safefile.WriteFile(path, []byte(strconv.FormatUint(seq, 10)+"\n"), 0o600); err != nil {
		return fmt.Errorf("spool ack cursor %s: %w", path, err)
	}
	return nil
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "..."
}
