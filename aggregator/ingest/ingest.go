package ingest

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	"github.com/nats-io/nats.go/jetstream"
	"github.com/prometheus/client_golang/prometheus"
	"go.uber.org/zap"

	"github.com/esdoctor/esdoctor/shared/event"
	"github.com/esdoctor/esdoctor/shared/natsx"
)

// DefaultDurable is the consumer name used when Options.Durable is empty.
const DefaultDurable = "esdoctor-aggregator"

// Sink is the aggregator's store. Apply must be idempotent by e.ID: an
// event may be delivered more than once.
type Sink interface {
	Apply(ctx context.Context, e *event.Envelope) error
}

// Options configures an Ingest. Every field is optional.
type Options struct {
	// Durable names the consumers (one per stream). Default
	// "esdoctor-aggregator". Each aggregator reading the same streams
	// needs its own name.
	Durable string
	// Logger, named "ingest". Default: no logs.
	Logger *zap.Logger
	// Registry receives the metrics. Default: not exported.
	Registry prometheus.Registerer
	// AckWait is how long the server waits for an ack before it delivers
	// a message again. Default 30 s.
	AckWait time.Duration
	// MaxDeliver bounds deliveries of a message whose Apply keeps failing;
	// after the last one it is terminated and logged. Default 20; -1 means
	// no limit.
	MaxDeliver int
	// NakDelay is the first redelivery delay after a failed Apply; it grows
	// with each delivery up to 30 s. Default 1 s.
	NakDelay time.Duration
}

// Stats counts what an Ingest did since New.
type Stats struct {
	Received    uint64 // messages delivered to us (including redeliveries)
	Applied     uint64 // Apply succeeded, then the ack was sent (a lost ack brings a redelivery)
	Rejected    uint64 // malformed, terminated
	Redelivered uint64 // deliveries after the first of a message
	ApplyErrors uint64 // Apply failed, negatively acknowledged
}

// Ingest consumes both esdoctor streams into a Sink.
type Ingest struct {
	js      jetstream.JetStream
	sink    Sink
	o       Options
	log     *zap.Logger
	m       *metrics
	streams []string

	received, applied, rejected, redelivered, applyErrors atomic.Uint64
}

// New returns an Ingest reading js into sink.
func New(js jetstream.JetStream, sink Sink, o Options) (*Ingest, error) {
	if js == nil || sink == nil {
		return nil, errors.New("ingest: a JetStream context and a sink are required")
	}
	if o.Durable == "" {
		o.Durable = DefaultDurable
	}
	if o.AckWait <= 0 {
		o.AckWait = 30 * time.Second
	}
	if o.MaxDeliver == 0 {
		o.MaxDeliver = 20
	}
	if o.NakDelay <= 0 {
		o.NakDelay = time.Second
	}
	if o.Logger == nil {
		o.Logger = zap.NewNop()
	}
	return &Ingest{
		js: js, sink: sink, o: o,
		log:     o.Logger.Named("ingest").With(zap.String("durable", o.Durable)),
		m:       newMetrics(o.Registry),
		streams: []string{natsx.StreamEvents, natsx.StreamState},
	}, nil
}

// Stats returns the counters so far.
func (i *Ingest) Stats() Stats {
	return Stats{
		Received:    i.received.Load(),
		Applied:     i.applied.Load(),
		Rejected:    i.rejected.Load(),
		Redelivered: i.redelivered.Load(),
		ApplyErrors: i.applyErrors.Load(),
	}
}

// ConsumerConfig is the durable consumer Run creates on each stream.
func (i *Ingest) ConsumerConfig() jetstream.ConsumerConfig {
	return jetstream.ConsumerConfig{
		Durable:       i.o.Durable,
		Description:   "esdoctor aggregator ingest",
		DeliverPolicy: jetstream.DeliverAllPolicy,
		AckPolicy:     jetstream.AckExplicitPolicy,
		AckWait:       i.o.AckWait,
		MaxDeliver:    i.o.MaxDeliver,
	}
}

// Run consumes until ctx ends, then stops the consumers (unacknowledged
// messages are delivered again, to this durable, later) and returns nil.
// It keeps trying while the streams or the server are not there yet.
func (i *Ingest) Run(ctx context.Context) error {
	var wg sync.WaitGroup
	for _, stream := range i.streams {
		wg.Add(1)
		go func() {
			defer wg.Done()
			i.consume(ctx, stream)
		}()
	}
	wg.Wait()
	return nil
}

