package follow

import (
	"os"
	"path/filepath"
	"testing"
	"time"
)

func TestAppendExactOffsets(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "es.log")
	w := newWriter(t, path, "a")
	w.write(10)
	g := newGot()
	start(t, Options{Paths: []string{dir}}, g)
	eventually(t, 5*time.Second, "10 lines", func() bool { return g.n() == 10 })
	w.write(5)
	eventually(t, 5*time.Second, "15 lines", func() bool { return g.n() == 15 })
	exactly(t, g, w.lines)
	g.mu.Lock()
	defer g.mu.Unlock()
	data, _ := os.ReadFile(path)
	for i, l := range g.lines {
		if string(data[l.Offset:l.End]) != l.Text+"\n" || l.Number != int64(i+1) {
			t.Fatalf("line %d: offsets [%d,%d) number %d do not hold %q", i, l.Offset, l.End, l.Number, l.Text)
		}
	}
}
