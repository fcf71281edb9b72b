package symptom

import (
	"os"
	"testing"
)

// BenchmarkPrefilterFind runs the prefilter over the first 64 MiB of the
// file named by ESDOCTOR_BENCH_FILE (see bench/scan).
func BenchmarkPrefilterFind(b *testing.B) {
	path := os.Getenv("ESDOCTOR_BENCH_FILE")
	if path == "" {
		b.Skip("ESDOCTOR_BENCH_FILE not set")
	}
	data, err := os.ReadFile(path)
	if err != nil {
		b.Fatal(err)
	}
	if len(data) > 64<<20 {
		data = data[:64<<20]
	}
	m := NewMatcher(Options{MeshPack: true})
	b.SetBytes(int64(len(data)))
	b.ResetTimer()
	var hits []int
	for i := 0; i < b.N; i++ {
		hits = m.Find(data, hits[:0])
	}
	b.ReportMetric(float64(len(hits)), "hits")
}
