package api

import (
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
	return c.DiagnosisPage(ctx, id, EvidenceQuery{})
}

// DiagnosisPage returns one diagnosis with one page of its evidence.
func (c *Client) DiagnosisPage(ctx context.Context, id string, q EvidenceQuery) (diagnosis.Diagnosis, error) {
	var d diagnosis.Diagnosis
	err := c.get(ctx, PathDiagnoses+"/"+url.PathEscape(id), q.Values(), &d)
	return d, err
}

// Nodes asks GET /api/v1/nodes.
func (c *Client) Nodes(ctx context.Context) ([]Node, error) {
	var ns []Node
	err := c.get(ctx, PathNodes, nil, &ns)
	return ns, err
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
	u := *c.base
	u.Path = strings.TrimRight(u.Path, "/") + path
	if len(q) > 0 {
		u.RawQuery = q.Encode()
	}
	where := u.String()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, where, nil)
	if err != nil {
		return fmt.Errorf("%s: %w", where, err)
	}
	req.Header.Set("Accept", "application/json")
	resp, err := c.hc.Do(req)
	if err != nil {
		var ue *url.Error
		if errors.As(err, &ue) {
			err = ue.Err
		}
		return fmt.Errorf("GET %s: %w", where, err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, maxAnswer+1))
	if err != nil {
		return fmt.Errorf("GET %s: reading the answer: %w", where, err)
	}
	if len(body) > maxAnswer {
		return fmt.Errorf("GET %s: answer larger than %d bytes", where, maxAnswer)
	}
	if resp.StatusCode != http.StatusOK {
		var eb ErrorBody
		msg := strings.TrimSpace(string(body))
		if json.Unmarshal(body, &eb) == nil && eb.Error != "" {
			msg = eb.Error
		} else if path == PathHealth {
			_ = json.Unmarshal(body, v)
		}
		if len(msg) > 300 {
			msg = msg[:300] + "…"
		}
		return &StatusError{URL: where, Code: resp.StatusCode, Message: msg}
	}
	if err := json.Unmarshal(body, v); err != nil {
		return fmt.Errorf("GET %s: malformed answer: %w", where, err)
	}
	return nil
}
