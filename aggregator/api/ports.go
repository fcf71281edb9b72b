package api

import (
	"context"
	"net/http"
	"net/url"
	"time"
)

// PathPorts is the intra-cluster reachability matrix: GET /api/v1/ports/{cluster}.
const PathPorts = "/api/v1/ports"

// PortMatrix is what the agents of one cluster's nodes found when they
// connected to their peers' transport, HTTP and remote cluster ports.
type PortMatrix struct {
	Cluster string `json:"cluster"`
	// Nodes are the cluster's nodes known to the aggregator, sorted.
	Nodes []string `json:"nodes"`
	// Pairs are the probes, by from node, to node, port.
	Pairs []PortPair `json:"pairs"`
	// Blocked counts the pairs that failed.
	Blocked int `json:"blocked"`
}

// PortPair is one probe of a peer's port.
type PortPair struct {
	From string `json:"from"`
	// To is the peer node at the target address ("" when no known node
	// of the cluster is there).
	To     string `json:"to,omitempty"`
	Target string `json:"target"`
	// Port is "transport", "http" or "remote_cluster".
	Port string `json:"port"`
	OK   bool   `json:"ok"`
	// ErrorKind is "refused", "timeout", "unreachable", ...
	ErrorKind string     `json:"error_kind,omitempty"`
	Error     string     `json:"error,omitempty"`
	LatencyMS float64    `json:"latency_ms,omitempty"`
	Time      *time.Time `json:"time,omitempty"`
}

// PortsSource is implemented by sources that know the agents' probes.
type PortsSource interface {
	// Ports returns the matrix of a cluster; false when the cluster is
	// unknown.
	Ports(cluster string) (PortMatrix, bool)
}

func (h *handler) ports(w http.ResponseWriter, r *http.Request) {
	ps, ok := h.src.(PortsSource)
	if !ok {
		h.error(w, http.StatusNotFound, "this aggregator does not keep probe results")
		return
	}
	cluster := r.PathValue("cluster")
	m, ok := ps.Ports(cluster)
	if !ok {
		h.error(w, http.StatusNotFound, "no cluster named "+cluster)
		return
	}
	h.json(w, http.StatusOK, m)
}

// Ports fetches the reachability matrix of a cluster.
func (c *Client) Ports(ctx context.Context, cluster string) (PortMatrix, error) {
	var m PortMatrix
	err := c.get(ctx, PathPorts+"/"+url.PathEscape(cluster), nil, &m)
	return m, err
}
