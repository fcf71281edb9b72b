package aggregator

import (
	"time"

	"github.com/esdoctor/esdoctor/aggregator/api"
	"github.com/esdoctor/esdoctor/aggregator/pairing"
	"github.com/esdoctor/esdoctor/aggregator/store"
	"github.com/esdoctor/esdoctor/shared/catalog"
)

// factSymptoms identify a node and its starts; they are not problems.
var factSymptoms = map[string]bool{
	string(catalog.SymNodeStarted):    true,
	string(catalog.SymNodeStopping):   true,
	string(catalog.SymPublishAddress): true,
}

// nodeInfos describes the nodes (already sorted by the store) for the API.
func nodeInfos(nodes []*store.Node, now time.Time) []api.Node {
	v := pairing.New(nodes, now)
	out := make([]api.Node, 0, len(nodes))
	for _, n := range nodes {
		info := api.Node{Cluster: n.Key.Cluster, Node: n.Key.Node, Agent: n.Agent}
		if s := n.Snapshot; s != nil {
			t := s.InspectedAt
			info.LastSnapshot = &t
			info.Host, info.ESVersion, info.Problems = s.Host, s.ESVersion, len(s.Problems)
			if len(s.Errors) > 0 {
				info.Unreadable = append(info.Unreadable, s.Errors...)
			}
		}
		if !n.LastHeartbeat.IsZero() {
			t := n.LastHeartbeat
			info.LastHeartbeat = &t
		}
		for _, agg := range n.Symptoms {
			if factSymptoms[agg.Code] || !v.Current(n, agg) {
				continue
			}
			info.Symptoms++
			info.SymptomEvents += agg.Count
		}
		out = append(out, info)
	}
	return out
}
