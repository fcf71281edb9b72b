package e2e

import (
	"testing"

	"github.com/esdoctor/esdoctor/aggregator"
	"github.com/esdoctor/esdoctor/aggregator/api"
	"github.com/esdoctor/esdoctor/shared/natsx/natstest"
)

// (d) Two aggregators with different durable names on the same streams
// each receive every event and give identical diagnoses; a third started
// after the fact gets there too.
func TestTwoAggregatorsOnOneStreamAgree(t *testing.T) {
	w, _, _ := world(t, true)
	bs := w.Bundles()
	es := events(bs)
	total := uniqueIDs(es)

	url, _ := natstest.RunTestServer(t)
	_, js := natstest.Connect(t, url)
	a := start(t, aggregator.Options{NATSURL: url, Durable: "agg-a"})
	b := start(t, aggregator.Options{NATSURL: url, Durable: "agg-b"})
	publish(t, js, es[:len(es)/2])
	c := start(t, aggregator.Options{NATSURL: url, Durable: "agg-c"}) // joins mid-way
	publish(t, js, es[len(es)/2:])
	publish(t, js, es) // an agent re-sending everything: deduplicated by JetStream

	for _, r := range []*running{a, b, c} {
		r.settle(t, total)
	}
	da, db, dc := a.diagnoses(t, api.Query{}), b.diagnoses(t, api.Query{}), c.diagnoses(t, api.Query{})
	if len(da) == 0 {
		t.Fatal("no diagnosis")
	}
	if comparable(t, da) != comparable(t, db) || comparable(t, da) != comparable(t, dc) {
		t.Errorf("aggregators disagree:\nA %s\nB %s\nC %s", summary(da), summary(db), summary(dc))
	}
	for i := range da {
		if da[i].ID != db[i].ID || da[i].ID != dc[i].ID {
			t.Errorf("ids differ at %d: %s %s %s", i, da[i].ID, db[i].ID, dc[i].ID)
		}
	}
	for name, r := range map[string]*running{"A": a, "B": b, "C": c} {
		s := r.Stats()
		t.Logf("aggregator %s: applied %d of %d, duplicates %d; ingest: %s", name, s.Store.Applied, total, s.Store.Duplicates, s.Ingest)
	}
}
