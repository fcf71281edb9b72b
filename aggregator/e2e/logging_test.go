package e2e

import (
	"testing"
	"time"

	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"
	"go.uber.org/zap/zaptest/observer"

	"github.com/esdoctor/esdoctor/aggregator"
	"github.com/esdoctor/esdoctor/internal/testkit/scenario"
	"github.com/esdoctor/esdoctor/shared/event"
	"github.com/esdoctor/esdoctor/shared/natsx/natstest"
)

// The aggregator logs state changes at info and events at debug: a fault
// opening logs at info; two hundred more lines of the same fault (each an
// event, each an update of the open diagnosis) add no info line.
func TestAggregatorLogsStateChangesNotEvents(t *testing.T) {
	w, local, _ := world(t, true)
	es := events(w.Bundles())

	url, _ := natstest.RunTestServer(t)
	_, js := natstest.Connect(t, url)
	core, logs := observer.New(zapcore.DebugLevel)
	a := start(t, aggregator.Options{NATSURL: url, Durable: "logging", Logger: zap.New(core)})
	publish(t, js, es)
	a.settle(t, uniqueIDs(es))
	info := func() []observer.LoggedEntry {
		return logs.Filter(func(e observer.LoggedEntry) bool { return e.Level >= zapcore.InfoLevel }).All()
	}
	opened := false
	for _, e := range info() {
		if e.Message == "diagnosis opened" && e.ContextMap()["code"] == transportPort {
			opened = true
		}
	}
	if !opened {
		t.Fatalf("no info line for the diagnosis opening: %v", messages(info()))
	}
	before := len(info())

	// The same fault keeps logging: 200 new lines from local-2.
	var more []*event.Envelope
	for i := 0; i < 200; i++ {
		at := w.At(2*time.Minute + time.Duration(i)*11*time.Minute) // beyond the fold window: one event each
		line := scenario.BadCertificate(at, "local-2", "127.0.0.3:60738", "127.0.1.2:9300", "_remote_cluster")
		local.Node("local-2").Log(line)
	}
	for _, e := range events(w.Bundles()) {
		if e.Kind == event.KindSymptom {
			more = append(more, e)
		}
	}
	publish(t, js, more)
	a.settle(t, uniqueIDs(append(es, more...)))
	t.Logf("%d events, then %d more", uniqueIDs(es), uniqueIDs(append(es, more...))-uniqueIDs(es))
	if after := info(); len(after) != before {
		t.Errorf("%d info lines after 200 more events of an open fault (before: %d): %v", len(after), before, messages(after[before:]))
	}
	if n := logs.FilterLevelExact(zapcore.DebugLevel).Len(); n == 0 {
		t.Errorf("no debug line for the events or updates")
	}
}

func messages(es []observer.LoggedEntry) []string {
	var out []string
	for _, e := range es {
		out = append(out, e.Message)
	}
	return out
}
