package spool

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/esdoctor/esdoctor/shared/event"
)

func TestAppendNextAckInOrder(t *testing.T) {
	s := mustOpen(t, t.TempDir(), Options{})
	appendN(t, s, "n1", 0, 50)
	if got := s.Pending(); got != 50 {
		t.Errorf("Pending = %d, want 50", got)
	}
	if got := drain(t, s, true); !slices.Equal(got, seq(0, 50)) {
		t.Errorf("got %v, want 0..49 in order", got)
	}
	if got := s.Pending(); got != 0 {
		t.Errorf("Pending after acks = %d, want 0", got)
	}
}

func TestReopenReplaysUnackedInOrder(t *testing.T) {
	dir := t.TempDir()
	s := mustOpen(t, dir, Options{SegmentBytes: 2048})
	appendN(t, s, "n1", 0, 100)
	for i := 0; i < 40; i++ {
		sq, e := next(t, s)
		if number(t, e) != i {
			t.Fatalf("event %d came as %d", i, number(t, e))
		}
		if err := s.Ack(sq); err != nil {
			t.Fatal(err)
		}
	}
	next(t, s) // delivered, not acked: must come again
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	s = mustOpen(t, dir, Options{SegmentBytes: 2048})
	if got := s.Pending(); got != 60 {
		t.Errorf("Pending after reopen = %d, want 60", got)
	}
	if got := drain(t, s, true); !slices.Equal(got, seq(40, 100)) {
		t.Errorf("replayed %v, want 40..99", got)
	}
	appendN(t, s, "n1", 100, 105) // sequences go on after the replay
	if got := drain(t, s, true); !slices.Equal(got, seq(100, 105)) {
		t.Errorf("after replay got %v, want 100..104", got)
	}
}

// kill -9 without Close: the cursor on disk lags, so some acknowledged
// events come again (JetStream drops them), but nothing is lost and the
// order holds.
func TestCrashReplaysEverythingUnacked(t *testing.T) {
	dir := t.TempDir()
	o := Options{SegmentBytes: 4096, AckInterval: time.Hour}
	s := mustOpen(t, dir, o)
	appendN(t, s, "n1", 0, 200)
	for i := 0; i < 120; i++ {
		sq, _ := next(t, s)
		if err := s.Ack(sq); err != nil {
			t.Fatal(err)
		}
	}
	s.crash()

	s2 := mustOpen(t, dir, o)
	got := drain(t, s2, true)
	if len(got) == 0 || got[len(got)-1] != 199 {
		t.Fatalf("replay %v does not end with 199", got)
	}
	if got[0] > 120 {
		t.Errorf("replay starts at %d: events 120..%d lost", got[0], got[0]-1)
	}
	if !slices.Equal(got, seq(got[0], 200)) {
		t.Errorf("replay not contiguous and in order: %v", got)
	}
	t.Logf("after the crash %d events were replayed (%d of them already acknowledged)", len(got), 120-got[0])
}

func TestNextBlocksUntilAppendAndHonoursContext(t *testing.T) {
	s := mustOpen(t, t.TempDir(), Options{})
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	if _, _, err := s.Next(ctx); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("Next on an empty spool: %v, want deadline exceeded", err)
	}
	done := make(chan int, 1)
	go func() {
		_, e, err := s.Next(context.Background())
		if err != nil {
			done <- -1
			return
		}
		done <- number(t, e)
	}()
	time.Sleep(50 * time.Millisecond)
	appendN(t, s, "n1", 7, 8)
	select {
	case n := <-done:
		if n != 7 {
			t.Errorf("Next returned %d, want 7", n)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("Next did not wake up after Append")
	}
}

func TestCloseWakesNext(t *testing.T) {
	s := mustOpen(t, t.TempDir(), Options{})
	errc := make(chan error, 1)
	go func() {
		_, _, err := s.Next(context.Background())
		errc <- err
	}()
	time.Sleep(20 * time.Millisecond)
	s.Close()
	if err := <-errc; !errors.Is(err, ErrClosed) {
		t.Errorf("Next after Close: %v, want ErrClosed", err)
	}
	if _, err := s.Append(testEvent("n", 1)); !errors.Is(err, ErrClosed) {
		t.Errorf("Append after Close: %v, want ErrClosed", err)
	}
}

