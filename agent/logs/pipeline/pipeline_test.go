package pipeline

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/esdoctor/esdoctor/shared/event"
)

// collector is an Emit that records what it gets.
type collector struct {
	mu  sync.Mutex
	got []event.Symptom
}

func (c *collector) emit(ss []event.Symptom) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.got = append(c.got, ss...)
	return nil
}

func (c *collector) all() []event.Symptom {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]event.Symptom(nil), c.got...)
}

func stamp() string {
	return strings.Replace(time.Now().UTC().Format("2006-01-02T15:04:05.000"), ".", ",", 1)
}

// connectRecord is one plain record: the header and, on the lines after
// it, the exception that carries the address.
func connectRecord(addr string) string {
	return "[" + stamp() + "][WARN ][o.e.t.SniffConnectionStrategy] [node-1] fetching nodes from external cluster [remote1] failed\n" +
		"org.elasticsearch.transport.ConnectTransportException: [][" + addr + "] connect_exception\n" +
		"\tat org.elasticsearch.transport.TcpTransport.openConnection(TcpTransport.java:1)\n" +
		"\tat org.elasticsearch.transport.ClusterConnectionManager.connectToNode(ClusterConnectionManager.java:2)\n"
}

func infoLine(msg string) string {
	return "[" + stamp() + "][INFO ][o.e.c.s.ClusterApplierService] [node-1] " + msg + "\n"
}

func write(t *testing.T, path, s string) {
	t.Helper()
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o644)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if _, err := f.WriteString(s); err != nil { // one write, as log4j does
		t.Fatal(err)
	}
}

func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func start(t *testing.T, o Options) (*collector, func()) {
	t.Helper()
	c := &collector{}
	o.Emit = c.emit
	p, err := New(o)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- p.Run(ctx) }()
	<-p.Ready()
	return c, func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("Run: %v", err)
		}
	}
}

// The last record of a file is complete when the file goes quiet: it is
// emitted without waiting for a later line, with its stack trace joined
// (the address is on the second line), and the next record is its own.
func TestLastRecordCompletesWhenQuiet(t *testing.T) {
	dir := t.TempDir()
	log := filepath.Join(dir, "prod.log")
	write(t, log, infoLine("started"))
	c, stop := start(t, Options{Paths: []string{dir}, Location: time.UTC})
	defer stop()
	write(t, log, connectRecord("10.0.0.3:9301"))
	waitFor(t, "the record's symptom with no line after it", func() bool { return len(c.all()) == 1 })
	s := c.all()[0]
	if s.Symptom != "connect-exception" || s.Fields["address"] != "10.0.0.3:9301" || s.Line != 2 {
		t.Fatalf("symptom %+v: want connect-exception at line 2 with the address of its stack trace", s)
	}
	write(t, log, connectRecord("10.0.0.4:9301")+infoLine("after"))
	waitFor(t, "the second record", func() bool { return len(c.all()) == 2 })
	if s := c.all()[1]; s.Fields["address"] != "10.0.0.4:9301" || s.Line != 6 {
		t.Fatalf("second symptom %+v", s)
	}
	time.Sleep(300 * time.Millisecond)
	if n := len(c.all()); n != 2 {
		t.Fatalf("%d symptoms: a stack trace line was split off as a record of its own: %+v", n, c.all())
	}
}

// Repeats are counted and emitted on the timer, never held until an
// unrelated line arrives; the first occurrence is emitted at once.
func TestRepeatsSurfaceOnTimer(t *testing.T) {
	dir := t.TempDir()
	log := filepath.Join(dir, "prod.log")
	reg := prometheus.NewRegistry()
	c, stop := start(t, Options{Paths: []string{dir}, Location: time.UTC, Window: time.Hour, RepeatFlush: 300 * time.Millisecond, Registry: reg})
	defer stop()
	write(t, log, connectRecord("10.0.0.1:9301"))
	waitFor(t, "the first occurrence", func() bool { return len(c.all()) == 1 })
	write(t, log, connectRecord("10.0.0.1:9301")+connectRecord("10.0.0.1:9301")+connectRecord("10.0.0.1:9301"))
	total := func() (n int) {
		for _, s := range c.all() {
			n += s.Count
		}
		return n
	}
	waitFor(t, "the 3 repeats, with no line after them", func() bool { return total() == 4 })
	for _, s := range c.all()[1:] {
		if s.Line < 5 {
			t.Fatalf("a fold of repeats: %+v", s)
		}
	}
	n := len(c.all())
	write(t, log, connectRecord("10.0.0.1:9301"))
	waitFor(t, "the next repeat as a fold of 1", func() bool { return total() == 5 })
	if s := c.all()[n]; s.Count != 1 || s.Line != 17 {
		t.Fatalf("next fold %+v", s)
	}
	if n := gathered(t, reg, "esdoctor_log_symptoms_total"); n != 5 {
		t.Errorf("esdoctor_log_symptoms_total{code=connect-exception} = %v, want 5", n)
	}
	if n := gathered(t, reg, "esdoctor_log_lines_total"); n != 20 {
		t.Errorf("esdoctor_log_lines_total = %v, want 20", n)
	}
	if n := gathered(t, reg, "esdoctor_log_bytes_behind"); n != 0 {
		t.Errorf("esdoctor_log_bytes_behind = %v, want 0", n)
	}
}

// An Emit failure stops Run with the error; the batch is not acknowledged.
func TestEmitFailureStopsRun(t *testing.T) {
	dir := t.TempDir()
	log := filepath.Join(dir, "prod.log")
	write(t, log, connectRecord("10.0.0.1:9301"))
	boom := errors.New("disk full")
	p, err := New(Options{Paths: []string{dir}, Location: time.UTC, Positions: filepath.Join(t.TempDir(), "pos.json"),
		Emit: func([]event.Symptom) error { return boom }})
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- p.Run(context.Background()) }()
	select {
	case err := <-done:
		if !errors.Is(err, boom) {
			t.Fatalf("Run returned %v, want the Emit error", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("Run did not stop after Emit failed")
	}
}

// gathered sums a metric's values in reg.
func gathered(t *testing.T, reg *prometheus.Registry, name string) float64 {
	t.Helper()
	mfs, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	for _, mf := range mfs {
		if mf.GetName() != name {
			continue
		}
		var v float64
		for _, m := range mf.GetMetric() {
			v += m.GetCounter().GetValue() + m.GetGauge().GetValue()
		}
		return v
	}
	t.Fatalf("metric %s not registered", name)
	return 0
}
