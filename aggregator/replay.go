package aggregator

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/nats-io/nats.go/jetstream"
	"go.uber.org/zap"

	"github.com/esdoctor/esdoctor/shared/event"
	"github.com/esdoctor/esdoctor/shared/natsx"
)

// streams are the streams the aggregator reads.
var streams = []string{natsx.StreamEvents, natsx.StreamState}

// replayBatch is the number of messages fetched at once by the rebuild.
const replayBatch = 512

// rebuild refills the in-memory store after a restart: for each stream
// whose durable consumer exists, it reads the stream from its first message
// to its last one (an ordered, ephemeral consumer). The durable then
// delivers what it had not seen acknowledged, and what comes later; events
// the rebuild applied already are recognised by id. It returns the streams
// whose durable consumer did not exist yet (the first start with this
// durable name): the durable will deliver everything there.
func (a *Aggregator) rebuild(ctx context.Context, js jetstream.JetStream) ([]string, error) {
	start := time.Now()
	var total uint64
	var fresh []string
	for _, stream := range streams {
		n, existed, err := a.replayStream(ctx, js, stream)
		total += n
		if err != nil {
			return nil, fmt.Errorf("aggregator: rebuilding the model from %s: %w", stream, err)
		}
		if !existed {
			fresh = append(fresh, stream)
		}
	}
	if total > 0 {
		a.log.Info("model rebuilt from the streams", zap.Uint64("events", total), zap.Duration("took", time.Since(start)))
	}
	return fresh, nil
}

func (a *Aggregator) replayStream(ctx context.Context, js jetstream.JetStream, stream string) (applied uint64, existed bool, err error) {
	if _, err := js.Consumer(ctx, stream, a.o.Durable); errors.Is(err, jetstream.ErrConsumerNotFound) {
		return 0, false, nil
	} else if err != nil {
		return 0, false, err
	}
	st, err := js.Stream(ctx, stream)
	if err != nil {
		return 0, true, err
	}
	state := st.CachedInfo().State
	upTo := state.LastSeq
	if state.Msgs == 0 {
		return 0, true, nil
	}
	// remaining is exact unless messages were deleted in between, so a
	// fetch asks for no more than there is and does not wait for more.
	remaining := min(state.Msgs, upTo-state.FirstSeq+1)
	oc, err := js.OrderedConsumer(ctx, stream, jetstream.OrderedConsumerConfig{DeliverPolicy: jetstream.DeliverAllPolicy})
	if err != nil {
		return 0, true, err
	}
	defer func() {
		if name := oc.CachedInfo().Name; name != "" {
			dctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
			_ = js.DeleteConsumer(dctx, stream, name)
			cancel()
		}
	}()
	for {
		if err := ctx.Err(); err != nil {
			return applied, true, err
		}
		batch, err := oc.Fetch(int(min(remaining, replayBatch)), jetstream.FetchMaxWait(2*time.Second))
		if err != nil {
			return applied, true, err
		}
		got, done := 0, false
		for m := range batch.Messages() {
			got++
			md, err := m.Metadata()
			if err != nil {
				continue
			}
			if md.Sequence.Stream > upTo {
				done = true
				continue
			}
			remaining = min(md.NumPending, upTo-md.Sequence.Stream)
			if e, err := event.Decode(m.Data()); err == nil && e.Subject() == m.Subject() {
				if err := a.store.Apply(ctx, e); err == nil {
					applied++
					a.replayed.Add(1)
				}
			} // a malformed message was rejected and counted by the ingest when it first came
			if md.Sequence.Stream >= upTo || md.NumPending == 0 {
				done = true
			}
		}
		if err := batch.Error(); err != nil && !errors.Is(err, jetstream.ErrNoMessages) && !errors.Is(err, context.DeadlineExceeded) {
			return applied, true, err
		}
		if done || got == 0 || remaining == 0 {
			return applied, true, nil
		}
	}
}

// waitCaughtUp waits until the new durable consumers of the fresh streams
// have delivered everything and seen it acknowledged (or CatchUpTimeout
// passed), so that the first evaluation sees the whole model. A new
// consumer has nothing in flight from an earlier run, so "nothing pending,
// nothing unacknowledged" means every message was applied.
func (a *Aggregator) waitCaughtUp(ctx context.Context, js jetstream.JetStream, fresh []string) {
	if len(fresh) == 0 {
		return
	}
	deadline := time.Now().Add(a.o.CatchUpTimeout)
	for ctx.Err() == nil {
		pending, err := a.pending(ctx, js, fresh)
		if err == nil && pending == 0 {
			return
		}
		if time.Now().After(deadline) {
			a.log.Warn("the durable consumers did not catch up in time; evaluating what is there",
				zap.Duration("waited", a.o.CatchUpTimeout), zap.Uint64("pending", pending), zap.Error(err))
			return
		}
		sleep(ctx, 50*time.Millisecond)
	}
}

// pending is the number of messages the durable consumers on streams have
// not yet delivered or not yet seen acknowledged.
func (a *Aggregator) pending(ctx context.Context, js jetstream.JetStream, streams []string) (uint64, error) {
	var n uint64
	for _, stream := range streams {
		cctx, cancel := context.WithTimeout(ctx, 2*time.Second)
		cons, err := js.Consumer(cctx, stream, a.o.Durable)
		cancel()
		if err != nil {
			return 0, err // not created yet by the ingest
		}
		info := cons.CachedInfo()
		n += info.NumPending + uint64(info.NumAckPending)
	}
	return n, nil
}
