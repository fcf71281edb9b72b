package main

import (
	"os"
	"strings"
	"testing"
	"time"
)

// TestRotationStress is the short form of make bench-tail that runs on
// every build: the follower in-process, every rotation mode, two
// restarts. It asserts 0 lost and 0 duplicated, never timing.
func TestRotationStress(t *testing.T) {
	if testing.Short() {
		t.Skip("rotation stress skipped in -short mode")
	}
	res, err := Run(Config{
		Duration:    6 * time.Second,
		RotateBytes: 2 << 20,
		Modes:       []string{modeLog4j, modeCopytruncate, modeDelete},
		Restarts:    2,
		Down:        300 * time.Millisecond,
		MaxLag:      100_000,
		Settle:      10 * time.Second,
	})
	if err != nil {
		t.Fatal(err)
	}
	var b strings.Builder
	res.Print(&b)
	t.Log("\n" + b.String())
	if res.Written == 0 || res.Restarts != 2 || res.Rotations[modeLog4j] == 0 || res.Rotations[modeCopytruncate] == 0 {
		t.Fatalf("the run did not exercise the follower: %+v", res)
	}
	if !res.OK() {
		t.Fatalf("lost %d, duplicated %d, unparsable %d, out of order %d", res.Lost, res.Dup, res.Bad, res.OutOfOrder)
	}
}

func TestParseSeq(t *testing.T) {
	l := line(123456789, 0)
	if got := parseSeq(l); got != 123456789 {
		t.Fatalf("parseSeq(%q) = %d", l, got)
	}
	if parseSeq([]byte("no number here")) != -1 || parseSeq([]byte("seq=12345")) != -1 {
		t.Fatal("parseSeq accepted a line without a whole seq")
	}
}

func TestLastSeqIgnoresACutLine(t *testing.T) {
	path := t.TempDir() + "/f"
	data := append(append(line(7, 0), '\n'), line(8, 0)[:40]...)
	if err := os.WriteFile(path, data, 0o644); err != nil {
		t.Fatal(err)
	}
	if got := lastSeq(path); got != 7 {
		t.Fatalf("lastSeq = %d, want 7", got)
	}
}
