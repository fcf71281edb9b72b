package follow

// Line is one line of a followed file.
type Line struct {
	// Offset is the byte offset of the line's first byte. End is the offset
	// just past its "\n" (or, for a last line without one, NoEOL, the end
	// of the file). For a .gz file both are offsets in the decompressed
	// stream. End-Offset is the line's length on disk, whatever Text holds.
	Offset, End int64
	// Number is the 1-based line number in the file's content.
	Number int64
	// Text is the line without its "\n" and without one "\r" right before
	// it (so CRLF files read like LF files; every other byte, binary
	// garbage included, is kept as is). It is capped at
	// Options.MaxLineBytes; Truncated is then set.
	Text string
	// Truncated is set when the line was longer than Options.MaxLineBytes
	// and Text holds only its first MaxLineBytes bytes.
	Truncated bool
	// NoEOL is set on a last line that had no "\n": it is delivered only
	// when the content can no longer grow (a deleted file drained through
	// its open descriptor, a .gz read to its end).
	NoEOL bool
}

// Source names the content a batch comes from.
type Source struct {
	// ID is stable for the same content across renames, copies (.gz,
	// copytruncate) and restarts; use it to key per-file state.
	ID string
	// Path is the file the lines were read from (the .gz path for a
	// rotated file read compressed).
	Path string
	// Gzip is true when Path is a gzip-compressed file.
	Gzip bool
}

// Batch is a run of consecutive lines of one source, handed to the
// consumer. The consumer acknowledges it by returning nil; only then does
// the position advance, to the end of the batch or to the offset given to
// Commit.
type Batch struct {
	Source Source
	Lines  []Line
	// Final is set on the last batch of a source in this run (the file was
	// deleted, renamed away, truncated, or a .gz was read to its end). It may
	// hold no lines. Flush any per-source state (a pending multi-line
	// record) on it.
	Final bool
	// Reason says why a Final batch ends its source: "deleted", "gone",
	// "truncated", "gzip-end", "gzip-incomplete", "read-error".
	Reason string
	// Idle is set on a batch without lines sent when the source has had
	// nothing new for Options.IdleAfter: a good time to complete a pending
	// record (Elasticsearch writes a record's lines at once). Only whole
	// lines were delivered before it.
	Idle bool

	lin                   *lineage
	ended                 bool // the content is complete: copies are never read
	startOff, startLine   int64
	endOff, endLine       int64
	commitOff, commitLine int64
}

// Start returns the offset and the line count at the start of the batch
// (where the previous batch of this source ended).
func (b *Batch) Start() (offset, lines int64) { return b.startOff, b.startLine }

// End returns the offset and the line count after the batch's last line.
func (b *Batch) End() (offset, lines int64) { return b.endOff, b.endLine }

// Commit sets the position that is saved once the batch is acknowledged:
// the content before offset, holding lines lines, is fully handled. By
// default it is End(). A consumer that holds lines back (a multi-line
// record not yet complete) commits the start of what it holds, so that
// after a restart those lines are read again. Offset must be at a line
// start; values past End() are clamped to it.
func (b *Batch) Commit(offset, lines int64) {
	if offset > b.endOff || offset < 0 {
		offset, lines = b.endOff, b.endLine
	}
	b.commitOff, b.commitLine = offset, lines
}
