package tracker_test

import (
	"fmt"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/esdoctor/esdoctor/aggregator/tracker"
	"github.com/esdoctor/esdoctor/shared/diagnosis"
)

var t0 = time.Date(2024, 5, 1, 10, 0, 0, 0, time.UTC)

func diag(id, code, sev string, first, last time.Time, count int, clusters ...string) diagnosis.Diagnosis {
	return diagnosis.Diagnosis{ID: id, Code: code, Severity: sev, Title: code, Clusters: clusters,
		Nodes: []diagnosis.NodeRef{{Cluster: clusters[0], Node: "n1"}}, FirstSeen: first, LastSeen: last, Count: count,
		State: diagnosis.StateOpen, Fix: diagnosis.Fix{Summary: "fix " + code, Nodes: []diagnosis.NodeRef{{Cluster: clusters[0], Node: "n1"}}}}
}

func kinds(cs []tracker.Change) string {
	var out []string
	for _, c := range cs {
		s := string(c.Kind) + ":" + c.Diagnosis.ID
		if c.Reopened {
			s += "(reopened)"
		}
		out = append(out, s)
	}
	return strings.Join(out, " ")
}

func TestLifecycle(t *testing.T) {
	tr := tracker.New(tracker.Options{})
	a := diag("a", "tls-untrusted-ca", "error", t0, t0.Add(time.Minute), 2, "local", "remote")
	b := diag("b", "config-drift", "warning", t0, t0, 1, "local")

	steps := []struct {
		name    string
		now     time.Time
		current []diagnosis.Diagnosis
		want    string
	}{
		{"both open", t0.Add(time.Hour), []diagnosis.Diagnosis{b, a}, "opened:a opened:b"},
		{"same again: nothing", t0.Add(2 * time.Hour), []diagnosis.Diagnosis{a, b}, ""},
		{"a has more evidence", t0.Add(3 * time.Hour), []diagnosis.Diagnosis{withCount(a, 5, t0.Add(2*time.Minute)), b}, "updated:a"},
		{"b gone", t0.Add(4 * time.Hour), []diagnosis.Diagnosis{withCount(a, 5, t0.Add(2*time.Minute))}, "resolved:b"},
		{"b back", t0.Add(5 * time.Hour), []diagnosis.Diagnosis{withCount(a, 5, t0.Add(2*time.Minute)), b}, "opened:b(reopened)"},
		{"all gone", t0.Add(6 * time.Hour), nil, "resolved:a resolved:b"},
	}
	for _, s := range steps {
		if got := kinds(tr.Update(s.now, s.current)); got != s.want {
			t.Fatalf("%s: changes %q, want %q", s.name, got, s.want)
		}
	}
	got, ok := tr.Get("a")
	if !ok || got.State != diagnosis.StateResolved || got.ResolvedAt == nil || !got.ResolvedAt.Equal(t0.Add(6*time.Hour)) {
		t.Fatalf("a after all gone: %+v", got)
	}
	if got.Count != 5 || !got.LastSeen.Equal(t0.Add(2*time.Minute)) {
		t.Errorf("a keeps its last count and last_seen: count %d last_seen %v", got.Count, got.LastSeen)
	}
	if open, resolved := tr.Len(); open != 0 || resolved != 2 {
		t.Errorf("Len = %d open, %d resolved", open, resolved)
	}
}

func withCount(d diagnosis.Diagnosis, n int, last time.Time) diagnosis.Diagnosis {
	d.Count, d.LastSeen = n, last
	d.Evidence = append(append([]diagnosis.Evidence(nil), d.Evidence...), diagnosis.Evidence{Side: "local", Text: fmt.Sprint(n)})
	return d
}

func TestFirstSeenIsTheEarliestAndLastSeenNeverGoesBack(t *testing.T) {
	tr := tracker.New(tracker.Options{})
	tr.Update(t0, []diagnosis.Diagnosis{diag("a", "c", "error", t0.Add(time.Minute), t0.Add(time.Minute), 1, "x")})
	tr.Update(t0, []diagnosis.Diagnosis{diag("a", "c", "error", t0, t0, 1, "x")})
	tr.Update(t0, []diagnosis.Diagnosis{diag("a", "c", "error", t0.Add(2*time.Minute), t0.Add(2*time.Minute), 1, "x")})
	d, _ := tr.Get("a")
	if !d.FirstSeen.Equal(t0) || !d.LastSeen.Equal(t0.Add(2*time.Minute)) {
		t.Errorf("first_seen %v last_seen %v", d.FirstSeen, d.LastSeen)
	}
}

func TestFactsAloneAreNotAnUpdate(t *testing.T) {
	tr := tracker.New(tracker.Options{})
	a := diag("a", "agent-silent", "warning", t0, t0, 1, "x")
	a.Facts = map[string]any{"silent_for": "1m"}
	tr.Update(t0, []diagnosis.Diagnosis{a})
	b := a
	b.Facts = map[string]any{"silent_for": "2m"}
	if cs := tr.Update(t0.Add(time.Minute), []diagnosis.Diagnosis{b}); len(cs) != 0 {
		t.Errorf("changes %s, want none", kinds(cs))
	}
	if d, _ := tr.Get("a"); d.Facts["silent_for"] != "2m" {
		t.Errorf("facts not refreshed: %v", d.Facts)
	}
}

