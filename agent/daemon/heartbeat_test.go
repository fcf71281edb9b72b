package daemon

import (
	"encoding/json"
	"errors"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/esdoctor/esdoctor/agent/spool"
	"github.com/esdoctor/esdoctor/shared/event"
)

// The heartbeat carries the spool's fill, its limit and the events it
// dropped, so that the aggregator can show them per node.
func TestHeartbeatCarriesSpoolHealth(t *testing.T) {
	cfg := testConfig(t)
	cfg.Spool.MaxBytes = 1 << 20
	a, err := New(cfg, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer a.sp.Close()
	a.cluster, a.node = "local", "local-1"
	// Fill the spool until it refuses events.
	big := make(map[string]string)
	for i := 0; i < 64; i++ {
		big[string(rune('a'+i%26))+string(rune('a'+i/26))] = string(make([]byte, 2048))
	}
	dropped := 0
	for i := 0; i < 1000 && dropped < 3; i++ {
		e := &event.Envelope{Schema: event.SchemaVersion, ID: event.HashID("x", strconv.Itoa(i)), Kind: event.KindSymptom,
			Cluster: "local", Node: "local-1", Time: time.Now(),
			Symptom: &event.Symptom{Symptom: "connect-exception", Time: time.Now(), Count: 1, Fields: big}}
		if _, err := a.sp.Append(e); errors.Is(err, spool.ErrFull) {
			dropped++
		} else if err != nil {
			t.Fatal(err)
		}
	}
	if dropped == 0 {
		t.Fatal("the spool never filled")
	}
	h := a.heartbeatPayload()
	if h.SpoolMaxBytes != 1<<20 {
		t.Errorf("spool_max_bytes %d, want %d", h.SpoolMaxBytes, 1<<20)
	}
	if h.SpoolBytes < 1<<19 || h.SpoolBytes > 1<<20 {
		t.Errorf("spool_bytes %d: want the fill of a full 1 MiB spool", h.SpoolBytes)
	}
	if h.SpoolDropped != int64(dropped) {
		t.Errorf("spool_dropped %d, want %d", h.SpoolDropped, dropped)
	}
	if h.Version == "" || h.Interval == "" || h.Started.IsZero() {
		t.Errorf("heartbeat lacks version, interval or start: %+v", h)
	}
	// The fields survive the wire.
	b, _ := json.Marshal(&event.Envelope{Schema: event.SchemaVersion, ID: "h", Kind: event.KindHeartbeat, Cluster: "c", Node: "n", Heartbeat: h})
	back, err := event.Decode(b)
	if err != nil {
		t.Fatal(err)
	}
	if *back.Heartbeat != *h {
		t.Errorf("heartbeat round trip: %+v, want %+v", back.Heartbeat, h)
	}
}

func testConfig(t *testing.T) *Config {
	t.Helper()
	dir := t.TempDir()
	cfg := &Config{}
	cfg.defaults(dir)
	cfg.Node.PathConf = filepath.Join("..", "..", "examples", "nodes", "local-cluster", "local-1", "config")
	cfg.StateDir = filepath.Join(dir, "state")
	cfg.Agent = "test-agent"
	return cfg
}
