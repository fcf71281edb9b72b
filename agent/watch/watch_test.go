package watch

import (
	"context"
	"os"
	"path/filepath"
	"sync/atomic"
	"testing"
	"time"
)

func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for time.Now().Before(deadline) {
		if cond() {
			return
		}
		time.Sleep(10 * time.Millisecond)
	}
	t.Fatalf("timed out waiting for %s", what)
}

func TestChangesAreNoticedAndDebounced(t *testing.T) {
	dir := t.TempDir()
	yml := filepath.Join(dir, "elasticsearch.yml")
	other := filepath.Join(dir, "unrelated.txt")
	os.WriteFile(yml, []byte("a: 1\n"), 0o600)
	w, err := New(Options{Debounce: 50 * time.Millisecond, Every: -1})
	if err != nil {
		t.Fatal(err)
	}
	w.SetFiles([]string{yml})
	var n atomic.Int32
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go w.Run(ctx, func() { n.Add(1) })
	time.Sleep(50 * time.Millisecond)

	// A burst of writes is one change.
	for i := 0; i < 5; i++ {
		os.WriteFile(yml, []byte("a: 2\n"), 0o600)
	}
	waitFor(t, "first change", func() bool { return n.Load() == 1 })
	time.Sleep(150 * time.Millisecond)
	if got := n.Load(); got != 1 {
		t.Fatalf("burst gave %d changes, want 1", got)
	}
	// An unrelated file in the same directory is not a change.
	os.WriteFile(other, []byte("x"), 0o600)
	time.Sleep(150 * time.Millisecond)
	if got := n.Load(); got != 1 {
		t.Fatalf("unrelated file gave a change (%d)", got)
	}
	// Replace by rename, as editors and config management do.
	tmp := filepath.Join(dir, ".elasticsearch.yml.tmp")
	os.WriteFile(tmp, []byte("a: 3\n"), 0o600)
	os.Rename(tmp, yml)
	waitFor(t, "change after rename", func() bool { return n.Load() == 2 })
	// Trigger.
	w.Trigger()
	waitFor(t, "triggered change", func() bool { return n.Load() == 3 })
}
