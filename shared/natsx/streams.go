package natsx

import (
	"context"
	"fmt"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/esdoctor/esdoctor/shared/event"
)

// Stream names.
const (
	// StreamEvents holds symptoms, probe results and agent status: the
	// history, kept EventsMaxAge.
	StreamEvents = "ESDOCTOR_EVENTS"
	// StreamState holds the latest snapshot and heartbeat of every node
	// (one message per subject).
	StreamState = "ESDOCTOR_STATE"
)

// SubjectPrefix starts every esdoctor subject; the version is part of it so
// that a future wire format can live beside this one.
const SubjectPrefix = "esdoctor.v1"

// DuplicateWindow is how long both streams remember a Nats-Msg-Id. It
// covers an agent re-sending what it published just before it crashed (its
// spool acks lag by at most 100 ms); the aggregator's store also drops a
// repeated event id it applied recently. JetStream keeps ~95 bytes per
// message for the window, so at 10 000 events/s a 20-minute window would
// cost over 1 GB of the server's memory; 2 minutes costs ~110 MB.
const DuplicateWindow = 2 * time.Minute

// EventsMaxAge is how long ESDOCTOR_EVENTS keeps a message.
const EventsMaxAge = 14 * 24 * time.Hour

// KindSubjects is the wildcard subject of every event of one kind,
// esdoctor.v1.<kind>.>.
func KindSubjects(k event.Kind) string {
	return SubjectPrefix + "." + string(k) + ".>"
}

// StreamFor names the stream that stores events of kind k.
func StreamFor(k event.Kind) string {
	switch k {
	case event.KindSnapshot, event.KindHeartbeat:
		return StreamState
	default:
		return StreamEvents
	}
}

func subjectsOf(stream string) []string {
	var subs []string
	for _, k := range event.Kinds {
		if StreamFor(k) == stream {
			subs = append(subs, KindSubjects(k))
		}
	}
	return subs
}

// EventsStreamConfig is the configuration of ESDOCTOR_EVENTS.
func EventsStreamConfig(replicas int) jetstream.StreamConfig {
	return jetstream.StreamConfig{
		Name:        StreamEvents,
		Description: "esdoctor symptoms, probe results and agent status",
		Subjects:    subjectsOf(StreamEvents),
		Retention:   jetstream.LimitsPolicy,
		Storage:     jetstream.FileStorage,
		Discard:     jetstream.DiscardOld,
		MaxAge:      EventsMaxAge,
		Duplicates:  DuplicateWindow,
		Replicas:    replicas,
	}
}

// StateStreamConfig is the configuration of ESDOCTOR_STATE: the latest
// message per subject, that is per node and kind.
func StateStreamConfig(replicas int) jetstream.StreamConfig {
	return jetstream.StreamConfig{
		Name:              StreamState,
		Description:       "esdoctor latest snapshot and heartbeat of every node",
		Subjects:          subjectsOf(StreamState),
		Retention:         jetstream.LimitsPolicy,
		Storage:           jetstream.FileStorage,
		Discard:           jetstream.DiscardOld,
		MaxMsgsPerSubject: 1,
		Duplicates:        DuplicateWindow,
		Replicas:          replicas,
	}
}

// EnsureStreams creates both streams, or updates them to this build's
// configuration. replicas is 1 (one server) or 3 (a three-node cluster).
func EnsureStreams(ctx context.Context, js jetstream.JetStream, replicas int) error {
	if replicas != 1 && replicas != 3 {
		return fmt.Errorf("natsx: stream replicas must be 1 or 3, not %d", replicas)
	}
	for _, cfg := range []jetstream.StreamConfig{EventsStreamConfig(replicas), StateStreamConfig(replicas)} {
		if _, err := js.CreateOrUpdateStream(ctx, cfg); err != nil {
			return fmt.Errorf("natsx: stream %s: %w", cfg.Name, err)
		}
	}
	return nil
}
