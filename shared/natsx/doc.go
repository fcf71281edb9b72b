// Package natsx holds what every esdoctor process needs to talk over NATS:
// the subject layout, the two JetStream streams, an embedded nats-server for
// single-machine installs, and a reconnect-forever client connection.
//
// # Subjects and streams
//
// Every event travels on esdoctor.v1.<kind>.<cluster>.<node>
// (event.Envelope.Subject). Two streams hold them:
//
//   - ESDOCTOR_EVENTS: esdoctor.v1.symptom.>, esdoctor.v1.probe.>,
//     esdoctor.v1.status.> — the history, file storage, kept 14 days.
//   - ESDOCTOR_STATE: esdoctor.v1.snapshot.>, esdoctor.v1.heartbeat.> — only
//     the latest message per subject (MaxMsgsPerSubject 1), i.e. the latest
//     snapshot and heartbeat of every node. A new consumer on this stream
//     rebuilds the whole model after an aggregator restart.
//
// Both streams deduplicate by Nats-Msg-Id (the event id) over a 20 minute
// window, so an agent that crashes after a publish but before recording the
// PubAck re-sends the event and JetStream stores it once.
//
// # Aggregator wiring (single machine)
//
//	s, err := natsx.StartEmbedded(natsx.EmbeddedOptions{StoreDir: dataDir + "/nats", Logger: log})
//	if err != nil { return err }
//	defer func() { s.Shutdown(); s.WaitForShutdown() }()
//	nc, err := natsx.Connect(s.ClientURL(), "esdoctor-aggregator", log)
//	if err != nil { return err }
//	js, err := jetstream.New(nc)
//	if err != nil { return err }
//	if err := natsx.EnsureStreams(ctx, js, 1); err != nil { return err }
//	in, err := ingest.New(js, store, ingest.Options{Logger: log})
//	if err != nil { return err }
//	return in.Run(ctx)
//
// With DontListen the aggregator connects in-process instead:
// nats.Connect("", nats.InProcessServer(s)).
//
// # A 3-node NATS cluster with R3 streams
//
// When a site outgrows one machine it runs three nats-server processes in a
// cluster (each with `jetstream { store_dir: ... }` and a `cluster { routes:
// [...] }` block naming the other two) and points every agent and aggregator
// at all three URLs (natsx.Connect accepts a comma-separated list). The
// aggregator is started with replicas 3, so EnsureStreams creates both
// streams with Replicas: 3: each stream is a Raft group over the three
// servers, a publish is acknowledged (PubAck) only once a majority (2 of 3)
// stored it, and a durable consumer's state (delivered/acked sequences) is
// replicated the same way. One server may be lost or restarted without losing
// an acknowledged event or a consumer position; clients reconnect to another
// server on their own (Connect never stops reconnecting). Deduplication by
// Nats-Msg-Id is done by the stream leader and survives leader changes.
// Several aggregators may read the same streams, each with its own durable
// name (ingest.Options.Durable): each receives every event and builds the
// same model. Aggregators sharing one durable name would instead split the
// events between them, which is never what esdoctor wants. Nothing else in
// the agents or the aggregator changes.
package natsx
