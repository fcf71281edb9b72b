// Package ingesttest provides an in-memory ingest.Sink for tests: idempotent
// by event id like the real store, and counting the deliveries it saw
// twice.
package ingesttest

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/esdoctor/esdoctor/shared/event"
)

// Sink stores events by id. Its zero value is ready to use.
type Sink struct {
	// Fail, when set, is asked before each apply; its error is returned
	// (the event is not stored).
	Fail func(e *event.Envelope) error
	// OnApply, when set, is called after an event was stored for the
	// first time, with the number of distinct events so far.
	OnApply func(unique int)

	mu         sync.Mutex
	byID       map[string]*event.Envelope
	order      []*event.Envelope
	deliveries int
}

// Apply stores e unless its id is known. It honours ctx like a real store.
func (s *Sink) Apply(ctx context.Context, e *event.Envelope) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if s.Fail != nil {
		if err := s.Fail(e); err != nil {
			return err
		}
	}
	s.mu.Lock()
	s.deliveries++
	if s.byID == nil {
		s.byID = map[string]*event.Envelope{}
	}
	if _, dup := s.byID[e.ID]; dup {
		s.mu.Unlock()
		return nil
	}
	s.byID[e.ID] = e
	s.order = append(s.order, e)
	n := len(s.order)
	s.mu.Unlock()
	if s.OnApply != nil {
		s.OnApply(n)
	}
	return nil
}

// Unique is the number of distinct events stored.
func (s *Sink) Unique() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.order)
}

// Duplicates is how many applies carried an id already stored
// (duplicates by delivery, which the id makes harmless).
func (s *Sink) Duplicates() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.deliveries - len(s.order)
}

// Events returns the distinct events in the order they were first applied.
func (s *Sink) Events() []*event.Envelope {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]*event.Envelope(nil), s.order...)
}

// Get returns the event stored under id.
func (s *Sink) Get(id string) (*event.Envelope, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	e, ok := s.byID[id]
	return e, ok
}

// WaitUnique waits until n distinct events are stored, failing the test
// after timeout.
func (s *Sink) WaitUnique(t testing.TB, n int, timeout time.Duration) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for s.Unique() < n {
		if time.Now().After(deadline) {
			t.Fatalf("sink holds %d distinct events after %v, want %d", s.Unique(), timeout, n)
		}
		time.Sleep(10 * time.Millisecond)
	}
}
