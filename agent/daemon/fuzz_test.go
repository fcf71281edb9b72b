package daemon

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// FuzzLoadConfig: any agent.yml gives a config or an error naming the
// file; never a panic.
func FuzzLoadConfig(f *testing.F) {
	for _, s := range []string{
		"", "agent: a\n", "metrics:\n  listen: 127.0.0.1:0\n", "metrics:\n  listen: off\n",
		"logs:\n  window: 10m\n  repeat_flush: 500ms\n  idle_after: 200ms\n", "heartbeat_interval: x\n",
		"spool:\n  max_bytes: -1\n", "nats: [\n", "unknown_key: 1\n",
	} {
		f.Add(s)
	}
	dir := f.TempDir()
	f.Fuzz(func(t *testing.T, yml string) {
		p := filepath.Join(dir, "agent.yml")
		if err := os.WriteFile(p, []byte(yml), 0o600); err != nil {
			t.Skip()
		}
		if _, err := LoadConfig(p); err != nil && !strings.Contains(err.Error(), p) {
			t.Fatalf("error %q does not name the file", err)
		}
	})
}
