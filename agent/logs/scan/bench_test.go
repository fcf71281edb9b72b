package scan

import (
	"context"
	"os"
	"testing"
	"time"

	"github.com/esdoctor/esdoctor/shared/event"
)

// BenchmarkScanFile scans the file named by ESDOCTOR_BENCH_FILE (made by
// bench/scan/gen; `make bench-scan` runs the full benchmark).
func BenchmarkScanFile(b *testing.B) {
	path := os.Getenv("ESDOCTOR_BENCH_FILE")
	if path == "" {
		b.Skip("ESDOCTOR_BENCH_FILE not set")
	}
	st, err := os.Stat(path)
	if err != nil {
		b.Fatal(err)
	}
	b.SetBytes(st.Size())
	for i := 0; i < b.N; i++ {
		n := 0
		err := ScanFile(context.Background(), path, Options{Location: time.UTC, MeshPack: true}, func(event.Symptom) { n++ })
		if err != nil {
			b.Fatal(err)
		}
	}
}
