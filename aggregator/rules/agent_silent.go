package rules

import (
	"fmt"
	"time"

	"github.com/esdoctor/esdoctor/aggregator/pairing"
	"github.com/esdoctor/esdoctor/shared/catalog"
	"github.com/esdoctor/esdoctor/shared/diagnosis"
	"github.com/esdoctor/esdoctor/shared/event"
)

// AgentSilent: no heartbeat from a known agent within SilentAfter intervals.
type AgentSilent struct{}

// SilentAfter is the number of heartbeat intervals without a beat after
// which an agent is silent.
const SilentAfter = 3

var _ Rule = AgentSilent{}

func (AgentSilent) Meta() Meta {
	return Meta{Code: catalog.AgentSilent, Description: "an agent stopped sending heartbeats",
		Inputs: []event.Kind{event.KindHeartbeat}}
}

func (AgentSilent) Evaluate(v *pairing.View, r *Reporter) {
	for _, n := range v.Nodes {
		if n.LastHeartbeat.IsZero() || n.HeartbeatInterval <= 0 {
			continue
		}
		silent := v.Now.Sub(n.LastHeartbeat)
		if silent <= SilentAfter*n.HeartbeatInterval {
			continue
		}
		t := n.LastHeartbeat
		r.Report(Finding{Code: catalog.AgentSilent, Key: n.Key.Node, Clusters: []string{n.Key.Cluster}, Nodes: refs(nil),
			Facts: map[string]any{"last_heartbeat": t.Format(time.RFC3339), "silent_for": silent.Round(time.Second).String(), "agent": n.Agent},
			Evidence: []diagnosis.Evidence{{Side: diagnosis.SideProbe, Cluster: n.Key.Cluster, Node: n.Key.Node, Time: &t,
				// The row does not say "N s ago": it would change on every
				// evaluation, and with it the diagnosis (an update notified
				// each time). The silent_for fact and the console say it.
				Text: fmt.Sprintf("last heartbeat at %s (interval %s)", t.UTC().Format(time.RFC3339), n.HeartbeatInterval)}},
			Fix: diagnosis.Fix{Summary: "Check the esdoctor-agent service on " + n.Key.Node + ".", Commands: []string{"systemctl status esdoctor-agent", "journalctl -u esdoctor-agent -n 100"},
				Nodes: []diagnosis.NodeRef{ref(n)}}})
	}
}
