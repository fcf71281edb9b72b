package main

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"sync"
	"sync/atomic"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/esdoctor/esdoctor/shared/event"
)

// maxBehind is the token bucket's depth: an agent that fell further behind
// its schedule skips the missed slots (counted as late) instead of
// bursting.
const maxBehind = time.Second

// loader publishes events as agents do: JetStream, Nats-Msg-Id = event id,
// wait for the PubAck, retry the same event on failure. The simulated
// agents share a few NATS connections (agent i uses connection i mod n).
type loader struct {
	conns []*nats.Conn
	js    []jetstream.JetStream

	published  atomic.Uint64 // stored (acknowledged, not a duplicate)
	duplicates atomic.Uint64 // acknowledged as a duplicate: must stay 0, every id is new
	retries    atomic.Uint64 // failed attempts, retried
	failed     atomic.Uint64 // given up after maxAttempts
	slots      atomic.Uint64 // steady-state slots sent
	late       atomic.Uint64 // slots skipped because the agent was more than maxBehind late
	byKind     [len(kindNames)]atomic.Uint64
}

// kindNames index loader.byKind.
var kindNames = [...]event.Kind{event.KindSnapshot, event.KindSymptom, event.KindHeartbeat}

const maxAttempts = 10

func newLoader(url string, n int) (*loader, error) {
	l := &loader{}
	for i := range n {
		nc, err := nats.Connect(url, append([]nats.Option{nats.Name(fmt.Sprintf("bench-agents-%d", i)), nats.MaxReconnects(-1)}, natsAuth...)...)
		if err != nil {
			l.close()
			return nil, fmt.Errorf("connect to NATS %s: %w", url, err)
		}
		js, err := jetstream.New(nc)
		if err != nil {
			l.close()
			return nil, fmt.Errorf("jetstream: %w", err)
		}
		l.conns = append(l.conns, nc)
		l.js = append(l.js, js)
	}
	return l, nil
}

func (l *loader) close() {
	for _, nc := range l.conns {
		nc.Close()
	}
}

// publish sends one event of agent a until JetStream stores it.
func (l *loader) publish(a *Agent, e *event.Envelope) error {
	data, err := event.Encode(e)
	if err != nil {
		return fmt.Errorf("encode %s: %w", e.ID, err)
	}
	js := l.js[a.Index%len(l.js)]
	msg := &nats.Msg{Subject: e.Subject(), Data: data}
	for attempt := 1; ; attempt++ {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		ack, err := js.PublishMsg(ctx, msg, jetstream.WithMsgID(e.ID))
		cancel()
		if err == nil {
			if ack.Duplicate {
				l.duplicates.Add(1)
			} else {
				l.published.Add(1)
				for i, k := range kindNames {
					if k == e.Kind {
						l.byKind[i].Add(1)
					}
				}
			}
			return nil
		}
		if attempt >= maxAttempts || errors.Is(err, nats.ErrConnectionClosed) {
			l.failed.Add(1)
			return fmt.Errorf("publish %s on %s: %w", e.ID, e.Subject(), err)
		}
		l.retries.Add(1)
		time.Sleep(time.Duration(attempt) * 100 * time.Millisecond)
	}
}

// publishAll sends events with up to workers in flight; it returns the
// first error.
func (l *loader) publishAll(items []agentEvent, workers int) error {
	var wg sync.WaitGroup
	var firstErr error
	var mu sync.Mutex
	ch := make(chan agentEvent)
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for it := range ch {
				if err := l.publish(it.a, it.e); err != nil {
					mu.Lock()
					if firstErr == nil {
						firstErr = err
					}
					mu.Unlock()
				}
			}
		}()
	}
	for _, it := range items {
		ch <- it
	}
	close(ch)
	wg.Wait()
	return firstErr
}

type agentEvent struct {
	a *Agent
	e *event.Envelope
}

// runAgent sends rate events per second for agent a from first (plus a
// random phase) until stop is closed. Each send waits for its PubAck, as
// the real agent's publisher does.
func (l *loader) runAgent(stop <-chan struct{}, f *Fleet, a *Agent, rate float64, first time.Time, seed uint64) {
	rng := rand.New(rand.NewPCG(seed, uint64(a.Index)))
	interval := time.Duration(float64(time.Second) / rate)
	next := first.Add(time.Duration(rng.Int64N(int64(interval))))
	a.nextBeat = next.Add(time.Duration(rng.Int64N(int64(HeartbeatInterval))))
	timer := time.NewTimer(time.Until(next))
	defer timer.Stop()
	for {
		select {
		case <-stop:
			return
		case <-timer.C:
		}
		now := time.Now()
		if behind := now.Sub(next); behind > maxBehind {
			skipped := uint64(behind / interval)
			l.late.Add(skipped)
			next = next.Add(time.Duration(skipped) * interval)
		}
		l.slots.Add(1)
		_ = l.publish(a, a.nextEvent(now, rng, f.Start)) // counted in failed
		next = next.Add(interval)
		timer.Reset(time.Until(next))
	}
}

// kindCount is the number of events of kind k stored so far.
func (l *loader) kindCount(k event.Kind) uint64 {
	for i, x := range kindNames {
		if x == k {
			return l.byKind[i].Load()
		}
	}
	return 0
}
