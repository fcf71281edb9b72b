package e2e

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/nats-io/nats.go"

	"github.com/esdoctor/esdoctor/aggregator"
	"github.com/esdoctor/esdoctor/aggregator/api"
	"github.com/esdoctor/esdoctor/aggregator/tracker"
	"github.com/esdoctor/esdoctor/shared/diagnosis"
	"github.com/esdoctor/esdoctor/shared/event"
	"github.com/esdoctor/esdoctor/shared/natsx/natstest"
)

// (a) The events of a broken and a healthy pair of clusters, published as
// agents do, give the live aggregator the same diagnoses as esdoctor analyze
// over the same bundles; (b) a fix (new snapshots, configuration changed
// after the old symptoms) resolves the diagnosis, announced on
// esdoctor.v1.diagnosis.<code>.
func TestLiveEqualsAnalyzeThenFixResolves(t *testing.T) {
	w, local, remote := world(t, true)
	bs := w.Bundles()
	want := offline(bs)
	if got := summary(want); got != transportPort+" [local,remote] alias=my fix=local/local-1,local/local-2,local/local-3" {
		t.Fatalf("the scenario changed: analyze says\n%s", got)
	}

	url, _ := natstest.RunTestServer(t)
	nc, js := natstest.Connect(t, url)
	changes := make(chan tracker.Change, 64)
	sub, err := nc.Subscribe(tracker.SubjectPrefix+".>", func(m *nats.Msg) {
		var c tracker.Change
		if err := json.Unmarshal(m.Data, &c); err != nil {
			t.Errorf("notification on %s: %v", m.Subject, err)
			return
		}
		if m.Subject != c.Subject() {
			t.Errorf("notification for %s on %s", c.Diagnosis.Code, m.Subject)
		}
		changes <- c
	})
	if err != nil {
		t.Fatal(err)
	}
	defer sub.Unsubscribe()

	a := start(t, aggregator.Options{NATSURL: url, Durable: "live"})
	es := events(bs)
	publish(t, js, es)
	a.settle(t, uniqueIDs(es))

	got := a.diagnoses(t, api.Query{})
	if summary(got) != summary(want) {
		t.Fatalf("live:\n%s\nanalyze:\n%s", summary(got), summary(want))
	}
	if c, o := comparable(t, got), comparable(t, want); c != o {
		t.Errorf("live and analyze differ beyond first_seen:\nlive:    %s\nanalyze: %s", c, o)
	}
	for _, d := range got {
		if d.State != diagnosis.StateOpen || d.FirstSeen.IsZero() || d.FirstSeen.After(d.LastSeen) {
			t.Errorf("%s: state %s first_seen %v last_seen %v", d.Code, d.State, d.FirstSeen, d.LastSeen)
		}
	}
	opened := waitChange(t, changes, tracker.Opened, transportPort)
	if opened.Diagnosis.Alias != "my" {
		t.Errorf("opened notification: %+v", opened.Diagnosis)
	}

	// (b) The operator points the seeds at remote_cluster.port; the agents
	// send new snapshots saying the configuration changed after the errors.
	local.Link(remote, "my", key, 9443)
	fixed := w.Bundles()
	changedAt := w.At(10 * time.Minute)
	var update []*event.Envelope
	for _, e := range events(fixed) {
		if e.Kind == event.KindSnapshot {
			e.Snapshot.ConfigChangedAt = &changedAt
			update = append(update, e)
		}
	}
	publish(t, js, update)
	waitFor(t, 20*time.Second, func() bool { return len(a.diagnoses(t, api.Query{})) == 0 },
		func() string { return "still open:\n" + summary(a.diagnoses(t, api.Query{})) })

	// While the events stream in, an evaluation may see the local cluster
	// before the remote one (a diagnosis of [local] alone that resolves
	// when the remote's nodes arrive): look for the one that was open.
	var resolved []diagnosis.Diagnosis
	for _, d := range a.diagnoses(t, api.Query{State: api.StateResolved, Code: transportPort}) {
		if d.ID == got[0].ID {
			resolved = append(resolved, d)
		}
	}
	if len(resolved) != 1 || resolved[0].ResolvedAt == nil || !resolved[0].FirstSeen.Equal(got[0].FirstSeen) {
		t.Fatalf("resolved history: %+v", resolved)
	}
	if c := waitChange(t, changes, tracker.Resolved, transportPort); c.Diagnosis.State != diagnosis.StateResolved {
		t.Errorf("resolved notification carries state %s", c.Diagnosis.State)
	}
	// The same evidence offline: nothing either.
	if ds := offline(append(bs, fixedSnapshots(fixed, changedAt)...)); len(ds) != 0 {
		t.Errorf("analyze after the fix:\n%s", summary(ds))
	}
}

// fixedSnapshots returns the snapshot-only parts of bundles (for the
// offline comparison of the fix).
func fixedSnapshots(fixed []*bundleT, changedAt time.Time) []*bundleT {
	var out []*bundleT
	for _, b := range fixed {
		c := *b
		c.Events = nil
		for _, e := range b.Events {
			if e.Kind == event.KindSnapshot {
				e.Snapshot.ConfigChangedAt = &changedAt
				c.Events = append(c.Events, e)
			}
		}
		out = append(out, &c)
	}
	return out
}

// waitChange waits for a notification of kind for code.
func waitChange(t *testing.T, ch <-chan tracker.Change, kind tracker.ChangeKind, code string) tracker.Change {
	t.Helper()
	deadline := time.After(30 * time.Second)
	for {
		select {
		case c := <-ch:
			if c.Kind == kind && c.Diagnosis.Code == code {
				return c
			}
		case <-deadline:
			t.Fatalf("no %s notification for %s", kind, code)
			return tracker.Change{}
		}
	}
}
