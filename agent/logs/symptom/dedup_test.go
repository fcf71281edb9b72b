package symptom

import (
	"testing"
	"time"

	"github.com/esdoctor/esdoctor/shared/event"
)

func sym(code string, t time.Time, fields map[string]string) event.Symptom {
	return event.Symptom{Symptom: code, Time: t, Node: "n1", Fields: fields, Count: 1, File: "f", Line: t.Unix()}
}

func TestKey(t *testing.T) {
	t0 := time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)
	a := sym("client-did-not-trust-server-cert", t0, map[string]string{"local_address": "10.0.0.1:9443", "remote_address": "10.0.0.2:57305", "profile": "_remote_cluster"})
	b := sym("client-did-not-trust-server-cert", t0.Add(time.Hour), map[string]string{"local_address": "10.0.0.1:9443", "remote_address": "10.0.0.2:60810", "profile": "_remote_cluster"})
	if Key(a) != Key(b) {
		t.Error("ephemeral ports or times change the key")
	}
	c := sym("client-did-not-trust-server-cert", t0, map[string]string{"local_address": "10.0.0.1:9300", "remote_address": "10.0.0.2:57305", "profile": "default"})
	if Key(a) == Key(c) {
		t.Error("listening port and profile must be in the key")
	}
	v6a := sym("empty-client-certificate-chain", t0, map[string]string{"remote_address": "0:0:0:0:0:0:0:1:56158"})
	v6b := sym("empty-client-certificate-chain", t0, map[string]string{"remote_address": "0:0:0:0:0:0:0:1:56999"})
	if Key(v6a) != Key(v6b) {
		t.Error("unbracketed IPv6 ephemeral port kept in the key")
	}
	s3a := sym("s3-invalid-access-key", t0, map[string]string{"cause": "Request ID: A", "request_path": "/_snapshot/r/s1"})
	s3b := sym("s3-invalid-access-key", t0, map[string]string{"cause": "Request ID: B", "request_path": "/_snapshot/r/s2"})
	if Key(s3a) != Key(s3b) {
		t.Error("volatile fields in the key")
	}
	other := s3a
	other.Node = "n2"
	if Key(other) == Key(s3a) {
		t.Error("node not in the key")
	}
}

// TestDedupWeekOfRepeats: a failure logged every 30 s for a week, with a
// one-hour pause in the middle, is two events.
func TestDedupWeekOfRepeats(t *testing.T) {
	d := NewDeduper(DefaultWindow)
	t0 := time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)
	var out []event.Symptom
	n := 0
	for ts := t0; ts.Before(t0.Add(7 * 24 * time.Hour)); ts = ts.Add(30 * time.Second) {
		if ts.After(t0.Add(72*time.Hour)) && ts.Before(t0.Add(73*time.Hour)) {
			continue
		}
		n++
		out = append(out, d.Add(sym("connect-exception", ts, map[string]string{"alias": "my", "address": "10.0.0.9:9443"}))...)
	}
	out = append(out, d.Flush()...)
	if len(out) != 2 {
		t.Fatalf("%d events, want 2", len(out))
	}
	if out[0].Count+out[1].Count != n || !out[0].Time.Equal(t0) || out[0].LastTime == nil || out[0].Line != t0.Unix() {
		t.Errorf("events %+v", out)
	}
	if out[1].LastTime == nil || out[1].LastTime.Before(out[1].Time) {
		t.Errorf("second event %+v", out[1])
	}
}

func TestDedupOrderAndExpire(t *testing.T) {
	d := NewDeduper(time.Minute)
	t0 := time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)
	if got := d.Add(sym("a", t0, nil)); len(got) != 0 {
		t.Fatal("first event final at once")
	}
	d.Add(sym("b", t0.Add(time.Second), nil))
	d.Add(sym("a", t0.Add(2*time.Second), nil))
	got := d.Add(sym("c", t0.Add(10*time.Minute), nil))
	if len(got) != 2 || got[0].Symptom != "a" || got[0].Count != 2 || got[1].Symptom != "b" {
		t.Fatalf("expired %+v", got)
	}
	if got := d.Expire(t0.Add(20 * time.Minute)); len(got) != 1 || got[0].Symptom != "c" {
		t.Errorf("Expire %+v", got)
	}
	if d.Len() != 0 {
		t.Errorf("%d left open", d.Len())
	}
}

func TestDedupOff(t *testing.T) {
	d := NewDeduper(0)
	t0 := time.Now()
	for i := 0; i < 3; i++ {
		if got := d.Add(sym("a", t0, nil)); len(got) != 1 || got[0].Count != 1 {
			t.Fatalf("window 0: %+v", got)
		}
	}
	if len(d.Flush()) != 0 {
		t.Error("window 0 kept events")
	}
}

func TestDedupUnknownTime(t *testing.T) {
	d := NewDeduper(time.Minute)
	d.Add(sym("a", time.Time{}, nil))
	d.Add(sym("a", time.Time{}, nil))
	if got := d.Flush(); len(got) != 1 || got[0].Count != 2 || got[0].LastTime != nil {
		t.Errorf("headless repeats %+v", got)
	}
}
