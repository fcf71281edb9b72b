// Package spool is the agent's on-disk event queue. Every event the agent
// emits is appended here first (fsync'd before Append returns) and leaves
// only when the publisher has a JetStream PubAck for it, so nothing is lost
// while NATS is unreachable, while the agent restarts, or when it is killed.
//
// # Layout
//
// A spool directory holds segment files named after the sequence number of
// their first record (00000000000000000001.seg, ...), an "ack" file with the
// last acknowledged sequence, and a LOCK file. A record is
//
//	length  uint32  big-endian, bytes of payload
//	crc     uint32  CRC-32C of seq and payload
//	seq     uint64  big-endian, strictly increasing
//	payload         the event as event.Encode wrote it
//
// Segments are append-only; one whose records are all acknowledged is
// deleted. On Open every segment is read back: a torn or corrupt record
// (a crash during a write, a bad disk block) is detected by its length or
// CRC, logged, and the segment is cut there. Every record appended before
// the crash and not yet acknowledged is then delivered again, in order.
//
// The ack cursor is written at most every Options.AckInterval (and on
// Close), so after a kill -9 up to that much of already published events is
// sent again. That is harmless: the event id is the Nats-Msg-Id and JetStream
// drops the repeat inside its duplicate window.
//
// # Agent wiring
//
//	sp, err := spool.Open("/var/lib/esdoctor/spool", spool.Options{Logger: log, Registry: reg})
//	if err != nil { return err }
//	defer sp.Close()
//	nc, err := natsx.Connect(cfg.NATSURL, "esdoctor-agent", log)
//	if err != nil { return err }
//	pub, err := publish.New(nc, sp, publish.Options{Logger: log, Registry: reg})
//	if err != nil { return err }
//	go pub.Run(ctx)
//	// collectors:
//	if _, err := sp.Append(ev); errors.Is(err, spool.ErrFull) { /* counted and logged; the event is dropped */ }
package spool