// consume keeps one durable consumer running on stream until ctx ends,
// re-creating it when it goes away (stream re-created, consumer deleted).
func (i *Ingest) consume(ctx context.Context, stream string) {
	log := i.log.With(zap.String("stream", stream))
	failures := 0
	for ctx.Err() == nil {
		cons, err := i.js.CreateOrUpdateConsumer(ctx, stream, i.ConsumerConfig())
		if err != nil {
			if ctx.Err() != nil {
				return
			}
			failures++
			if failures == 1 {
				log.Warn("cannot create the durable consumer; retrying", zap.Error(err))
			}
			sleep(ctx, backoff(failures))
			continue
		}
		cc, err := cons.Consume(func(m jetstream.Msg) { i.handle(ctx, log, m) },
			jetstream.ConsumeErrHandler(func(_ jetstream.ConsumeContext, err error) {
				log.Debug("consume", zap.Error(err))
			}))
		if err != nil {
			failures++
			log.Warn("cannot consume; retrying", zap.Error(err))
			sleep(ctx, backoff(failures))
			continue
		}
		if failures > 0 {
			log.Info("consuming", zap.Int("failed_attempts", failures))
		}
		failures = 0
		select {
		case <-ctx.Done():
			cc.Stop()
			select { // let the message in hand finish
			case <-cc.Closed():
			case <-time.After(5 * time.Second):
			}
			return
		case <-cc.Closed():
			log.Warn("consumer stopped; re-creating it")
			sleep(ctx, backoff(1))
		}
	}
}

// handle processes one message: reject, apply+ack, or nak.
func (i *Ingest) handle(ctx context.Context, log *zap.Logger, m jetstream.Msg) {
	i.received.Add(1)
	i.m.received.Inc()
	var delivered uint64 = 1
	var streamSeq uint64
	if md, err := m.Metadata(); err == nil {
		delivered, streamSeq = md.NumDelivered, md.Sequence.Stream
	}
	if delivered > 1 {
		i.redelivered.Add(1)
		i.m.redelivered.Inc()
	}
	e, reason, err := decode(m.Subject(), m.Data())
	if err != nil {
		i.rejected.Add(1)
		i.m.rejected.WithLabelValues(reason).Inc()
		log.Warn("rejected a malformed event", zap.String("subject", m.Subject()), zap.Uint64("stream_seq", streamSeq),
			zap.Int("bytes", len(m.Data())), zap.String("reason", reason), zap.Error(err))
		if terr := m.TermWithReason("esdoctor: " + reason); terr != nil {
			log.Debug("term failed; the message will come back and be rejected again", zap.Error(terr))
		}
		return
	}
	if ce := log.Check(zap.DebugLevel, "event"); ce != nil {
		ce.Write(zap.String("kind", string(e.Kind)), zap.String("cluster", e.Cluster), zap.String("node", e.Node),
			zap.String("id", e.ID), zap.Uint64("stream_seq", streamSeq))
	}
	if err := i.sink.Apply(ctx, e); err != nil {
		i.applyErrors.Add(1)
		i.m.applyErrors.Inc()
		if ctx.Err() != nil {
			_ = m.Nak() // shutting down: hand it back at once
			return
		}
		fields := []zap.Field{zap.String("id", e.ID), zap.String("subject", m.Subject()),
			zap.Uint64("delivery", delivered), zap.Error(err)}
		if i.o.MaxDeliver > 0 && delivered >= uint64(i.o.MaxDeliver) {
			log.Error("store keeps failing on this event; giving up on it", fields...)
			_ = m.TermWithReason("esdoctor: apply failed")
			return
		}
		log.Warn("store failed to apply an event; it will be redelivered", fields...)
		_ = m.NakWithDelay(i.nakDelay(delivered))
		return
	}
	if err := m.Ack(); err != nil {
		// Applied but not acknowledged: it comes back and the store
		// recognises its id.
		log.Warn("ack failed; the event will be delivered again", zap.String("id", e.ID), zap.Error(err))
	}
	i.applied.Add(1)
	i.m.applied.Inc()
}

// nakDelay grows with the delivery count, up to 30 s.
func (i *Ingest) nakDelay(delivered uint64) time.Duration {
	d := i.o.NakDelay
	for n := uint64(1); n < delivered && d < 30*time.Second; n++ {
		d *= 2
	}
	return min(d, 30*time.Second)
}

func backoff(failures int) time.Duration {
	d := 200 * time.Millisecond
	for n := 1; n < failures && d < 5*time.Second; n++ {
		d *= 2
	}
	return min(d, 5*time.Second)
}

func sleep(ctx context.Context, d time.Duration) {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
	case <-t.C:
	}
}

// String describes the counters, for logs and tests.
func (s Stats) String() string {
	return fmt.Sprintf("received %d, applied %d, rejected %d, redelivered %d, apply errors %d",
		s.Received, s.Applied, s.Rejected, s.Redelivered, s.ApplyErrors)
}
