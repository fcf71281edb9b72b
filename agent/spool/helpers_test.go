package spool

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	dto "github.com/prometheus/client_model/go"
	"go.uber.org/zap"
	"go.uber.org/zap/zaptest/observer"

	"github.com/esdoctor/esdoctor/shared/event"
)

// testEvent is symptom number i of node n.
func testEvent(node string, i int) *event.Envelope {
	t0 := time.Date(2024, 5, 1, 12, 0, 0, 0, time.UTC).Add(time.Duration(i) * time.Second)
	return &event.Envelope{
		ID:      event.HashID(node, fmt.Sprint(i)),
		Kind:    event.KindSymptom,
		Cluster: "local",
		Node:    node,
		Time:    t0,
		Symptom: &event.Symptom{
			Symptom: "connect-exception", Time: t0, File: "/var/log/elasticsearch/local.log",
			Line: int64(i + 1), Offset: int64(i * 100), Count: 1, Text: fmt.Sprintf("line %d", i),
			Fields: map[string]string{"n": fmt.Sprint(i)},
		},
	}
}

// number is the i testEvent was made from.
func number(t testing.TB, e *event.Envelope) int {
	t.Helper()
	var i int
	if _, err := fmt.Sscan(e.Symptom.Fields["n"], &i); err != nil {
		t.Fatalf("event %s has no number: %v", e.ID, err)
	}
	return i
}

func observed() (*zap.Logger, *observer.ObservedLogs) {
	core, logs := observer.New(zap.DebugLevel)
	return zap.New(core), logs
}

func mustOpen(t testing.TB, dir string, o Options) *Spool {
	t.Helper()
	s, err := Open(dir, o)
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

func appendN(t testing.TB, s *Spool, node string, from, to int) {
	t.Helper()
	for i := from; i < to; i++ {
		if _, err := s.Append(testEvent(node, i)); err != nil {
			t.Fatalf("Append %d: %v", i, err)
		}
	}
}

// next reads one event or fails after a few seconds.
func next(t testing.TB, s *Spool) (uint64, *event.Envelope) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	seq, e, err := s.Next(ctx)
	if err != nil {
		t.Fatalf("Next: %v", err)
	}
	return seq, e
}

// drain reads (and acks, if ack) until nothing more is ready.
func drain(t testing.TB, s *Spool, ack bool) []int {
	t.Helper()
	var got []int
	for {
		ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
		seq, e, err := s.Next(ctx)
		cancel()
		if err != nil {
			return got
		}
		got = append(got, number(t, e))
		if ack {
			if err := s.Ack(seq); err != nil {
				t.Fatalf("Ack %d: %v", seq, err)
			}
		}
	}
}

// crash simulates kill -9: descriptors go away, nothing is flushed, the
// ack cursor is not written.
func (s *Spool) crash() {
	s.mu.Lock()
	s.closed = true
	s.closeFiles()
	close(s.changed)
	s.mu.Unlock()
	close(s.flushStop)
	<-s.flushDone
	s.lock.Close()
}

func segFiles(t testing.TB, dir string) []string {
	t.Helper()
	m, err := filepath.Glob(filepath.Join(dir, "*"+segmentExt))
	if err != nil {
		t.Fatal(err)
	}
	sort.Strings(m)
	return m
}

func lastSegment(t testing.TB, dir string) string {
	t.Helper()
	m := segFiles(t, dir)
	if len(m) == 0 {
		t.Fatal("no segment files")
	}
	return m[len(m)-1]
}

func appendBytes(t testing.TB, path string, b []byte) {
	t.Helper()
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_APPEND, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if _, err := f.Write(b); err != nil {
		t.Fatal(err)
	}
}

func seq(from, to int) []int {
	var s []int
	for i := from; i < to; i++ {
		s = append(s, i)
	}
	return s
}

// metricValue reads a counter or gauge.
func metricValue(t testing.TB, m prometheus.Metric) float64 {
	t.Helper()
	var d dto.Metric
	if err := m.Write(&d); err != nil {
		t.Fatal(err)
	}
	switch {
	case d.Counter != nil:
		return d.Counter.GetValue()
	case d.Gauge != nil:
		return d.Gauge.GetValue()
	}
	t.Fatalf("metric is neither counter nor gauge")
	return 0
}

func registered(t testing.TB, g prometheus.Gatherer, name string) bool {
	t.Helper()
	mfs, err := g.Gather()
	if err != nil {
		t.Fatal(err)
	}
	for _, mf := range mfs {
		if mf.GetName() == name {
			return true
		}
	}
	return false
}
