package spool

import (
	"bufio"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
)

const segmentExt = ".seg"

// segment is one append-only file of records.
type segment struct {
	path  string
	first uint64 // sequence in the file name
	last  uint64 // sequence of the last record, 0 while empty
	size  int64  // bytes written
	// synced is the prefix known to be on disk (fsync'd); readers never go
	// past it.
	synced int64
	// w is open while records may still be appended or the file still
	// needs an fsync; only the syncer closes a sealed segment's w.
	w *os.File
}

func segmentName(first uint64) string {
	return fmt.Sprintf("%020d%s", first, segmentExt)
}

// listSegments returns the segment files in dir ordered by first sequence.
func listSegments(dir string) ([]*segment, error) {
	ents, err := os.ReadDir(dir)
	if err != nil {
		return nil, fmt.Errorf("spool %s: %w", dir, err)
	}
	var segs []*segment
	for _, de := range ents {
		name := de.Name()
		if !de.Type().IsRegular() || !strings.HasSuffix(name, segmentExt) {
			continue
		}
		first, err := strconv.ParseUint(strings.TrimSuffix(name, segmentExt), 10, 64)
		if err != nil {
			continue // not ours
		}
		segs = append(segs, &segment{path: filepath.Join(dir, name), first: first})
	}
	slices.SortFunc(segs, func(a, b *segment) int {
		switch {
		case a.first < b.first:
			return -1
		case a.first > b.first:
			return 1
		}
		return 0
	})
	return segs, nil
}

// scanResult is what reading a whole segment found.
type scanResult struct {
	valid   int64  // bytes of well-formed records from the start
	records int    // how many
	last    uint64 // sequence of the last good record
	pending int64  // records with a sequence above the ack cursor
	damage  error  // the format error that ended the scan early, if any
}

// scanSegment reads every record of path. Records must have sequences above
// after. Format damage ends the scan (reported in damage); an I/O error is
// returned.
func scanSegment(path string, after, acked uint64) (scanResult, error) {
	var res scanResult
	f, err := os.Open(path)
	if err != nil {
		return res, fmt.Errorf("spool segment %s: %w", path, err)
	}
	defer f.Close()
	r := bufio.NewReaderSize(f, 256<<10)
	prev := after
	for {
		seq, _, n, err := readRecord(r)
		if err == io.EOF {
			return res, nil
		}
		if err != nil {
			if isFormatError(err) {
				res.damage = err
				return res, nil
			}
			return res, fmt.Errorf("spool segment %s at offset %d: %w", path, res.valid, err)
		}
		if seq <= prev {
			res.damage = fmt.Errorf("%w: sequence %d does not follow %d", errCorrupt, seq, prev)
			return res, nil
		}
		prev = seq
		res.valid += n
		res.records++
		res.last = seq
		if seq > acked {
			res.pending++
		}
	}
}

// syncDir makes created or removed directory entries durable.
func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	defer d.Close()
	return d.Sync()
}
