package probe

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/esdoctor/esdoctor/agent/collector/config"
	"github.com/esdoctor/esdoctor/shared/event"
	"github.com/esdoctor/esdoctor/shared/secret"
)

// PurposeLocalAPI is the purpose of the local ES API collector's result.
const PurposeLocalAPI = "local-es-api"

// ESAPI is the optional local Elasticsearch API collector: GET /,
// _remote/info, _cluster/settings, _nodes/settings, _ssl/certificates and
// (8.13+) _resolve/cluster/<alias>:*, with credentials from a file only
// the agent can read and TLS verified with the node's HTTP CA. Responses
// become facts of one probe result (kind "esapi"); the live cluster
// settings' remotes are probed like the yml's.
type ESAPI struct {
	// URL of the node's HTTP API, e.g. https://127.0.0.1:9200.
	URL string
	// CredentialsFile holds "user:password" or an encoded API key
	// ("ApiKey <base64>" or the base64 alone) on its first line.
	CredentialsFile string
	// CAFile overrides the HTTP CA (default: the node's
	// xpack.security.http.ssl trust).
	CAFile string
	// Timeout bounds one request (default 10 s).
	Timeout time.Duration
}

// Name implements Prober.
func (*ESAPI) Name() string { return "es-api" }

// liveRemotes are the remotes of the live cluster settings the last run
// saw (Set.Run probes them with the others).
type apiResult struct {
	probe   event.Probe
	remotes []event.Remote
}

// Probe implements Prober.
func (e *ESAPI) Probe(ctx context.Context, in *Input, _ *Limiter) []event.Probe {
	r := e.collect(ctx, in)
	return []event.Probe{r.probe}
}

func (e *ESAPI) collect(ctx context.Context, in *Input) apiResult {
	u, err := url.Parse(e.URL)
	target := e.URL
	if err == nil {
		u.User = nil
		target = u.String()
	}
	p := event.Probe{Kind: "esapi", Target: target, Purpose: PurposeLocalAPI, Facts: map[string]string{}}
	res := apiResult{}
	fail := func(err error) apiResult {
		p.Error = err.Error()
		res.probe = p
		return res
	}
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return fail(fmt.Errorf("es_api.url %q: want http(s)://host:port", target))
	}
	auth, err := readCredentials(e.CredentialsFile)
	if err != nil {
		return fail(err)
	}
	hc, err := e.client(in)
	if err != nil {
		return fail(err)
	}
	var errs []string
	get := func(path string) []byte {
		b, err := e.get(ctx, hc, u, path, auth)
		if err != nil {
			errs = append(errs, err.Error())
			p.Facts["error "+path] = err.Error()
			return nil
		}
		return b
	}
	version := ""
	if b := get("/"); b != nil {
		if v, err := ParseRoot(b); err != nil {
			errs = append(errs, err.Error())
		} else {
			version = v
			p.Facts["es_version"] = v
		}
	}
	var aliases []string
	if b := get("/_remote/info"); b != nil {
		ris, err := ParseRemoteInfo(b)
		if err != nil {
			errs = append(errs, err.Error())
		}
		for _, ri := range ris {
			aliases = append(aliases, ri.Alias)
			k := "remote_info." + ri.Alias + "."
			p.Facts[k+"connected"] = strconv.FormatBool(ri.Connected)
			p.Facts[k+"mode"] = ri.Mode
			p.Facts[k+"num_connected"] = strconv.Itoa(ri.NodesConnected)
			model := "certificate"
			if ri.ClusterCredential {
				model = "api_key"
			}
			p.Facts[k+"model"] = model
		}
	}
	if b := get("/_cluster/settings?flat_settings=true"); b != nil {
		cs, err := config.ParseClusterSettings(b, "GET _cluster/settings")
		if err != nil {
			errs = append(errs, err.Error())
		} else {
			rs := config.NewView(nil, cs).Remotes()
			for i := range rs {
				rs[i].Source = "cluster_settings"
				if hasKeystoreEntry(in, "cluster.remote."+rs[i].Alias+".credentials") {
					rs[i].HasCredentials = true
				}
				p.Facts["cluster_settings.remote."+rs[i].Alias] = rs[i].Mode + " " + strings.Join(append(rs[i].Seeds, rs[i].ProxyAddress), " ")
			}
			res.remotes = rs
		}
	}
	if b := get("/_nodes/settings"); b != nil {
		_, nodes, err := ParseNodesSettings(b)
		if err != nil {
			errs = append(errs, err.Error())
		}
		p.Facts["nodes"] = strconv.Itoa(len(nodes))
		for _, n := range nodes {
			if v := n.Settings["remote_cluster_server.enabled"]; v != "" {
				p.Facts["node."+n.Name+".remote_cluster_server.enabled"] = v
			}
		}
	}
	if b := get("/_ssl/certificates"); b != nil {
		cs, err := ParseSSLCertificates(b)
		if err != nil {
			errs = append(errs, err.Error())
		}
		p.Facts["ssl_certificates"] = strconv.Itoa(len(cs))
		earliest := ""
		for _, c := range cs {
			if c.Expiry != "" && (earliest == "" || c.Expiry < earliest) {
				earliest = c.Expiry
				p.Facts["ssl_certificates.earliest_expiry"] = c.Expiry + " " + c.SubjectDN + " (" + c.Path + ")"
			}
		}
	}
	if versionAtLeast(version, 8, 13) {
		for _, a := range aliases {
			b := get("/_resolve/cluster/" + url.PathEscape(a) + ":*")
			if b == nil {
				continue
			}
			rcs, err := ParseResolveCluster(b)
			if err != nil {
				errs = append(errs, err.Error())
			}
			for _, rc := range rcs {
				p.Facts["resolve."+rc.Alias+".connected"] = strconv.FormatBool(rc.Connected)
				if rc.Error != "" {
					p.Facts["resolve."+rc.Alias+".error"] = rc.Error
				}
			}
		}
	}
	p.OK = len(errs) == 0
	if len(errs) > 0 {
		p.Error = strings.Join(errs, "; ")
	}
	res.probe = p
	return res
}

