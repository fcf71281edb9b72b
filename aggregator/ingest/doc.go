// Package ingest feeds the aggregator's store from JetStream. It runs one
// durable pull consumer per stream (ESDOCTOR_EVENTS and ESDOCTOR_STATE), both
// named Options.Durable, with explicit acks from the first message on
// (DeliverAll). Each message is decoded with event.Decode; a malformed one
// (bad JSON, unknown schema version, over event.MaxEventSize, no payload, on
// a subject that does not match its content) is counted in
// esdoctor_ingest_rejected_total{reason}, logged once, and terminated so it is
// never redelivered. A good one is handed to Sink.Apply and acknowledged only
// after Apply returned nil; when Apply fails the message is negatively
// acknowledged with a growing delay and comes back later.
//
// Delivery is at least once: after a crash, a lost ack or a NATS restart an
// event may be delivered again, so the Sink must be idempotent by event id
// (the store keeps the ids it applied). Within one stream events arrive in
// stream order except for redeliveries; snapshots and heartbeats carry their
// own time for the store to keep the newest.
//
// # Aggregator wiring
//
//	s, err := natsx.StartEmbedded(natsx.EmbeddedOptions{StoreDir: filepath.Join(dataDir, "nats"), Logger: log})
//	if err != nil { return err }
//	defer func() { s.Shutdown(); s.WaitForShutdown() }()
//	nc, err := natsx.Connect(s.ClientURL(), "esdoctor-aggregator", log)
//	if err != nil { return err }
//	defer nc.Close()
//	js, err := jetstream.New(nc)
//	if err != nil { return err }
//	if err := natsx.EnsureStreams(ctx, js, 1); err != nil { return err }
//	in, err := ingest.New(js, store, ingest.Options{Logger: log, Registry: reg})
//	if err != nil { return err }
//	return in.Run(ctx) // returns nil when ctx ends
//
// Two aggregators reading the same streams must use different durable names;
// each then receives every event.
package ingest
