package publish_test

import (
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"go.uber.org/zap"
	"go.uber.org/zap/zaptest/observer"

	"github.com/esdoctor/esdoctor/agent/publish"
	"github.com/esdoctor/esdoctor/shared/natsx"
	"github.com/esdoctor/esdoctor/shared/natsx/natstest"
)

func TestPublishesInOrderAndEmptiesTheSpool(t *testing.T) {
	url, _ := natstest.RunTestServer(t)
	_, js := natstest.Connect(t, url)
	sink := startIngest(t, js)
	sp := openSpool(t, t.TempDir())
	reg := prometheus.NewRegistry()
	startPublisher(t, url, sp, publish.Options{Registry: reg})
	appendAll(t, sp, symptoms("n1", 0, 300))
	sink.WaitUnique(t, 300, 15*time.Second)
	waitFor(t, "an empty spool", 5*time.Second, func() bool { return sp.Pending() == 0 })
	if got := streamNumbers(t, js); !isRange(got, 0, 300) {
		t.Errorf("stream order %v..., want 0..299", got[:min(len(got), 10)])
	}
	if got := counter(t, reg, "esdoctor_published_total"); got != 300 {
		t.Errorf("esdoctor_published_total = %v, want 300", got)
	}
	t.Log(describe(sink, sp))
}

// An agent that crashed after the publish and before the spool ack sends
// the same events again: JetStream stores each once.
func TestSameEventPublishedTwiceIsStoredOnce(t *testing.T) {
	url, _ := natstest.RunTestServer(t)
	_, js := natstest.Connect(t, url)
	sink := startIngest(t, js)
	events := symptoms("n1", 0, 50)

	first := openSpool(t, t.TempDir())
	appendAll(t, first, events)
	_, stop := startPublisher(t, url, first, publish.Options{})
	waitFor(t, "first publish", 10*time.Second, func() bool { return first.Pending() == 0 })
	stop()

	again := openSpool(t, t.TempDir()) // the replay after the crash
	appendAll(t, again, events)
	reg := prometheus.NewRegistry()
	startPublisher(t, url, again, publish.Options{Registry: reg})
	waitFor(t, "second publish", 10*time.Second, func() bool { return again.Pending() == 0 })

	sink.WaitUnique(t, 50, 10*time.Second)
	time.Sleep(200 * time.Millisecond)
	if got := streamNumbers(t, js); !isRange(got, 0, 50) {
		t.Errorf("stream holds %d messages, want each of the 50 once", len(got))
	}
	if got := counter(t, reg, "esdoctor_publish_duplicates_total"); got != 50 {
		t.Errorf("esdoctor_publish_duplicates_total = %v, want 50", got)
	}
	if sink.Duplicates() != 0 {
		t.Errorf("the aggregator saw %d duplicate deliveries, want 0", sink.Duplicates())
	}
	t.Log(describe(sink, again))
}

// NATS goes away under load: events pile up in the spool (on disk), and
// when NATS is back they are replayed in order, none lost, none twice.
func TestNATSOutageUnderLoad(t *testing.T) {
	store := t.TempDir()
	s1 := natstest.RunServer(t, natsx.EmbeddedOptions{StoreDir: store})
	port := natstest.Port(s1)
	url := s1.ClientURL()
	_, js := natstest.Connect(t, url, fastReconnect)
	sink := startIngest(t, js)
	sp := openSpool(t, t.TempDir())
	core, logs := observer.New(zap.InfoLevel)
	reg := prometheus.NewRegistry()
	pub, _ := startPublisher(t, url, sp, publish.Options{Logger: zap.New(core), Registry: reg, AckTimeout: time.Second})

	const n = 1500
	var appended atomic.Int64
	produced := make(chan struct{})
	go func() { // steady load: 10 events every 5 ms
		defer close(produced)
		for i := 0; i < n; i += 10 {
			if _, err := sp.AppendBatch(symptoms("n1", i, i+10)); err != nil {
				t.Errorf("AppendBatch: %v", err)
				return
			}
			appended.Store(int64(i + 10))
			time.Sleep(5 * time.Millisecond)
		}
	}()

	waitFor(t, "some events through", 10*time.Second, func() bool { return sink.Unique() >= 200 })
	natstest.Stop(s1)
	downAt := appended.Load()
	time.Sleep(1500 * time.Millisecond)
	pendingWhileDown := sp.Pending()
	if pendingWhileDown < 50 {
		t.Errorf("only %d events spooled while NATS was down", pendingWhileDown)
	}
	t.Logf("NATS down after %d appended; %d events (%d bytes) spooled while it was away", downAt, pendingWhileDown, sp.Bytes())

	natstest.RunServer(t, natsx.EmbeddedOptions{Port: port, StoreDir: store})
	<-produced
	sink.WaitUnique(t, n, 15*time.Second)
	waitFor(t, "an empty spool", 10*time.Second, func() bool { return sp.Pending() == 0 })

	got := streamNumbers(t, js)
	if !isRange(got, 0, n) {
		t.Errorf("stream holds %d messages, want 0..%d each once and in order", len(got), n-1)
		for i := 1; i < len(got); i++ {
			if got[i] != got[i-1]+1 {
				t.Errorf("first break at stream position %d: %d after %d", i, got[i], got[i-1])
				break
			}
		}
	}
	t.Logf("after the outage: %s; publish errors %v, duplicates %v",
		describe(sink, sp), counter(t, reg, "esdoctor_publish_errors_total"), counter(t, reg, "esdoctor_publish_duplicates_total"))
	if got := counter(t, reg, "esdoctor_publish_errors_total"); float64(pub.Errors()) != got {
		t.Errorf("Errors() = %d, the counter says %v", pub.Errors(), got)
	}
	if logs.FilterMessageSnippet("publish failed").Len()+logs.FilterMessageSnippet("waiting for NATS").Len() == 0 {
		t.Error("the outage left no trace in the log")
	}
}

