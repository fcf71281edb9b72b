// Package follow is the agent's loss-free log follower: it follows files,
// directories and globs, survives every way Elasticsearch logs are rotated,
// and delivers each line once, with its exact byte offset, across
// rotations and restarts.
//
// # Using it
//
//	f, err := follow.New(follow.Options{Paths: []string{"/var/log/elasticsearch"}, Positions: "/var/lib/esdoctor/positions.json"})
//	err = f.Run(ctx, func(b *follow.Batch) error { ...; return nil })
//
// Run calls the function with batches of consecutive lines of one source.
// Returning nil acknowledges the batch; only acknowledged positions are
// saved (Batch.Commit lowers the saved position, e.g. to the start of a
// multi-line record still being assembled). When ctx is done Run saves
// the positions and returns; a follower restarted on the same positions
// file resumes exactly where the consumer stopped. After a crash (no
// final save) the lines acknowledged since the last periodic save
// (Options.SaveInterval) are delivered again: at least once, never lost.
//
// # Design
//
// Progress is kept per content ("lineage"), not per path or per inode. A
// lineage is recognised by a signature of its first bytes (up to 1024, as
// Grafana Alloy does) and tied to the file identity (device, inode) that
// carried it last. One carrier per file identity holds the descriptor open
// and reads from the delivered offset, cutting lines itself with exact
// offsets. This makes every rotation a question the follower can answer:
//
//   - rename (log4j's first step, logrotate's create mode): same identity,
//     new name; the carrier goes on. If the new name is outside the
//     followed set, the carrier reads the old file through its descriptor
//     to the end and until it has been quiet for DrainGrace, then closes.
//   - log4j's gzip step: the .gz's decompressed first bytes are those of a
//     lineage. While that lineage is still being read, the .gz waits; if
//     the lineage ended (the plain file was deleted and drained) the .gz is
//     skipped; if not (the plain file vanished while the agent was stopped)
//     the .gz is read from the lineage's delivered offset. A .gz that
//     matches nothing is read once, to its end.
//   - copytruncate: the copy (same first bytes) waits while the original is
//     being read; the original's truncation ends that lineage in it and
//     starts a new one at offset 0; the copy then continues the old lineage
//     from where the original stopped, so lines written before the copy
//     that the reader had not reached are not lost. A copy that ends before
//     that point holds nothing new and is skipped. A copy of content the
//     reader has not even started yet (two truncations behind) waits until
//     the reader notices. Lines written between the end of the copy and the
//     truncate that the reader had not reached exist nowhere any more:
//     that loss is copytruncate's own, and make bench-tail counts it apart.
//   - delete and recreate: the deleted file is drained through its
//     descriptor (its last line is delivered even without "\n"), the new
//     file is new content.
//   - truncation or rewrite under the reader: after every read the file's
//     first bytes are compared with the lineage's; a shrink or a change
//     ends the lineage and reading restarts at 0 (a truncation to a
//     non-zero length that keeps the first bytes is re-read from 0: at
//     least once rather than lost).
//   - rename, truncate or rotate while the agent is stopped: on restart
//     every file is matched by content, so a moved file resumes, a
//     truncated one (different first bytes, or shorter than the delivered
//     offset) starts over, and a new file is read from its start.
//
// Lines: Text excludes the "\n" and one "\r" before it (CRLF files read
// like LF files; Offset/End still count the "\r"); Offset/End are the
// exact bytes on disk. A partial last line is held until its "\n" comes,
// or delivered (NoEOL) when its content can no longer grow and the file
// is the one the content was first read from (in a copy, an unterminated
// tail is where the copy cut a line). A line longer than MaxLineBytes
// (16 MiB) is delivered cut, with Truncated set; binary garbage passes
// through as bytes.
//
// Memory is bounded whatever the input or the backlog: one read buffer
// (64 KiB) and at most one batch (BatchBytes, 128 KiB) per open file, four
// batches queued, and at most two .gz files decompressed at a time.
//
// The consumer may keep state that must match the saved offsets (the
// symptom deduper's open groups): Options.SaveState returns it and it is
// written in the same atomic write; Follower.State hands it back at start.
// An Idle batch tells the consumer that a file has been quiet for
// IdleAfter, a good time to complete a pending multi-line record.
//
// Discovery: fsnotify on the directories gives instant wakeups and
// create/rename/remove events; a full scan runs on every such event, on a
// watcher overflow, when a carrier ends, and every Options.Rescan.
//
// # Why hpcloud/tail is not the data path
//
// github.com/hpcloud/tail (v1.0.0, unmaintained) was the obvious choice and
// is what promtail used. Its reading side cannot meet the 0 lost / 0
// duplicated bar:
//
//   - it lets go of a renamed or deleted file without draining it: on a
//     delete/rename notification it reopens the path at once, and whatever
//     the writer put in the old file after the last read is lost
//     (grafana/loki#7967);
//   - after a truncation it reopens by name, which may by then be another
//     file (a rotation racing the truncate);
//   - its lines carry no offsets and Tell() is the read offset, a line
//     ahead of what the consumer has (the doc comment says it "may lost one
//     line"); a delivered offset cannot be saved;
//   - its polling watcher calls util.Fatal, i.e. os.Exit(1), when stat of
//     the path fails with anything but "not exist" (the directory replaced
//     by a file gives ENOTDIR, a permission change EACCES): one odd file
//     would kill the whole agent;
//   - MaxLineSize splits long lines into several "lines", which breaks
//     line numbers and offsets.
//
// So our carrier owns the data path, and hpcloud/tail is used where it is
// sound: its watch.PollingFileWatcher, behind our changeNotifier
// interface, watches /proc/self/fd/<n> of a duplicate of the carrier's
// descriptor. Pointed at the held descriptor it can never lose the
// identity, never report a false delete, and never reach its util.Fatal
// path; it wakes the carrier when the held inode grows or shrinks, which
// matters most for renamed and deleted files that no longer get fsnotify
// events from their directory. The tests named after each of these bugs
// (guard_test.go) check that they do not happen here.
package follow
