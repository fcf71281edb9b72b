package api_test

import (
	"bufio"
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/esdoctor/esdoctor/aggregator/acks"
	"github.com/esdoctor/esdoctor/aggregator/api"
	"github.com/esdoctor/esdoctor/shared/diagnosis"
)

// console is a fake Source with the console's endpoints.
type console struct {
	*fake
	got []api.AckRequest
}

func (c *console) Clusters() api.Clusters {
	return api.Clusters{Now: t0, Clusters: []api.ClusterInfo{{Name: "local", Worst: "error", Open: 1, Nodes: c.Nodes()}},
		Links: []api.LinkInfo{{Local: "local", Alias: "my", Remote: "remote", Mode: "sniff", Auth: api.AuthAPIKey, Worst: "error", Open: 1}}}
}

func (c *console) Acknowledge(_ context.Context, id string, r api.AckRequest) (diagnosis.Diagnosis, error) {
	d, ok := c.Diagnosis(id)
	if !ok {
		return d, api.ErrNoDiagnosis
	}
	rec, err := r.Record(d.ID, d.Code, t0)
	if err != nil {
		return d, err
	}
	c.got = append(c.got, r)
	d.Ack = rec.Ack()
	return d, nil
}

func (c *console) AckHistory(context.Context, string) ([]acks.Record, error) {
	return []acks.Record{}, nil
}

func (c *console) Certificates(string) (diagnosis.CertComparison, bool) {
	return diagnosis.CertComparison{}, false
}

const (
	readToken = "read-token-0123456789abcdef"
	ackToken  = "ack-token-0123456789abcdef"
)

func tokens(t *testing.T) *api.Tokens {
	t.Helper()
	tk, err := api.ParseTokens(strings.NewReader("# console\nread "+readToken+" page\nack "+ackToken+" oncall\n"), "tokens")
	if err != nil {
		t.Fatal(err)
	}
	return tk
}

// Beyond loopback every endpoint but /healthz and the page needs a token;
// ack/mute need an ack token. Requests are built with a remote address
// (no traffic leaves the process).
func TestTokensBeyondLoopback(t *testing.T) {
	src := &console{fake: newFake()}
	h := api.NewHandler(src, api.HandlerOptions{Tokens: tokens(t), Broker: api.NewBroker(),
		UI: http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { _, _ = w.Write([]byte("page")) })})
	ackBody := `{"by":"alice","reason":"on it","for":"4h"}`
	for _, tc := range []struct {
		name, remote, method, path, token, body string
		code                                    int
	}{
		{"loopback reads without a token", "127.0.0.1:5000", "GET", "/api/v1/diagnoses", "", "", 200},
		{"loopback v6", "[::1]:5000", "GET", "/api/v1/clusters", "", "", 200},
		{"loopback acks without a token", "127.0.0.9:5000", "POST", "/api/v1/diagnoses/aaaa/ack", "", ackBody, 200},
		{"remote without a token", "192.0.2.7:5000", "GET", "/api/v1/diagnoses", "", "", 401},
		{"remote with a wrong token", "192.0.2.7:5000", "GET", "/api/v1/diagnoses", "not-a-token-0123456789", "", 401},
		{"remote reads with a read token", "192.0.2.7:5000", "GET", "/api/v1/diagnoses", readToken, "", 200},
		{"remote nodes with a read token", "192.0.2.7:5000", "GET", "/api/v1/nodes?cluster=local", readToken, "", 200},
		{"remote catalog with an ack token", "192.0.2.7:5000", "GET", "/api/v1/catalog", ackToken, "", 200},
		{"remote metrics need a token", "192.0.2.7:5000", "GET", "/metrics", "", "", 401},
		{"remote healthz is open", "192.0.2.7:5000", "GET", "/healthz", "", "", 200},
		{"remote page is open", "192.0.2.7:5000", "GET", "/", "", "", 200},
		{"remote ack with a read token", "192.0.2.7:5000", "POST", "/api/v1/diagnoses/aaaa/ack", readToken, ackBody, 403},
		{"remote ack without a token", "192.0.2.7:5000", "POST", "/api/v1/diagnoses/aaaa/mute", "", ackBody, 401},
		{"remote ack with an ack token", "192.0.2.7:5000", "POST", "/api/v1/diagnoses/aaaa/mute", ackToken, ackBody, 200},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var body *strings.Reader
			if tc.body != "" {
				body = strings.NewReader(tc.body)
			}
			req := httptest.NewRequest(tc.method, tc.path, nil)
			if body != nil {
				req = httptest.NewRequest(tc.method, tc.path, body)
				req.Header.Set("Content-Type", "application/json")
			}
			req.RemoteAddr = tc.remote
			if tc.token != "" {
				req.Header.Set("Authorization", "Bearer "+tc.token)
			}
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, req)
			if rec.Code != tc.code {
				t.Fatalf("%s %s from %s: %d %s, want %d", tc.method, tc.path, tc.remote, rec.Code, rec.Body, tc.code)
			}
			if tc.code == 401 && !strings.Contains(rec.Header().Get("WWW-Authenticate"), "Bearer") {
				t.Errorf("401 without WWW-Authenticate")
			}
			if strings.Contains(rec.Body.String(), readToken) || strings.Contains(rec.Body.String(), ackToken) {
				t.Errorf("a token in the answer: %s", rec.Body)
			}
		})
	}
}

