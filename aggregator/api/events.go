package api

import (
	"net/http"
	"sync"
	"time"

	"go.uber.org/zap"
)

// Event types of GET /api/v1/events (Server-Sent Events).
const (
	// EventDiagnosis carries a tracker change: {"change": "opened"|"updated"|"resolved", "reopened", "time", "diagnosis"}.
	EventDiagnosis = "diagnosis"
	// EventAck carries an ack, mute, unack or clear: {"id", "ack": Ack|null, "record"}.
	EventAck = "ack"
	// EventHello is the first message of a stream: {"time"}.
	EventHello = "hello"
)

// subscriberBuffer is how many messages a slow client may lag behind before
// it is disconnected (its EventSource reconnects and reloads).
const subscriberBuffer = 1024

// keepAlive is the interval of SSE comments on an idle stream (proxies
// close silent connections).
const keepAlive = 15 * time.Second

// Broker fans events out to the SSE clients. The zero value is not usable;
// use NewBroker. It is safe for concurrent use.
type Broker struct {
	mu     sync.Mutex
	subs   map[chan []byte]struct{}
	closed bool
}

// NewBroker returns a broker with no clients.
func NewBroker() *Broker { return &Broker{subs: map[chan []byte]struct{}{}} }

// Publish sends an event of type typ with v as JSON data to every client;
// a client that lags more than 1 024 messages is disconnected.
func (b *Broker) Publish(typ string, v any) {
	if b == nil {
		return
	}
	msg, err := encodeEvent(typ, v)
	if err != nil {
		return
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	for ch := range b.subs {
		select {
		case ch <- msg:
		default:
			delete(b.subs, ch)
			close(ch)
		}
	}
}

// Clients is the number of connected clients.
func (b *Broker) Clients() int {
	b.mu.Lock()
	defer b.mu.Unlock()
	return len(b.subs)
}

// Close disconnects every client and refuses new ones (server shutdown).
func (b *Broker) Close() {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.closed = true
	for ch := range b.subs {
		delete(b.subs, ch)
		close(ch)
	}
}

func (b *Broker) subscribe() (chan []byte, bool) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.closed {
		return nil, false
	}
	ch := make(chan []byte, subscriberBuffer)
	b.subs[ch] = struct{}{}
	return ch, true
}

func (b *Broker) unsubscribe(ch chan []byte) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if _, ok := b.subs[ch]; ok {
		delete(b.subs, ch)
		close(ch)
	}
}

// serveEvents streams the broker's events to one client.
func (h *handler) events(w http.ResponseWriter, r *http.Request) {
	if h.broker == nil {
		h.error(w, http.StatusNotFound, "this server has no event stream")
		return
	}
	fl, ok := w.(http.Flusher)
	if !ok {
		h.error(w, http.StatusInternalServerError, "streaming is not supported here")
		return
	}
	ch, ok := h.broker.subscribe()
	if !ok {
		h.error(w, http.StatusServiceUnavailable, "the aggregator is stopping")
		return
	}
	defer h.broker.unsubscribe(ch)
	w.Header().Set("Content-Type", "text/event-stream")
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("X-Accel-Buffering", "no")
	w.WriteHeader(http.StatusOK)
	hello, _ := encodeEvent(EventHello, map[string]any{"time": time.Now().UTC()})
	// retry: how long an EventSource waits before it reconnects.
	if _, err := w.Write(append([]byte("retry: 1000\n\n"), hello...)); err != nil {
		return
	}
	fl.Flush()
	tick := time.NewTicker(keepAlive)
	defer tick.Stop()
	for {
		select {
		case <-r.Context().Done():
			return
		case msg, ok := <-ch:
			if !ok {
				return
			}
			if _, err := w.Write(msg); err != nil {
				h.log.Debug("event stream closed", zap.Error(err))
				return
			}
			// Send what else is queued in the same write burst.
			for n := len(ch); n > 0; n-- {
				if m, ok := <-ch; ok {
					if _, err := w.Write(m); err != nil {
						return
					}
				}
			}
			fl.Flush()
		case <-tick.C:
			if _, err := w.Write([]byte(": keep-alive\n\n")); err != nil {
				return
			}
			fl.Flush()
		}
	}
}
