package aggregator

import (
	"context"
	"fmt"
	"sort"
	"time"

	"go.uber.org/zap"

	"github.com/esdoctor/esdoctor/aggregator/acks"
	"github.com/esdoctor/esdoctor/aggregator/api"
	"github.com/esdoctor/esdoctor/aggregator/pairing"
	"github.com/esdoctor/esdoctor/aggregator/rules"
	"github.com/esdoctor/esdoctor/aggregator/tracker"
	"github.com/esdoctor/esdoctor/shared/catalog"
	"github.com/esdoctor/esdoctor/shared/diagnosis"
)

// ackStore returns the acknowledgements store (nil until NATS is there).
func (a *Aggregator) ackStore() *acks.Store {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.acks
}

// annotate sets the acknowledgements in force on ds.
func (a *Aggregator) annotate(ds []diagnosis.Diagnosis) {
	if s := a.ackStore(); s != nil {
		s.Annotate(ds, a.o.Now())
	}
}

// Acknowledge records an ack, mute or unack of a diagnosis.
func (a *Aggregator) Acknowledge(ctx context.Context, id string, r api.AckRequest) (diagnosis.Diagnosis, error) {
	s := a.ackStore()
	if s == nil {
		return diagnosis.Diagnosis{}, fmt.Errorf("acknowledgements are not available yet (NATS is not connected)")
	}
	d, ok := a.Diagnosis(id)
	if !ok {
		return d, fmt.Errorf("%w with id %q", api.ErrNoDiagnosis, clipID(id))
	}
	rec, err := r.Record(d.ID, d.Code, a.o.Now())
	if err != nil {
		return d, err
	}
	switch {
	case rec.Action == acks.ActionAck && d.State != diagnosis.StateOpen:
		return d, fmt.Errorf("%w: diagnosis %s is %s; acknowledge an open diagnosis, or mute it", api.ErrConflict, d.ID, d.State)
	case rec.Action == acks.ActionUnack && s.Active(d.ID, a.o.Now()) == nil:
		return d, fmt.Errorf("%w: diagnosis %s is not acknowledged or muted", api.ErrConflict, d.ID)
	}
	if err := s.Put(ctx, rec); err != nil {
		return d, err
	}
	a.log.Info("diagnosis "+rec.Action, zap.String("id", d.ID), zap.String("code", d.Code), zap.String("by", rec.By))
	d, _ = a.Diagnosis(d.ID)
	return d, nil
}

// AckHistory returns a diagnosis' acknowledgement records.
func (a *Aggregator) AckHistory(ctx context.Context, id string) ([]acks.Record, error) {
	s := a.ackStore()
	if s == nil {
		return nil, fmt.Errorf("acknowledgements are not available yet (NATS is not connected)")
	}
	return s.History(ctx, id)
}

// Certificates compares the certificates of a diagnosis' connection.
func (a *Aggregator) Certificates(id string) (diagnosis.CertComparison, bool) {
	d, ok := a.Diagnosis(id)
	if !ok || len(d.Clusters) < 2 || d.Alias == "" {
		return diagnosis.CertComparison{}, false
	}
	now := a.o.Now()
	return rules.CompareCertificates(pairing.New(a.store.Nodes(), now), d.Clusters[0], d.Alias, now)
}

// onAck pushes an acknowledgement change to the console.
func (a *Aggregator) onAck(r acks.Record) {
	a.broker.Publish(api.EventAck, map[string]any{"id": r.ID, "ack": r.Ack().ActiveOrNil(a.o.Now()), "record": r})
}

// clearResolvedAcks ends the acks (not the mutes) of diagnoses that
// resolved: a reopened diagnosis asks for attention again.
func (a *Aggregator) clearResolvedAcks(changes []tracker.Change) {
	s := a.ackStore()
	if s == nil {
		return
	}
	now := a.o.Now()
	for _, c := range changes {
		if c.Kind != tracker.Resolved {
			continue
		}
		cur, ok := s.Latest(c.Diagnosis.ID)
		if !ok || cur.Action != acks.ActionAck {
			continue
		}
		rec := acks.Record{ID: c.Diagnosis.ID, Action: acks.ActionClear, By: "esdoctor-aggregator", Reason: "the diagnosis resolved",
			At: now.UTC(), Code: c.Diagnosis.Code}
		go func() {
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			if err := s.Put(ctx, rec); err != nil {
				a.log.Warn("cannot clear the ack of a resolved diagnosis", zap.String("id", rec.ID), zap.Error(err))
			}
		}()
	}
}

// Clusters is the pair graph: every cluster with its agents, every
// remote cluster alias, each coloured by its worst open, unacknowledged
// diagnosis.
func (a *Aggregator) Clusters() api.Clusters {
	now := a.o.Now()
	nodes := a.store.Nodes()
	v := pairing.New(nodes, now)
	open := a.Diagnoses(api.Query{State: api.StateOpen})
	out := api.Clusters{Now: now.UTC(), Clusters: []api.ClusterInfo{}, Links: []api.LinkInfo{}}

	silent := map[string]bool{}
	for _, d := range open {
		if d.Code == string(catalog.AgentSilent) {
			for _, n := range d.Nodes {
				silent[n.Cluster+"/"+n.Node] = true
			}
		}
	}
	infos := nodeInfos(nodes, now)
	byCluster := map[string]*api.ClusterInfo{}
	var names []string
	get := func(name string) *api.ClusterInfo {
		c := byCluster[name]
		if c == nil {
			c = &api.ClusterInfo{Name: name, Nodes: []api.Node{}}
			byCluster[name] = c
			names = append(names, name)
		}
		return c
	}
	for _, n := range infos {
		n.Silent = silent[n.Cluster+"/"+n.Node]
		c := get(n.Cluster)
		c.Nodes = append(c.Nodes, n)
	}
	for _, d := range open {
		for _, name := range d.Clusters {
			c := get(name)
			count(&c.Worst, &c.Open, &c.Acked, &d)
		}
	}
	for _, l := range v.Links() {
		li := api.LinkInfo{Local: l.Local, Alias: l.Alias, Remote: l.Remote, Mode: l.Mode, Auth: api.AuthCertificate}
		if l.APIKeyModel() {
			li.Auth = api.AuthAPIKey
		}
		for _, t := range l.Targets {
			li.Seeds = append(li.Seeds, t.Addr)
		}
		for _, d := range open {
			if len(d.Clusters) > 0 && d.Clusters[0] == l.Local && d.Alias == l.Alias {
				count(&li.Worst, &li.Open, &li.Acked, &d)
				li.Issues = append(li.Issues, d.ID)
			}
		}
		out.Links = append(out.Links, li)
	}
	sort.Strings(names)
	for _, name := range names {
		out.Clusters = append(out.Clusters, *byCluster[name])
	}
	return out
}

// count adds d to a worst/open/acked tally.
func count(worst *string, open, acked *int, d *diagnosis.Diagnosis) {
	if d.Ack != nil {
		*acked++
		return
	}
	*open++
	if *worst == "" || catalog.Severity(d.Severity).Rank() < catalog.Severity(*worst).Rank() {
		*worst = d.Severity
	}
}

func clipID(s string) string {
	if len(s) > 64 {
		return s[:64] + "…"
	}
	return s
}

var _ api.Console = (*Aggregator)(nil)