func hasKeystoreEntry(in *Input, name string) bool {
	if in == nil || in.Snapshot == nil || in.Snapshot.Keystore == nil {
		return false
	}
	for _, e := range in.Snapshot.Keystore.Entries {
		if e.Name == name {
			return true
		}
	}
	return false
}

// versionAtLeast compares "8.13.4" with major.minor.
func versionAtLeast(v string, major, minor int) bool {
	parts := strings.SplitN(v, ".", 3)
	if len(parts) < 2 {
		return false
	}
	ma, err1 := strconv.Atoi(parts[0])
	mi, err2 := strconv.Atoi(parts[1])
	if err1 != nil || err2 != nil {
		return false
	}
	return ma > major || (ma == major && mi >= minor)
}

// client builds the HTTP client: TLS verified with the node's HTTP CA.
func (e *ESAPI) client(in *Input) (*http.Client, error) {
	timeout := e.Timeout
	if timeout <= 0 {
		timeout = 10 * time.Second
	}
	cfg := &tls.Config{MinVersion: tls.VersionTLS12}
	var roots []*x509.Certificate
	if e.CAFile != "" {
		b, err := os.ReadFile(e.CAFile)
		if err != nil {
			return nil, fmt.Errorf("es_api.ca_file %s: %w", e.CAFile, err)
		}
		pool := x509.NewCertPool()
		if !pool.AppendCertsFromPEM(b) {
			return nil, fmt.Errorf("es_api.ca_file %s: no PEM certificate", e.CAFile)
		}
		cfg.RootCAs = pool
	} else if in != nil && in.Snapshot != nil {
		roots = trustFor(in, "xpack.security.http").roots
	}
	if len(roots) > 0 {
		pool := x509.NewCertPool()
		for _, r := range roots {
			pool.AddCert(r)
		}
		cfg.RootCAs = pool
	}
	tr := &http.Transport{TLSClientConfig: cfg, Proxy: nil, MaxIdleConns: 1, IdleConnTimeout: time.Second, ResponseHeaderTimeout: timeout}
	return &http.Client{Transport: tr, Timeout: timeout, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}, nil
}

