package probe

import (
	"bytes"
	"encoding/json"
	"fmt"
	"sort"
	"strconv"
)

// Parsers of the local Elasticsearch API's responses, in the shapes the ES
// reference documents. Each returns an error naming the endpoint and the
// cause; none keeps a value that could be a secret (cluster_credentials is
// reduced to "present").

// maxAPIBody bounds one API response.
const maxAPIBody = 8 << 20

// RemoteInfo is one alias of GET _remote/info.
type RemoteInfo struct {
	Alias             string
	Mode              string
	Connected         bool
	NodesConnected    int // num_nodes_connected (sniff) or num_proxy_sockets_connected (proxy)
	Seeds             []string
	ProxyAddress      string
	ServerName        string
	SkipUnavailable   *bool
	ClusterCredential bool // cluster_credentials present: the API-key model
}

func decodeObject(endpoint string, b []byte) (map[string]json.RawMessage, error) {
	if len(b) > maxAPIBody {
		return nil, fmt.Errorf("%s: response of %d bytes exceeds %d", endpoint, len(b), maxAPIBody)
	}
	var m map[string]json.RawMessage
	dec := json.NewDecoder(bytes.NewReader(b))
	if err := dec.Decode(&m); err != nil {
		return nil, fmt.Errorf("%s: not a JSON object: %v", endpoint, err)
	}
	if m == nil {
		return nil, fmt.Errorf("%s: not a JSON object: null", endpoint)
	}
	if dec.More() {
		return nil, fmt.Errorf("%s: trailing data after the JSON object", endpoint)
	}
	return m, nil
}

// ParseRemoteInfo parses GET _remote/info.
func ParseRemoteInfo(b []byte) ([]RemoteInfo, error) {
	const ep = "GET _remote/info"
	m, err := decodeObject(ep, b)
	if err != nil {
		return nil, err
	}
	out := make([]RemoteInfo, 0, len(m))
	for alias, raw := range m {
		var r struct {
			Mode               string   `json:"mode"`
			Connected          *bool    `json:"connected"`
			NumNodes           *int     `json:"num_nodes_connected"`
			NumSockets         *int     `json:"num_proxy_sockets_connected"`
			Seeds              []string `json:"seeds"`
			ProxyAddress       string   `json:"proxy_address"`
			ServerName         string   `json:"server_name"`
			SkipUnavailable    *bool    `json:"skip_unavailable"`
			ClusterCredentials any      `json:"cluster_credentials"`
		}
		if err := json.Unmarshal(raw, &r); err != nil {
			return nil, fmt.Errorf("%s: alias %q: %v", ep, alias, err)
		}
		if r.Connected == nil {
			return nil, fmt.Errorf("%s: alias %q: no \"connected\" field", ep, alias)
		}
		ri := RemoteInfo{Alias: alias, Mode: r.Mode, Connected: *r.Connected, Seeds: r.Seeds, ProxyAddress: r.ProxyAddress,
			ServerName: r.ServerName, SkipUnavailable: r.SkipUnavailable, ClusterCredential: r.ClusterCredentials != nil}
		if r.NumNodes != nil {
			ri.NodesConnected = *r.NumNodes
		} else if r.NumSockets != nil {
			ri.NodesConnected = *r.NumSockets
		}
		out = append(out, ri)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Alias < out[j].Alias })
	return out, nil
}

// SSLCertificate is one entry of GET _ssl/certificates.
type SSLCertificate struct {
	Path, Format, Alias, SubjectDN, Serial, Expiry string
	HasPrivateKey                                  bool
}