func TestFullDropsCountsAndWarnsOnce(t *testing.T) {
	log, logs := observed()
	reg := prometheus.NewRegistry()
	s := mustOpen(t, t.TempDir(), Options{MaxBytes: 4096, Logger: log, Registry: reg})
	accepted, dropped := 0, 0
	for i := 0; i < 40; i++ {
		_, err := s.Append(testEvent("n1", i))
		switch {
		case err == nil:
			accepted++
		case errors.Is(err, ErrFull):
			dropped++
			if !strings.Contains(err.Error(), "dropped") {
				t.Errorf("ErrFull message %q does not say the event was dropped", err)
			}
		default:
			t.Fatalf("Append %d: %v", i, err)
		}
	}
	if accepted == 0 || dropped == 0 {
		t.Fatalf("accepted %d, dropped %d: the test needs both", accepted, dropped)
	}
	if s.Bytes() > 4096 {
		t.Errorf("Bytes %d over MaxBytes 4096", s.Bytes())
	}
	if got := metricValue(t, s.m.full); int(got) != dropped {
		t.Errorf("esdoctor_spool_full_total = %v, want %d", got, dropped)
	}
	if got := s.Dropped(); int(got) != dropped {
		t.Errorf("Dropped() = %d, want %d", got, dropped)
	}
	if n := logs.FilterMessageSnippet("spool full").Len(); n != 1 {
		t.Errorf("%d 'spool full' warnings for %d drops, want 1", n, dropped)
	}
	if n := logs.FilterMessageSnippet("nearly full").Len(); n != 1 {
		t.Errorf("%d 'nearly full' warnings, want 1", n)
	}
	for _, name := range []string{"esdoctor_spool_bytes", "esdoctor_spool_events", "esdoctor_spool_full_total"} {
		if !registered(t, reg, name) {
			t.Errorf("metric %s not registered", name)
		}
	}
	// Once the publisher catches up there is room again.
	if got := drain(t, s, true); len(got) != accepted {
		t.Errorf("drained %d, want %d", len(got), accepted)
	}
	if _, err := s.Append(testEvent("n1", 100)); err != nil {
		t.Errorf("Append after draining: %v", err)
	}
	t.Logf("MaxBytes 4096: %d accepted, %d dropped; %d bytes on disk after draining", accepted, dropped, s.Bytes())
}

func TestAckedSegmentsAreDeleted(t *testing.T) {
	dir := t.TempDir()
	s := mustOpen(t, dir, Options{SegmentBytes: 1024})
	appendN(t, s, "n1", 0, 100)
	if n := len(segFiles(t, dir)); n < 10 {
		t.Fatalf("%d segments, want many with 1 KiB segments", n)
	}
	before := s.Bytes()
	drain(t, s, true)
	if n := len(segFiles(t, dir)); n > 1 {
		t.Errorf("%d segment files left after acking everything, want at most 1", n)
	}
	if after := s.Bytes(); after >= before/10 {
		t.Errorf("Bytes %d after acking all (before %d)", after, before)
	}
}

func TestConcurrentAppendsShareFsyncAndKeepOrder(t *testing.T) {
	s := mustOpen(t, t.TempDir(), Options{SegmentBytes: 64 << 10})
	const writers, each = 8, 100
	var wg sync.WaitGroup
	for w := 0; w < writers; w++ {
		wg.Add(1)
		go func(w int) {
			defer wg.Done()
			for i := 0; i < each; i++ {
				if _, err := s.Append(testEvent("n", w*each+i)); err != nil {
					t.Errorf("Append: %v", err)
					return
				}
			}
		}(w)
	}
	var got []int
	var seqs []uint64
	for len(got) < writers*each {
		sq, e := next(t, s)
		got = append(got, number(t, e))
		seqs = append(seqs, sq)
		if err := s.Ack(sq); err != nil {
			t.Fatal(err)
		}
	}
	wg.Wait()
	if !slices.IsSorted(seqs) || len(slices.Compact(slices.Clone(seqs))) != len(seqs) {
		t.Error("sequences not strictly increasing")
	}
	slices.Sort(got)
	if !slices.Equal(slices.Compact(got), seq(0, writers*each)) {
		t.Error("some events lost or duplicated")
	}
	// Per writer, append order is kept.
}

