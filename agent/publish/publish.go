package publish

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"sync/atomic"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	"github.com/prometheus/client_golang/prometheus"
	"go.uber.org/zap"

	"github.com/esdoctor/esdoctor/agent/spool"
	"github.com/esdoctor/esdoctor/shared/event"
)

// Options configures a Publisher. Every field is optional.
type Options struct {
	// Logger, named "publish". Default: no logs.
	Logger *zap.Logger
	// AckTimeout bounds one publish and its PubAck. Default 5 s.
	AckTimeout time.Duration
	// Registry receives the metrics. Default: not exported.
	Registry prometheus.Registerer
	// MinBackoff and MaxBackoff bound the wait between retries of a failed
	// publish (doubling, with jitter). Defaults 100 ms and 5 s.
	MinBackoff, MaxBackoff time.Duration
}

// Publisher sends spooled events to JetStream.
type Publisher struct {
	nc  *nats.Conn
	js  jetstream.JetStream
	sp  *spool.Spool
	o   Options
	log *zap.Logger
	m   *metrics

	errs atomic.Int64 // failed publish attempts since New
}

// Errors is the number of failed publish attempts (each retried) since New.
func (p *Publisher) Errors() int64 { return p.errs.Load() }

// New returns a publisher reading sp and publishing over nc.
func New(nc *nats.Conn, sp *spool.Spool, o Options) (*Publisher, error) {
	if nc == nil || sp == nil {
		return nil, errors.New("publish: a NATS connection and a spool are required")
	}
	js, err := jetstream.New(nc)
	if err != nil {
		return nil, fmt.Errorf("publish: jetstream: %w", err)
	}
	if o.AckTimeout <= 0 {
		o.AckTimeout = 5 * time.Second
	}
	if o.MinBackoff <= 0 {
		o.MinBackoff = 100 * time.Millisecond
	}
	if o.MaxBackoff < o.MinBackoff {
		o.MaxBackoff = max(5*time.Second, o.MinBackoff)
	}
	if o.Logger == nil {
		o.Logger = zap.NewNop()
	}
	return &Publisher{nc: nc, js: js, sp: sp, o: o, log: o.Logger.Named("publish"), m: newMetrics(o.Registry)}, nil
}

// Run publishes until ctx ends (then it returns nil) or the spool fails or
// is closed (then it returns that error). Events go out strictly in spool
// order: a failed publish is retried, with backoff, before the next event.
// An event in flight when Run returns is sent again by the next Run.
func (p *Publisher) Run(ctx context.Context) error {
	p.sp.Rewind()
	for {
		seq, e, err := p.sp.Next(ctx)
		if err != nil {
			if ctx.Err() != nil {
				return nil
			}
			return fmt.Errorf("publish: %w", err)
		}
		if err := p.publish(ctx, seq, e); err != nil {
			if ctx.Err() != nil {
				return nil
			}
			return err
		}
	}
}

// publish sends one event until JetStream acknowledges it (or it can
// never be sent), then acknowledges it in the spool.
func (p *Publisher) publish(ctx context.Context, seq uint64, e *event.Envelope) error {
	data, err := event.Encode(e)
	if err != nil {
		return p.drop(seq, e, "encode", err)
	}
	subject := e.Subject()
	failures := 0
	for {
		if err := p.waitConnected(ctx); err != nil {
			return err
		}
		actx, cancel := context.WithTimeout(ctx, p.o.AckTimeout)
		ack, err := p.js.PublishMsg(actx, &nats.Msg{Subject: subject, Data: data}, jetstream.WithMsgID(e.ID))
		cancel()
		if err == nil {
			if ack.Duplicate {
				p.m.duplicates.Inc()
				p.log.Debug("JetStream already had this event", zap.String("id", e.ID), zap.Uint64("seq", seq))
			}
			p.m.published.Inc()
			if failures > 0 {
				p.log.Info("publishing resumed", zap.Int("failed_attempts", failures), zap.String("id", e.ID))
			}
			if err := p.sp.Ack(seq); err != nil {
				return fmt.Errorf("publish: %w", err)
			}
			return nil
		}
		if ctx.Err() != nil {
			return ctx.Err()
		}
		if reason, permanent := permanentError(err); permanent {
			return p.drop(seq, e, reason, err)
		}
		p.m.errors.Inc()
		p.errs.Add(1)
		failures++
		fields := []zap.Field{zap.String("id", e.ID), zap.String("subject", subject), zap.Int("attempt", failures), zap.Error(err)}
		if failures == 1 {
			p.log.Warn("publish failed; retrying the same event until it is stored", fields...)
		} else {
			p.log.Debug("publish failed again", fields...)
		}
		if err := sleep(ctx, p.backoff(failures)); err != nil {
			return err
		}
	}
}

// drop gives up on an event that can never be published, so that it does
// not block every event behind it.
func (p *Publisher) drop(seq uint64, e *event.Envelope, reason string, cause error) error {
	p.m.dropped.WithLabelValues(reason).Inc()
	p.log.Error("event can never be published; dropping it", zap.String("id", e.ID),
		zap.String("kind", string(e.Kind)), zap.String("reason", reason), zap.Error(cause))
	if err := p.sp.Ack(seq); err != nil {
		return fmt.Errorf("publish: %w", err)
	}
	return nil
}

// permanentError tells errors that retrying cannot fix.
func permanentError(err error) (reason string, permanent bool) {
	var apiErr *jetstream.APIError
	switch {
	case errors.Is(err, nats.ErrMaxPayload):
		return "too_large", true
	case errors.As(err, &apiErr) && apiErr.ErrorCode == jetstream.JSErrCodeStreamMessageExceedsMaximum:
		return "too_large", true
	case errors.Is(err, nats.ErrBadSubject):
		return "bad_subject", true
	}
	return "", false
}

// waitConnected returns once nc is connected (publishing while it
// reconnects would only time out), or with ctx's error.
func (p *Publisher) waitConnected(ctx context.Context) error {
	if p.nc.IsConnected() {
		return nil
	}
	p.log.Info("waiting for NATS; events stay in the spool", zap.Int64("spooled_events", p.sp.Pending()))
	t := time.NewTicker(50 * time.Millisecond)
	defer t.Stop()
	for !p.nc.IsConnected() {
		if p.nc.IsClosed() {
			return errors.New("publish: NATS connection closed")
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-t.C:
		}
	}
	return nil
}

// backoff is MinBackoff doubling per failure up to MaxBackoff, with up to
// 50% jitter.
func (p *Publisher) backoff(failures int) time.Duration {
	d := p.o.MinBackoff
	for i := 1; i < failures && d < p.o.MaxBackoff; i++ {
		d *= 2
	}
	d = min(d, p.o.MaxBackoff)
	return d/2 + rand.N(d/2+1)
}

func sleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}