// ParseSSLCertificates parses GET _ssl/certificates (a JSON array).
func ParseSSLCertificates(b []byte) ([]SSLCertificate, error) {
	const ep = "GET _ssl/certificates"
	if len(b) > maxAPIBody {
		return nil, fmt.Errorf("%s: response of %d bytes exceeds %d", ep, len(b), maxAPIBody)
	}
	var raw []struct {
		Path          string  `json:"path"`
		Format        string  `json:"format"`
		Alias         *string `json:"alias"`
		SubjectDN     string  `json:"subject_dn"`
		Serial        string  `json:"serial_number"`
		HasPrivateKey bool    `json:"has_private_key"`
		Expiry        string  `json:"expiry"`
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	if err := dec.Decode(&raw); err != nil {
		return nil, fmt.Errorf("%s: not a JSON array of certificates: %v", ep, err)
	}
	if raw == nil {
		return nil, fmt.Errorf("%s: not a JSON array of certificates: null", ep)
	}
	if dec.More() {
		return nil, fmt.Errorf("%s: trailing data after the JSON array", ep)
	}
	out := make([]SSLCertificate, 0, len(raw))
	for i, c := range raw {
		if c.Path == "" || c.SubjectDN == "" {
			return nil, fmt.Errorf("%s: entry %d lacks path or subject_dn", ep, i)
		}
		sc := SSLCertificate{Path: c.Path, Format: c.Format, SubjectDN: c.SubjectDN, Serial: c.Serial, HasPrivateKey: c.HasPrivateKey, Expiry: c.Expiry}
		if c.Alias != nil {
			sc.Alias = *c.Alias
		}
		out = append(out, sc)
	}
	return out, nil
}

// ResolvedCluster is one cluster of GET _resolve/cluster/<expr>.
type ResolvedCluster struct {
	Alias     string
	Connected bool
	Error     string
	Version   string
}

// ParseResolveCluster parses GET _resolve/cluster/<alias>:* (8.13+).
func ParseResolveCluster(b []byte) ([]ResolvedCluster, error) {
	const ep = "GET _resolve/cluster"
	m, err := decodeObject(ep, b)
	if err != nil {
		return nil, err
	}
	out := make([]ResolvedCluster, 0, len(m))
	for alias, raw := range m {
		var r struct {
			Connected *bool `json:"connected"`
			Error     any   `json:"error"`
			Version   *struct {
				Number string `json:"number"`
			} `json:"version"`
		}
		if err := json.Unmarshal(raw, &r); err != nil {
			return nil, fmt.Errorf("%s: cluster %q: %v", ep, alias, err)
		}
		if r.Connected == nil {
			return nil, fmt.Errorf("%s: cluster %q: no \"connected\" field", ep, alias)
		}
		rc := ResolvedCluster{Alias: alias, Connected: *r.Connected}
		switch e := r.Error.(type) {
		case nil:
		case string:
			rc.Error = e
		default:
			eb, _ := json.Marshal(e)
			rc.Error = string(eb)
		}
		if len(rc.Error) > 500 {
			rc.Error = rc.Error[:500] + "…"
		}
		if r.Version != nil {
			rc.Version = r.Version.Number
		}
		out = append(out, rc)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Alias < out[j].Alias })
	return out, nil
}

// NodeSettings is one node of GET _nodes/settings with the settings that
// matter here, flattened.
type NodeSettings struct {
	ID, Name string
	Settings map[string]string
}

// ParseNodesSettings parses GET _nodes/settings.
func ParseNodesSettings(b []byte) (cluster string, nodes []NodeSettings, err error) {
	const ep = "GET _nodes/settings"
	m, err := decodeObject(ep, b)
	if err != nil {
		return "", nil, err
	}
	if raw, ok := m["cluster_name"]; ok {
		if err := json.Unmarshal(raw, &cluster); err != nil {
			return "", nil, fmt.Errorf("%s: cluster_name: %v", ep, err)
		}
	}
	var ns map[string]struct {
		Name     string         `json:"name"`
		Settings map[string]any `json:"settings"`
	}
	raw, ok := m["nodes"]
	if !ok {
		return "", nil, fmt.Errorf("%s: no \"nodes\" object", ep)
	}
	if err := json.Unmarshal(raw, &ns); err != nil {
		return "", nil, fmt.Errorf("%s: nodes: %v", ep, err)
	}
	for id, n := range ns {
		flat := map[string]string{}
		flattenSettings("", n.Settings, flat, 0)
		nodes = append(nodes, NodeSettings{ID: id, Name: n.Name, Settings: flat})
	}
	sort.Slice(nodes, func(i, j int) bool { return nodes[i].Name < nodes[j].Name })
	return cluster, nodes, nil
}

// flattenSettings flattens nested settings into dotted keys, keeping the
// ones esdoctor reports (no secure settings appear in this API).
func flattenSettings(prefix string, v any, out map[string]string, depth int) {
	if depth > 32 {
		return
	}
	switch x := v.(type) {
	case map[string]any:
		for k, vv := range x {
			key := k
			if prefix != "" {
				key = prefix + "." + k
			}
			flattenSettings(key, vv, out, depth+1)
		}
	case []any:
		b, _ := json.Marshal(x)
		if interesting(prefix) {
			out[prefix] = string(b)
		}
	case string:
		if interesting(prefix) {
			out[prefix] = x
		}
	case bool:
		if interesting(prefix) {
			out[prefix] = strconv.FormatBool(x)
		}
	case float64:
		if interesting(prefix) {
			out[prefix] = strconv.FormatFloat(x, 'f', -1, 64)
		}
	}
}

func interesting(key string) bool {
	for _, p := range []string{"cluster.remote.", "remote_cluster_server.", "remote_cluster.", "transport.port", "http.port", "network.", "xpack.security.remote_cluster", "xpack.security.transport.ssl.enabled"} {
		if len(key) >= len(p) && key[:len(p)] == p {
			return true
		}
	}
	return false
}

// ParseRoot reads the version number of GET /.
func ParseRoot(b []byte) (string, error) {
	const ep = "GET /"
	m, err := decodeObject(ep, b)
	if err != nil {
		return "", err
	}
	var v struct {
		Number string `json:"number"`
	}
	raw, ok := m["version"]
	if !ok {
		return "", fmt.Errorf("%s: no \"version\" object", ep)
	}
	if err := json.Unmarshal(raw, &v); err != nil || v.Number == "" {
		return "", fmt.Errorf("%s: version.number missing or not a string", ep)
	}
	return v.Number, nil
}