func TestAckEndpoint(t *testing.T) {
	src := &console{fake: newFake()}
	h := api.NewHandler(src, api.HandlerOptions{})
	for _, tc := range []struct {
		name, path, ctype, origin, body string
		code                            int
		want                            string
	}{
		{"ack for 4h", "/api/v1/diagnoses/aaaa/ack", "application/json", "", `{"by":"alice","reason":"on it","for":"4h"}`, 200, `"until":"2024-05-01T14:00:00Z"`},
		{"mute until", "/api/v1/diagnoses/aaaa/mute", "application/json; charset=utf-8", "http://example.com", `{"by":"bob","reason":"lab","until":"2024-05-02T00:00:00Z"}`, 200, `"kind":"mute"`},
		{"form post refused", "/api/v1/diagnoses/aaaa/ack", "text/plain", "", `{"by":"a","reason":"b"}`, 415, "must be JSON"},
		{"cross-origin refused", "/api/v1/diagnoses/aaaa/ack", "application/json", "http://evil.test", `{"by":"a","reason":"b"}`, 403, "cross-origin"},
		{"no reason", "/api/v1/diagnoses/aaaa/ack", "application/json", "", `{"by":"alice"}`, 400, "reason is missing"},
		{"mute without an end", "/api/v1/diagnoses/aaaa/mute", "application/json", "", `{"by":"a","reason":"b"}`, 400, "needs an end"},
		{"bad duration", "/api/v1/diagnoses/aaaa/ack", "application/json", "", `{"by":"a","reason":"b","for":"soon"}`, 400, "want a duration"},
		{"both ends", "/api/v1/diagnoses/aaaa/ack", "application/json", "", `{"by":"a","reason":"b","for":"1h","until":"2024-05-02T00:00:00Z"}`, 400, "not both"},
		{"unknown field", "/api/v1/diagnoses/aaaa/ack", "application/json", "", `{"by":"a","reason":"b","who":"c"}`, 400, "unknown field"},
		{"action mismatch", "/api/v1/diagnoses/aaaa/ack", "application/json", "", `{"action":"mute","by":"a","reason":"b"}`, 400, "the body says"},
		{"unknown id", "/api/v1/diagnoses/zzzz/ack", "application/json", "", `{"by":"a","reason":"b"}`, 404, "no such diagnosis"},
		{"empty body", "/api/v1/diagnoses/aaaa/ack", "application/json", "", ``, 400, "want {"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			req := httptest.NewRequest("POST", tc.path, strings.NewReader(tc.body))
			req.Host = "example.com"
			req.RemoteAddr = "127.0.0.1:4000"
			req.Header.Set("Content-Type", tc.ctype)
			if tc.origin != "" {
				req.Header.Set("Origin", tc.origin)
			}
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, req)
			if rec.Code != tc.code || !strings.Contains(rec.Body.String(), tc.want) {
				t.Fatalf("%d %s, want %d with %q", rec.Code, rec.Body, tc.code, tc.want)
			}
		})
	}
}

