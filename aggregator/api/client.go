package api

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/esdoctor/esdoctor/shared/diagnosis"
)

// maxAnswer bounds an answer the client reads.
const maxAnswer = 256 << 20

// ErrNotFound is returned for an unknown diagnosis id.
var ErrNotFound = errors.New("not found")

// StatusError is an error answer of the API.
type StatusError struct {
	URL     string
	Code    int
	Message string
}

// Error says which URL answered what.
func (e *StatusError) Error() string {
	return fmt.Sprintf("%s: %d %s: %s", e.URL, e.Code, http.StatusText(e.Code), e.Message)
}

// Is makes errors.Is(err, ErrNotFound) true for a 404.
func (e *StatusError) Is(target error) bool {
	return target == ErrNotFound && e.Code == http.StatusNotFound
}

// Client asks an aggregator over HTTP.
type Client struct {
	base *url.URL
	hc   *http.Client
	// Token, when set, is sent as Authorization: Bearer (needed beyond
	// loopback).
	Token string
}

// NewClient returns a client for server, e.g. http://127.0.0.1:9800.
func NewClient(server string) (*Client, error) {
	want := fmt.Errorf("server %q: want http://HOST:PORT or https://HOST:PORT", server)
	if !strings.Contains(server, "://") {
		return nil, want
	}
	u, err := url.Parse(strings.TrimRight(server, "/"))
	if err != nil {
		return nil, fmt.Errorf("server %q: %w", server, err)
	}
	if (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, want
	}
	return &Client{base: u, hc: &http.Client{Timeout: 30 * time.Second}}, nil
}

// Server is the base URL.
func (c *Client) Server() string { return c.base.String() }

// Diagnoses asks GET /api/v1/diagnoses.
func (c *Client) Diagnoses(ctx context.Context, q Query) ([]diagnosis.Diagnosis, error) {
	var ds []diagnosis.Diagnosis
	err := c.get(ctx, PathDiagnoses, q.Values(), &ds)
	return ds, err
}

// Diagnosis asks GET /api/v1/diagnoses/{id}; an unknown id gives an error
// for which errors.Is(err, ErrNotFound) holds.
func (c *Client) Diagnosis(ctx context.Context, id string) (diagnosis.Diagnosis, error) {
	var d diagnosis.Diagnosis
	err := c.get(ctx, PathDiagnoses+"/"+url.PathEscape(id), nil, &d)
	return d, err
}

// Nodes asks GET /api/v1/nodes.
func (c *Client) Nodes(ctx context.Context) ([]Node, error) { return c.NodesOf(ctx, "") }

// NodesOf asks GET /api/v1/nodes?cluster=NAME ("" for all).
func (c *Client) NodesOf(ctx context.Context, cluster string) ([]Node, error) {
	var ns []Node
	var q url.Values
	if cluster != "" {
		q = url.Values{"cluster": {cluster}}
	}
	err := c.get(ctx, PathNodes, q, &ns)
	return ns, err
}

// Clusters asks GET /api/v1/clusters.
func (c *Client) Clusters(ctx context.Context) (Clusters, error) {
	var cs Clusters
	err := c.get(ctx, PathClusters, nil, &cs)
	return cs, err
}

// Acknowledge posts an ack, mute or unack (r.Action) of diagnosis id.
func (c *Client) Acknowledge(ctx context.Context, id string, r AckRequest) (diagnosis.Diagnosis, error) {
	var d diagnosis.Diagnosis
	b, err := json.Marshal(r)
	if err != nil {
		return d, err
	}
	err = c.do(ctx, http.MethodPost, PathDiagnoses+"/"+url.PathEscape(id)+"/"+url.PathEscape(r.Action), nil, b, &d)
	return d, err
}

// Codes asks GET /api/v1/codes.
func (c *Client) Codes(ctx context.Context) (Codes, error) {
	var cs Codes
	err := c.get(ctx, PathCodes, nil, &cs)
	return cs, err
}

// Health asks GET /healthz (a 503 while starting is returned as a
// StatusError with the Health decoded into h).
func (c *Client) Health(ctx context.Context) (Health, error) {
	var h Health
	err := c.get(ctx, PathHealth, nil, &h)
	return h, err
}

func (c *Client) get(ctx context.Context, path string, q url.Values, v any) error {
	return c.do(ctx, http.MethodGet, path, q, nil, v)
}

// URL is the full URL of path with query q.
func (c *Client) URL(path string, q url.Values) string {
	u := *c.base
	u.Path = strings.TrimRight(u.Path, "/") + path
	if len(q) > 0 {
		u.RawQuery = q.Encode()
	}
	return u.String()
}

// Request builds a request with the client's token.
func (c *Client) Request(ctx context.Context, method, where string, body io.Reader) (*http.Request, error) {
	req, err := http.NewRequestWithContext(ctx, method, where, body)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", where, err)
	}
	req.Header.Set("Accept", "application/json")
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if c.Token != "" {
		req.Header.Set("Authorization", "Bearer "+c.Token)
	}
	return req, nil
}

func (c *Client) do(ctx context.Context, method, path string, q url.Values, body []byte, v any) error {
	where := c.URL(path, q)
	var rd io.Reader
	if body != nil {
		rd = bytes.NewReader(body)
	}
	req, err := c.Request(ctx, method, where, rd)
	if err != nil {
		return err
	}
	resp, err := c.hc.Do(req)
	if err != nil {
		var ue *url.Error
		if errors.As(err, &ue) {
			err = ue.Err
		}
		return fmt.Errorf("%s %s: %w", method, where, err)
	}
	defer resp.Body.Close()
	answer, err := io.ReadAll(io.LimitReader(resp.Body, maxAnswer+1))
	if err != nil {
		return fmt.Errorf("%s %s: reading the answer: %w", method, where, err)
	}
	if len(answer) > maxAnswer {
		return fmt.Errorf("%s %s: answer larger than %d bytes", method, where, maxAnswer)
	}
	if resp.StatusCode != http.StatusOK {
		var eb ErrorBody
		msg := strings.TrimSpace(string(answer))
		if json.Unmarshal(answer, &eb) == nil && eb.Error != "" {
			msg = eb.Error
		} else if path == PathHealth {
			_ = json.Unmarshal(answer, v)
		}
		if len(msg) > 300 {
			msg = msg[:300] + "…"
		}
		return &StatusError{URL: where, Code: resp.StatusCode, Message: msg}
	}
	if err := json.Unmarshal(answer, v); err != nil {
		return fmt.Errorf("%s %s: malformed answer: %w", method, where, err)
	}
	return nil
}
