package main

import (
	"context"
	"math/rand/v2"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/esdoctor/esdoctor/aggregator/analyze"
	"github.com/esdoctor/esdoctor/shared/diagnosis"
	"github.com/esdoctor/esdoctor/shared/event"
)

// The simulated fleet is healthy apart from its flaky pairs (one
// remote-unreachable each), whatever noise its agents send; each injected
// fault gives its own diagnosis. Offline, through the aggregator's fold
// and rules, with no NATS.
func TestFleetBaselineAndFaults(t *testing.T) {
	tpl, err := loadTemplates()
	if err != nil {
		t.Fatal(err)
	}
	now := time.Now().UTC()
	rng := rand.New(rand.NewPCG(7, 7))
	f, err := BuildFleet(tpl, 61, 0.3, rng, now)
	if err != nil {
		t.Fatal(err)
	}
	if len(f.Agents) != 61 || len(f.Pairs) == 0 {
		t.Fatalf("fleet of %d agents, %d pairs", len(f.Agents), len(f.Pairs))
	}
	for _, c := range f.Clusters {
		if len(c.Agents) < 2 || len(c.Agents) > maxClusterSize {
			t.Errorf("cluster %s has %d nodes", c.Name, len(c.Agents))
		}
	}
	var es []*event.Envelope
	for _, a := range f.Agents {
		es = append(es, a.initialEvents()...)
		for i := range 30 {
			es = append(es, a.nextEvent(now.Add(time.Duration(i)*100*time.Millisecond), rng, f.Start))
		}
	}
	flaky := 0
	for _, p := range f.Pairs {
		if p.Flaky {
			flaky++
		}
	}
	got := codes(analyze.Events(context.Background(), es, analyze.Options{Now: now.Add(3 * time.Second)}))
	if want := strings.Repeat("remote-unreachable ", flaky); got != want {
		t.Fatalf("baseline diagnoses %q, want %q", got, want)
	}

	p := f.Pairs[0]
	l, r := p.Local.Agents[1], p.Remote.Agents[len(p.Remote.Agents)-1]
	for _, fault := range []struct{ kind, key string }{{faultInvalidKey, "faultkey0000000001"}, {faultMissingHeader, "fault-alias-2"}} {
		rec, who, err := f.faultRecords(fault.kind, fault.key, p, l, r, now.Add(2*time.Second))
		if err != nil {
			t.Fatal(err)
		}
		if len(rec) != len(who) || len(rec) == 0 {
			t.Fatalf("%s: %d records from %d agents", fault.kind, len(rec), len(who))
		}
		es = append(es, rec...)
	}
	ds := analyze.Events(context.Background(), es, analyze.Options{Now: now.Add(3 * time.Second)})
	found := map[string]diagnosis.Diagnosis{}
	for _, d := range ds {
		if k := faultKeyOf(d); k != "" {
			found[k] = d
		}
	}
	if d, ok := found["faultkey0000000001"]; !ok || d.Code != faultInvalidKey || len(d.Clusters) != 2 || d.Clusters[1] != p.Remote.Name {
		t.Errorf("invalid key fault: %+v", d)
	}
	if d, ok := found["fault-alias-2"]; !ok || d.Code != faultMissingHeader || d.Clusters[0] != p.Local.Name {
		t.Errorf("missing header fault: %+v", d)
	}
}

func codes(ds []diagnosis.Diagnosis) string {
	var out []string
	for _, d := range ds {
		out = append(out, d.Code+" ")
	}
	sort.Strings(out)
	return strings.Join(out, "")
}