// The agent is stopped mid-run (cancel, Close) and started again on the
// same spool directory: the rest is sent, nothing twice.
func TestPublisherRestartMidRun(t *testing.T) {
	url, _ := natstest.RunTestServer(t)
	_, js := natstest.Connect(t, url)
	sink := startIngest(t, js)
	dir := t.TempDir()
	const n = 600
	sp := openSpool(t, dir)
	appendAll(t, sp, symptoms("n1", 0, n))
	_, stop := startPublisher(t, url, sp, publish.Options{})
	waitFor(t, "a third published", 10*time.Second, func() bool { return sink.Unique() >= n/3 })
	stop()
	if err := sp.Close(); err != nil {
		t.Fatal(err)
	}
	left := sink.Unique()

	sp2 := openSpool(t, dir)
	t.Logf("stopped after %d; %d events left in the spool on reopen", left, sp2.Pending())
	startPublisher(t, url, sp2, publish.Options{})
	sink.WaitUnique(t, n, 15*time.Second)
	waitFor(t, "an empty spool", 5*time.Second, func() bool { return sp2.Pending() == 0 })
	if got := streamNumbers(t, js); !isRange(got, 0, n) {
		t.Errorf("stream holds %d messages, want 0..%d each once, in order", len(got), n-1)
	}
	t.Log(describe(sink, sp2))
}

// kill -9: the spool directory as the crash left it (copied while the
// publisher ran, ack cursor behind) is reopened: events already published
// come again and JetStream drops them.
func TestCrashImageReplayIsDeduplicated(t *testing.T) {
	url, _ := natstest.RunTestServer(t)
	_, js := natstest.Connect(t, url)
	sink := startIngest(t, js)
	dir := t.TempDir()
	const n = 600
	sp := openSpool(t, dir)
	appendAll(t, sp, symptoms("n1", 0, n))
	reg := prometheus.NewRegistry()
	_, stop := startPublisher(t, url, sp, publish.Options{Registry: reg})
	waitFor(t, "a third published", 10*time.Second, func() bool { return sink.Unique() >= n/3 })
	image := t.TempDir()
	copyDir(t, dir, image) // the disk at the moment of the kill
	stop()
	sp.Close()

	sp2 := openSpool(t, image)
	replay := sp2.Pending()
	reg2 := prometheus.NewRegistry()
	startPublisher(t, url, sp2, publish.Options{Registry: reg2})
	sink.WaitUnique(t, n, 15*time.Second)
	waitFor(t, "an empty spool", 10*time.Second, func() bool { return sp2.Pending() == 0 })
	time.Sleep(200 * time.Millisecond)
	if got := streamNumbers(t, js); !isRange(got, 0, n) {
		t.Errorf("stream holds %d messages, want 0..%d each once, in order", len(got), n-1)
	}
	t.Logf("crash image replayed %d events, %v of them already in JetStream; %s",
		replay, counter(t, reg2, "esdoctor_publish_duplicates_total"), describe(sink, sp2))
}

func copyDir(t *testing.T, from, to string) {
	t.Helper()
	ents, err := os.ReadDir(from)
	if err != nil {
		t.Fatal(err)
	}
	for _, de := range ents {
		if de.Name() == "LOCK" {
			continue
		}
		b, err := os.ReadFile(filepath.Join(from, de.Name()))
		if os.IsNotExist(err) {
			continue // an acknowledged segment deleted meanwhile
		}
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(to, de.Name()), b, 0o600); err != nil {
			t.Fatal(err)
		}
	}
}

// An event NATS will never take (over the server's max payload) is dropped
// with a counter and a log line; the events behind it still go out.
func TestUnpublishableEventIsDroppedNotBlocking(t *testing.T) {
	s := natstest.RunServer(t, natsx.EmbeddedOptions{MaxPayload: 16 << 10})
	_, js := natstest.Connect(t, s.ClientURL())
	sink := startIngest(t, js)
	sp := openSpool(t, t.TempDir())
	core, logs := observer.New(zap.InfoLevel)
	reg := prometheus.NewRegistry()
	startPublisher(t, s.ClientURL(), sp, publish.Options{Logger: zap.New(core), Registry: reg})
	big := symptom("n1", 1)
	big.Symptom.Text = strings.Repeat("x", 64<<10)
	appendAll(t, sp, append(symptoms("n1", 0, 1), big, symptom("n1", 2)))
	sink.WaitUnique(t, 2, 10*time.Second)
	waitFor(t, "an empty spool", 5*time.Second, func() bool { return sp.Pending() == 0 })
	if got := counter(t, reg, "esdoctor_publish_dropped_total"); got != 1 {
		t.Errorf("esdoctor_publish_dropped_total = %v, want 1", got)
	}
	if logs.FilterMessageSnippet("can never be published").Len() != 1 {
		t.Errorf("no log line for the dropped event")
	}
}

func TestNewRequiresConnAndSpool(t *testing.T) {
	if _, err := publish.New(nil, nil, publish.Options{}); err == nil {
		t.Error("New(nil, nil) succeeded")
	}
}
