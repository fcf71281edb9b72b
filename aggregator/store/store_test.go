package store

import (
	"context"
	"fmt"
	"math/rand/v2"
	"reflect"
	"testing"
	"time"

	"github.com/esdoctor/esdoctor/shared/event"
)

func sym(id string, at time.Time, count int, off int64) *event.Envelope {
	return &event.Envelope{Schema: 1, ID: id, Kind: event.KindSymptom, Cluster: "c", Node: "n",
		Symptom: &event.Symptom{Symptom: "connect-exception", Time: at, File: "/l/c.log", Offset: off, Count: count, Node: "n",
			Fields: map[string]string{"alias": "my", "address": "127.0.0.3:9443"}}}
}

func TestApplyIsIdempotent(t *testing.T) {
	s := New()
	t0 := time.Date(2024, 5, 1, 0, 0, 0, 0, time.UTC)
	e := sym("a", t0, 3, 10)
	for i := 0; i < 3; i++ {
		s.Apply(context.Background(), e)
	}
	n := s.Nodes()[0]
	if len(n.Symptoms) != 1 {
		t.Fatalf("aggregates %d", len(n.Symptoms))
	}
	for _, a := range n.Symptoms {
		if a.Count != 3 {
			t.Errorf("count %d, want 3", a.Count)
		}
	}
	if st := s.Stats(); st.Applied != 1 || st.Duplicates != 2 {
		t.Errorf("stats %+v", st)
	}
}

// The folded model does not depend on the arrival order.
func TestFoldIsOrderIndependent(t *testing.T) {
	t0 := time.Date(2024, 5, 1, 0, 0, 0, 0, time.UTC)
	var es []*event.Envelope
	for i := 0; i < 50; i++ {
		es = append(es, sym(fmt.Sprint(i), t0.Add(time.Duration(i)*time.Minute), 1+i%3, int64(i*100)))
	}
	es = append(es, &event.Envelope{Schema: 1, ID: "s1", Kind: event.KindSymptom, Cluster: "c", Node: "n",
		Symptom: &event.Symptom{Symptom: "node-started", Time: t0.Add(10 * time.Minute), Fields: map[string]string{}}})
	fold := func(order []*event.Envelope) *Node {
		s := New()
		for _, e := range order {
			s.Apply(context.Background(), e)
		}
		return s.Nodes()[0]
	}
	want := fold(es)
	for k := 0; k < 5; k++ {
		sh := append([]*event.Envelope(nil), es...)
		rand.Shuffle(len(sh), func(i, j int) { sh[i], sh[j] = sh[j], sh[i] })
		got := fold(sh)
		if !reflect.DeepEqual(got.Symptoms, want.Symptoms) || !reflect.DeepEqual(got.Starts, want.Starts) {
			t.Fatalf("fold differs with another order")
		}
	}
}

func TestLatestSnapshotWins(t *testing.T) {
	s := New()
	t0 := time.Now()
	snap := func(id string, at time.Time, name string) *event.Envelope {
		return &event.Envelope{Schema: 1, ID: id, Kind: event.KindSnapshot, Cluster: "c", Node: "n",
			Snapshot: &event.Snapshot{Cluster: "c", Node: "n", InspectedAt: at, PathConf: name}}
	}
	s.Apply(context.Background(), snap("2", t0.Add(time.Minute), "new"))
	s.Apply(context.Background(), snap("1", t0, "old"))
	if got := s.Nodes()[0].Snapshot.PathConf; got != "new" {
		t.Errorf("snapshot %q, want the latest", got)
	}
}

func TestHostOnly(t *testing.T) {
	for in, want := range map[string]string{
		"/192.168.0.84:57305": "192.168.0.84", "host/10.0.0.1:9300": "10.0.0.1", "[::1]:9443": "::1", "10.0.0.1": "10.0.0.1",
		"0:0:0:0:0:0:0:1": "0:0:0:0:0:0:0:1",
	} {
		if got := HostOnly(in); got != want {
			t.Errorf("HostOnly(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestIDSetIsBounded(t *testing.T) {
	s := newIDSet(10)
	for i := 0; i < 100; i++ {
		s.add(fmt.Sprint(i))
	}
	if len(s.cur)+len(s.prev) > 10 {
		t.Errorf("id set holds %d", len(s.cur)+len(s.prev))
	}
	if !s.has("99") || s.has("0") {
		t.Error("recent ids must be remembered, old ones forgotten")
	}
}
