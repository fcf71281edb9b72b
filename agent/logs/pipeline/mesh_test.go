package pipeline

import (
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/esdoctor/esdoctor/agent/mesh/meshlog"
)

// The service-mesh logs run the same pipeline with their own processor:
// the first RBAC denial is emitted at once, its repeats on the timer, with
// no later line; a quiet file does not cut a partial CRI line.
func TestMeshLogsShareThePipeline(t *testing.T) {
	dir := t.TempDir()
	log := filepath.Join(dir, "es-0_search_istio-proxy-0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef.log")
	denial := func(i int) string {
		return fmt.Sprintf(`%s stdout F [2024-05-01T10:00:00.000Z] "GET /_search HTTP/1.1" 403 - rbac_access_denied_matched_policy[ns[search]-policy[deny-all]-rule[0]] - "-" 0 19 3 2 "-" "curl/8.5.0" "8f5c0b1e-2a5d-4c1e-9d3a-%012d" "es.search:9200" "10.244.0.12:9200" inbound|9200|| 127.0.0.6:40123 10.244.0.12:9200 10.244.0.9:52344 outbound_.9200_._.es.search.svc.cluster.local default`+"\n",
			time.Now().UTC().Format("2006-01-02T15:04:05.000000000Z"), i)
	}
	c, stop := start(t, Options{Paths: []string{dir}, Window: time.Hour, RepeatFlush: 300 * time.Millisecond,
		Include:      func(_, name string) bool { return meshlog.ComponentOfPath(name) == meshlog.Proxy },
		NewProcessor: func(path string) Processor { return meshlog.NewProcessor(path) }})
	defer stop()
	write(t, log, denial(1))
	waitFor(t, "the first denial", func() bool { return len(c.all()) == 1 })
	if s := c.all()[0]; !strings.HasPrefix(s.Symptom, "mesh-") {
		t.Fatalf("first symptom %+v", s)
	}
	write(t, log, denial(2)+denial(3))
	total := func() (n int) {
		for _, s := range c.all() {
			n += s.Count
		}
		return n
	}
	waitFor(t, "the 2 repeats, with no line after them", func() bool { return total() == 3 })

	// A partial CRI line, then quiet: nothing is emitted until its end.
	d := denial(4)
	cut := strings.Index(d, " F ") + 1
	write(t, log, d[:cut]+"P "+d[cut+2:len(d)/2]+"\n")
	time.Sleep(600 * time.Millisecond) // > IdleAfter and RepeatFlush: a quiet file
	if total() != 3 {
		t.Fatalf("a partial line was emitted: %+v", c.all())
	}
	write(t, log, d[:cut]+"F "+d[len(d)/2:])
	waitFor(t, "the joined line", func() bool { return total() == 4 })
}