// The event stream delivers what the broker publishes, in order, and ends
// when the broker closes (server shutdown).
func TestEventStream(t *testing.T) {
	b := api.NewBroker()
	srv := httptest.NewServer(api.NewHandler(&console{fake: newFake()}, api.HandlerOptions{Broker: b}))
	defer srv.Close()
	resp, err := http.Get(srv.URL + api.PathEvents)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if ct := resp.Header.Get("Content-Type"); ct != "text/event-stream" {
		t.Fatalf("content type %q", ct)
	}
	sc := bufio.NewScanner(resp.Body)
	next := func() string {
		for sc.Scan() {
			if l := sc.Text(); strings.HasPrefix(l, "event: ") {
				sc.Scan()
				return strings.TrimPrefix(l, "event: ") + " " + strings.TrimPrefix(sc.Text(), "data: ")
			}
		}
		return "EOF"
	}
	if got := next(); !strings.HasPrefix(got, "hello ") {
		t.Fatalf("first event %q", got)
	}
	deadline := time.Now().Add(5 * time.Second)
	for b.Clients() == 0 && time.Now().Before(deadline) {
		time.Sleep(5 * time.Millisecond)
	}
	b.Publish(api.EventDiagnosis, map[string]string{"change": "opened"})
	b.Publish(api.EventAck, map[string]string{"id": "aaaa"})
	if got := next(); got != `diagnosis {"change":"opened"}` {
		t.Errorf("got %q", got)
	}
	if got := next(); got != `ack {"id":"aaaa"}` {
		t.Errorf("got %q", got)
	}
	b.Close()
	if got := next(); got != "EOF" {
		t.Errorf("after close: %q", got)
	}
}

// Malformed token files give errors naming the file and line and never the
// token.
func TestParseTokensMalformed(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"", "tokens.txt: no token"},
		{"# only a comment\n", "no token"},
		{"write abcdefghijklmnopqrstu\n", "tokens.txt:1: scope must be read or ack"},
		{"read short\n", "tokens.txt:1: a token is 16 to 512 characters (this one has 5)"},
		{"read\n", "tokens.txt:1: want SCOPE TOKEN [NAME]"},
		{"read abcdefghijklmnopqrstu name extra\n", "tokens.txt:1: want SCOPE TOKEN"},
		{"read abcdefghijklmnopqrstu\nack abcdefghijklmnopqrstu\n", "tokens.txt:2: the same token is listed twice"},
		{"read abcdefghij\x01klmnopqrstu\n", "printable ASCII"},
		{strings.Repeat("x", 1<<20+1), "larger than"},
	} {
		_, err := api.ParseTokens(strings.NewReader(tc.in), "tokens.txt")
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%.40q: %v, want %q", tc.in, err, tc.want)
		}
		if err != nil && strings.Contains(err.Error(), "abcdefghijklmnopqrstu") {
			t.Errorf("the error quotes a token: %v", err)
		}
	}
	if _, err := api.LoadTokens("/nonexistent/tokens"); err == nil || !strings.Contains(err.Error(), "/nonexistent/tokens") {
		t.Errorf("missing file: %v", err)
	}
}

func FuzzParseTokens(f *testing.F) {
	f.Add("read " + readToken + "\nack " + ackToken + " oncall\n")
	f.Add("# c\n\nread x\n")
	f.Add("ack \x00\x01\x02 aaaaaaaaaaaaaaaaaaaaaaaaa")
	f.Fuzz(func(t *testing.T, in string) {
		tk, err := api.ParseTokens(strings.NewReader(in), "fuzz")
		if err == nil && tk.Len() == 0 {
			t.Fatal("no error and no token")
		}
		if err != nil && !strings.Contains(err.Error(), "fuzz") {
			t.Fatalf("error without the file name: %v", err)
		}
	})
}

func FuzzDecodeAckRequest(f *testing.F) {
	f.Add([]byte(`{"by":"alice","reason":"on it","for":"4h"}`))
	f.Add([]byte(`{"by":"a","reason":"b","until":"2024-05-02T00:00:00Z","action":"mute","id":"x"}`))
	f.Add([]byte(`{"by":1}`))
	f.Fuzz(func(t *testing.T, b []byte) {
		r, err := api.DecodeAckRequest(b)
		if err != nil {
			return
		}
		for _, action := range []string{acks.ActionAck, acks.ActionMute, acks.ActionUnack} {
			r.Action = action
			rec, err := r.Record("aaaa", "tls-untrusted-ca", t0)
			if err != nil {
				continue
			}
			if rec.Validate() != nil {
				t.Fatalf("Record gave an invalid record: %+v", rec)
			}
			if rec.Until != nil && rec.Until.Sub(rec.At) > acks.MaxDuration {
				t.Fatalf("until too far: %+v", rec)
			}
		}
	})
}