func TestRewindRedeliversUnacked(t *testing.T) {
	s := mustOpen(t, t.TempDir(), Options{})
	appendN(t, s, "n", 0, 5)
	sq, _ := next(t, s)
	s.Ack(sq)
	next(t, s)
	next(t, s)
	s.Rewind()
	if got := drain(t, s, true); !slices.Equal(got, seq(1, 5)) {
		t.Errorf("after Rewind got %v, want 1..4", got)
	}
}

func TestAckErrors(t *testing.T) {
	s := mustOpen(t, t.TempDir(), Options{})
	appendN(t, s, "n", 0, 3)
	err := s.Ack(2)
	if err == nil || !strings.Contains(err.Error(), "Next has not returned") {
		t.Errorf("Ack before Next: %v", err)
	}
	sq, _ := next(t, s)
	if err := s.Ack(sq); err != nil {
		t.Fatal(err)
	}
	if err := s.Ack(sq); err != nil {
		t.Errorf("acking again: %v, want no-op", err)
	}
}

func TestSecondOpenIsRefused(t *testing.T) {
	dir := t.TempDir()
	mustOpen(t, dir, Options{})
	_, err := Open(dir, Options{})
	if err == nil || !strings.Contains(err.Error(), "in use") || !strings.Contains(err.Error(), dir) {
		t.Errorf("second Open: %v, want 'in use' naming %s", err, dir)
	}
}

func TestOpenErrorsNameThePath(t *testing.T) {
	file := filepath.Join(t.TempDir(), "not-a-dir")
	if err := os.WriteFile(file, []byte("x"), 0o600); err != nil {
		t.Fatal(err)
	}
	_, err := Open(file, Options{})
	if err == nil || !strings.Contains(err.Error(), file) {
		t.Errorf("Open on a file: %v, want an error naming %s", err, file)
	}
}

func TestUnreadableCursorReplaysEverything(t *testing.T) {
	dir := t.TempDir()
	s := mustOpen(t, dir, Options{})
	appendN(t, s, "n", 0, 10)
	drain(t, s, false)
	s.Close()
	if err := os.WriteFile(filepath.Join(dir, cursorFile), []byte("CANARY-not-a-number"), 0o600); err != nil {
		t.Fatal(err)
	}
	log, logs := observed()
	s = mustOpen(t, dir, Options{Logger: log})
	if got := drain(t, s, true); !slices.Equal(got, seq(0, 10)) {
		t.Errorf("got %v, want 0..9", got)
	}
	if logs.FilterMessageSnippet("ack cursor unreadable").Len() != 1 {
		t.Errorf("no warning about the cursor: %v", logs.All())
	}
}

func TestTooLargeAndInvalidEventsAreRefused(t *testing.T) {
	s := mustOpen(t, t.TempDir(), Options{})
	e := testEvent("n", 1)
	e.Symptom.Text = strings.Repeat("x", maxRecordPayload)
	if _, err := s.Append(e); err == nil || !strings.Contains(err.Error(), "exceed") {
		t.Errorf("oversized event: %v", err)
	}
	bad := testEvent("n", 2)
	bad.Symptom = nil
	if _, err := s.Append(bad); err == nil || !strings.Contains(err.Error(), bad.ID) {
		t.Errorf("event without payload: %v", err)
	}
	if s.Pending() != 0 {
		t.Errorf("refused events were spooled")
	}
}

func TestAppendBatchStopsAtFirstFailure(t *testing.T) {
	s := mustOpen(t, t.TempDir(), Options{MaxBytes: 4096})
	var batch []*event.Envelope
	for i := 0; i < 30; i++ {
		batch = append(batch, testEvent("n", i))
	}
	seqs, err := s.AppendBatch(batch)
	if !errors.Is(err, ErrFull) {
		t.Fatalf("AppendBatch over the limit: %v, want ErrFull", err)
	}
	if len(seqs) == 0 || len(seqs) == 30 {
		t.Fatalf("%d appended", len(seqs))
	}
	if got := drain(t, s, true); !slices.Equal(got, seq(0, len(seqs))) {
		t.Errorf("got %v, want 0..%d", got, len(seqs)-1)
	}
	bad := testEvent("n", 99)
	bad.Kind = event.KindProbe
	seqs, err = s.AppendBatch([]*event.Envelope{testEvent("n", 50), bad, testEvent("n", 51)})
	if len(seqs) != 1 || err == nil || !strings.Contains(err.Error(), bad.ID) {
		t.Errorf("batch with an invalid event: %d appended, err %v", len(seqs), err)
	}
}