func TestPruneByAgeAndCount(t *testing.T) {
	tr := tracker.New(tracker.Options{Retention: time.Hour, MaxResolved: 3})
	var cur []diagnosis.Diagnosis
	for i := 0; i < 6; i++ {
		cur = append(cur, diag(fmt.Sprintf("d%d", i), "c", "error", t0, t0, 1, "x"))
	}
	tr.Update(t0, cur)
	// Resolve d0..d4 one by one, a minute apart.
	for i := 0; i < 5; i++ {
		tr.Update(t0.Add(time.Duration(i+1)*time.Minute), cur[i+1:])
	}
	all := tr.List(tracker.Filter{State: tracker.StateAll})
	if got := ids(all); got != "d5 d2 d3 d4" {
		t.Errorf("after count pruning: %s, want d5 d2 d3 d4", got)
	}
	tr.Update(t0.Add(4*time.Minute+time.Hour+time.Second), cur[5:])
	if got := ids(tr.List(tracker.Filter{State: tracker.StateAll})); got != "d5 d4" {
		t.Errorf("after age pruning: %s, want d5 d4", got)
	}
}

func ids(ds []diagnosis.Diagnosis) string {
	var out []string
	for _, d := range ds {
		out = append(out, d.ID)
	}
	return strings.Join(out, " ")
}

func TestListFiltersAndOrder(t *testing.T) {
	tr := tracker.New(tracker.Options{})
	tr.Update(t0, []diagnosis.Diagnosis{
		diag("w", "config-drift", "warning", t0, t0, 1, "local"),
		diag("e2", "tls-untrusted-ca", "error", t0, t0, 1, "other", "remote"),
		diag("e1", "remote-unreachable", "error", t0, t0, 1, "local", "remote"),
		diag("r", "agent-silent", "warning", t0, t0, 1, "local"),
	})
	tr.Update(t0.Add(time.Minute), []diagnosis.Diagnosis{
		diag("w", "config-drift", "warning", t0, t0, 1, "local"),
		diag("e2", "tls-untrusted-ca", "error", t0, t0, 1, "other", "remote"),
		diag("e1", "remote-unreachable", "error", t0, t0, 1, "local", "remote"),
	})
	for _, c := range []struct {
		f    tracker.Filter
		want string
	}{
		{tracker.Filter{}, "e1 e2 w"},
		{tracker.Filter{State: "open"}, "e1 e2 w"},
		{tracker.Filter{State: "resolved"}, "r"},
		{tracker.Filter{State: "all"}, "e1 e2 w r"},
		{tracker.Filter{Cluster: "remote"}, "e1 e2"},
		{tracker.Filter{Cluster: "local", State: "all"}, "e1 w r"},
		{tracker.Filter{Code: "config-drift"}, "w"},
		{tracker.Filter{Code: "nope"}, ""},
	} {
		if got := ids(tr.List(c.f)); got != c.want {
			t.Errorf("List(%+v) = %q, want %q", c.f, got, c.want)
		}
	}
}

// The same sequence of evaluations gives the same history, whatever the
// order of the lists.
func TestDeterministic(t *testing.T) {
	run := func(reverse bool) ([]diagnosis.Diagnosis, string) {
		tr := tracker.New(tracker.Options{})
		var log []string
		for step := 0; step < 4; step++ {
			var cur []diagnosis.Diagnosis
			for i := 0; i < 5; i++ {
				if (i+step)%3 == 0 {
					continue
				}
				cur = append(cur, diag(fmt.Sprintf("d%d", i), fmt.Sprintf("code-%d", i%2), "error", t0, t0.Add(time.Duration(step)*time.Minute), step+1, "x"))
			}
			if reverse {
				for i, j := 0, len(cur)-1; i < j; i, j = i+1, j-1 {
					cur[i], cur[j] = cur[j], cur[i]
				}
			}
			log = append(log, kinds(tr.Update(t0.Add(time.Duration(step)*time.Hour), cur)))
		}
		return tr.List(tracker.Filter{State: tracker.StateAll}), strings.Join(log, "\n")
	}
	a, la := run(false)
	b, lb := run(true)
	if la != lb || !reflect.DeepEqual(a, b) {
		t.Errorf("order-dependent:\n%s\n--\n%s", la, lb)
	}
}

func TestChangeSubject(t *testing.T) {
	c := tracker.Change{Kind: tracker.Opened, Diagnosis: diagnosis.Diagnosis{Code: "tls-untrusted-ca"}}
	if c.Subject() != "esdoctor.v1.diagnosis.tls-untrusted-ca" {
		t.Errorf("subject %s", c.Subject())
	}
}

// The short id the CLI prints names a diagnosis; a prefix shorter than
// MinPrefix or shared by two ids does not.
func TestGetByShortID(t *testing.T) {
	tr := tracker.New(tracker.Options{})
	a := diag("b8eb07228eb78003417dfd2af5e316d1", "tls-untrusted-ca", "error", t0, t0, 1, "local", "remote")
	b := diag("b8eb07ffffb78003417dfd2af5e316d1", "config-drift", "warning", t0, t0, 1, "local")
	tr.Update(t0, []diagnosis.Diagnosis{a, b})
	if d, ok := tr.Get("b8eb07228eb7"); !ok || d.ID != a.ID {
		t.Errorf("short id: %v %v", d.ID, ok)
	}
	if d, ok := tr.Get(a.ID); !ok || d.ID != a.ID {
		t.Errorf("full id: %v %v", d.ID, ok)
	}
	if _, ok := tr.Get("b8eb07"); ok {
		t.Error("an ambiguous prefix found a diagnosis")
	}
	if _, ok := tr.Get("b8eb0"); ok {
		t.Error("a prefix shorter than MinPrefix found a diagnosis")
	}
}
