// Package publish moves events from the agent's disk spool to JetStream,
// one at a time and in order: spool.Next, publish on event.Subject() with
// the event id as Nats-Msg-Id, and spool.Ack only after the PubAck. A failed
// publish is retried (same event, same id) with backoff; while NATS is
// unreachable the publisher waits and the spool keeps filling. Because the
// id is the Nats-Msg-Id, an event sent again after a crash (published but not
// yet acknowledged in the spool) is stored once by JetStream.
//
// # Agent wiring
//
//	sp, err := spool.Open(cfg.SpoolDir, spool.Options{Logger: log, Registry: reg})
//	if err != nil { return err }
//	defer sp.Close()
//	nc, err := natsx.Connect(cfg.NATSURL, "esdoctor-agent "+node, log) // reconnects forever
//	if err != nil { return err }
//	defer nc.Close()
//	pub, err := publish.New(nc, sp, publish.Options{Logger: log, Registry: reg})
//	if err != nil { return err }
//	go func() { _ = pub.Run(ctx) }() // returns nil when ctx ends
//	// every collector: sp.Append(ev)
package publish
