package pairing

import (
	"fmt"
	"math/rand/v2"
	"reflect"
	"sort"
	"testing"
	"time"

	"github.com/esdoctor/esdoctor/aggregator/store"
)

// symptomsByScan is Symptoms without the index: the definition the
// index must match.
func symptomsByScan(v *View, n *store.Node, codes ...string) []*store.SymptomAgg {
	want := map[string]bool{}
	for _, c := range codes {
		want[c] = true
	}
	var out []*store.SymptomAgg
	for _, a := range n.Symptoms {
		if (len(codes) == 0 || want[a.Code]) && v.Current(n, a) {
			out = append(out, a)
		}
	}
	sort.Slice(out, func(i, j int) bool {
		if !out[i].FirstTime.Equal(out[j].FirstTime) {
			return out[i].FirstTime.Before(out[j].FirstTime)
		}
		return out[i].Key < out[j].Key
	})
	return out
}

// The indexed Symptoms returns what a scan of the node returns, for any
// set of codes, and callers may change the slice they get.
func TestSymptomsIndexMatchesScan(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	t0 := time.Date(2024, 5, 1, 10, 0, 0, 0, time.UTC)
	codes := []string{"connect-exception", "closed-by-remote", "publish-address", "tls-trust-failure", "node-started"}
	var nodes []*store.Node
	for i := range 20 {
		n := &store.Node{Key: store.NodeKey{Cluster: "c", Node: fmt.Sprintf("n%02d", i)}, Symptoms: map[string]*store.SymptomAgg{}}
		if i%3 == 0 {
			n.Starts = []time.Time{t0.Add(time.Duration(rng.IntN(20)) * time.Minute)}
		}
		for j := range rng.IntN(12) {
			first := t0.Add(time.Duration(rng.IntN(30)) * time.Minute)
			a := &store.SymptomAgg{Key: fmt.Sprintf("k%02d", j), Code: codes[rng.IntN(len(codes))], FirstTime: first,
				LastTime: first.Add(time.Duration(rng.IntN(10)) * time.Minute)}
			if rng.IntN(8) == 0 {
				a.LastTime = time.Time{}
			}
			n.Symptoms[a.Key] = a
		}
		nodes = append(nodes, n)
	}
	v := New(nodes, t0.Add(time.Hour))
	queries := [][]string{nil, {"connect-exception"}, {"tls-trust-failure"}, {"mesh-bad-certificate"},
		{"connect-exception", "closed-by-remote"}, {"publish-address", "publish-address"}, codes}
	for round := range 2 { // the second round reads the index
		for _, n := range nodes {
			for _, q := range queries {
				got, want := v.Symptoms(n, q...), symptomsByScan(v, n, q...)
				if !reflect.DeepEqual(got, want) {
					t.Fatalf("round %d, %s %v: got %v, want %v", round, n.Key, q, keys(got), keys(want))
				}
				if len(got) > 0 {
					got[0] = nil // must not reach the index
				}
			}
		}
	}
}

func keys(as []*store.SymptomAgg) []string {
	var out []string
	for _, a := range as {
		out = append(out, a.Code+"/"+a.Key)
	}
	return out
}
