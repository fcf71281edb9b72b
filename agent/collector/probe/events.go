package probe

import (
	"encoding/json"
	"time"

	"github.com/esdoctor/esdoctor/shared/event"
)

// Events wraps probe results of a node into envelopes. The id is derived
// from the result and the time (to the second), so a re-sent batch is
// deduplicated and a later run is a new event.
func Events(s *event.Snapshot, agent string, ps []event.Probe, at time.Time) []*event.Envelope {
	out := make([]*event.Envelope, 0, len(ps))
	for i := range ps {
		p := ps[i]
		b, _ := json.Marshal(p)
		id := event.HashID("probe", s.Cluster, s.Node, string(b), at.UTC().Truncate(time.Second).String())
		out = append(out, &event.Envelope{Schema: event.SchemaVersion, ID: id, Kind: event.KindProbe, Cluster: s.Cluster, Node: s.Node,
			Agent: agent, Time: at.UTC(), Probe: &p})
	}
	return out
}