// get fetches one endpoint; a non-200 answer is an error with the status
// and ES's error type and reason.
func (e *ESAPI) get(ctx context.Context, hc *http.Client, base *url.URL, path string, auth secret.Bytes) ([]byte, error) {
	u := *base
	p, q, _ := strings.Cut(path, "?")
	u.Path = strings.TrimRight(u.Path, "/") + p
	u.RawPath = ""
	u.RawQuery = q
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u.String(), nil)
	if err != nil {
		return nil, fmt.Errorf("GET %s: %v", p, err)
	}
	if auth.Len() > 0 {
		req.Header.Set("Authorization", string(auth.Reveal()))
	}
	req.Header.Set("Accept", "application/json")
	resp, err := hc.Do(req)
	if err != nil {
		var ue *url.Error
		if errors.As(err, &ue) {
			err = ue.Err
		}
		kind := classify(err)
		if kind == "other" {
			return nil, fmt.Errorf("GET %s: %v", p, err)
		}
		return nil, fmt.Errorf("GET %s: %s: %v", p, kind, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(io.LimitReader(resp.Body, maxAPIBody+1))
	if err != nil {
		return nil, fmt.Errorf("GET %s: reading the answer: %v", p, err)
	}
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("GET %s: HTTP %d%s", p, resp.StatusCode, esErrorReason(b))
	}
	return b, nil
}

// esErrorReason extracts " (type: reason)" from an ES error body.
func esErrorReason(b []byte) string {
	m, err := decodeObject("error", b)
	if err != nil {
		return ""
	}
	var e struct {
		Type   string `json:"type"`
		Reason string `json:"reason"`
	}
	if raw, ok := m["error"]; ok && jsonUnmarshal(raw, &e) == nil && e.Type != "" {
		r := e.Reason
		if len(r) > 300 {
			r = r[:300] + "…"
		}
		return " (" + e.Type + ": " + r + ")"
	}
	return ""
}

// readCredentials reads the credentials file: it must be readable by its
// owner only. "user:password" becomes Basic auth, anything else an API key.
func readCredentials(path string) (secret.Bytes, error) {
	if path == "" {
		return secret.Bytes{}, nil
	}
	st, err := os.Stat(path)
	if err != nil {
		return secret.Bytes{}, fmt.Errorf("es_api.credentials_file %s: %w", path, err)
	}
	if st.Mode().Perm()&0o077 != 0 {
		return secret.Bytes{}, fmt.Errorf("es_api.credentials_file %s: mode %04o lets others read it; chmod 600", path, st.Mode().Perm())
	}
	b, err := os.ReadFile(path)
	if err != nil {
		return secret.Bytes{}, fmt.Errorf("es_api.credentials_file %s: %w", path, err)
	}
	line := strings.TrimSpace(strings.SplitN(string(b), "\n", 2)[0])
	for i := range b {
		b[i] = 0
	}
	if line == "" {
		return secret.Bytes{}, fmt.Errorf("es_api.credentials_file %s: empty first line", path)
	}
	switch {
	case strings.HasPrefix(line, "ApiKey "), strings.HasPrefix(line, "Basic "), strings.HasPrefix(line, "Bearer "):
		return secret.FromString(line), nil
	case strings.Contains(line, ":"):
		return secret.FromString("Basic " + base64Std(line)), nil
	}
	return secret.FromString("ApiKey " + line), nil
}

func base64Std(s string) string { return base64.StdEncoding.EncodeToString([]byte(s)) }

func jsonUnmarshal(b []byte, v any) error { return json.Unmarshal(b, v) }
