package api

import (
	"bufio"
	"bytes"
	"crypto/sha256"
	"crypto/subtle"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"strings"
)

// Token scopes.
const (
	// ScopeRead may read every GET endpoint (the console page, the CLI's
	// queries, /metrics).
	ScopeRead = "read"
	// ScopeAck may also acknowledge, mute and unacknowledge.
	ScopeAck = "ack"
)

// Limits of a token file.
const (
	MinTokenLen      = 16
	maxTokenLen      = 512
	maxTokenFileSize = 1 << 20
)

// Tokens are the API tokens of --api-token-file. Only their SHA-256
// digests are held, and compared in constant time.
type Tokens struct {
	entries []tokenEntry
}

type tokenEntry struct {
	digest [32]byte
	scope  string
	name   string
}

// ParseTokens reads a token file: one token a line, "SCOPE TOKEN [NAME]",
// SCOPE read or ack; blank lines and lines starting with # are ignored.
// name is used in errors, which never quote a token.
func ParseTokens(r io.Reader, name string) (*Tokens, error) {
	b, err := io.ReadAll(io.LimitReader(r, maxTokenFileSize+1))
	if err != nil {
		return nil, fmt.Errorf("api token file %s: %w", name, err)
	}
	if len(b) > maxTokenFileSize {
		return nil, fmt.Errorf("api token file %s: larger than %d bytes", name, maxTokenFileSize)
	}
	t := &Tokens{}
	seen := map[[32]byte]bool{}
	sc := bufio.NewScanner(bytes.NewReader(b))
	sc.Buffer(make([]byte, 0, 4096), maxTokenFileSize)
	for ln := 1; sc.Scan(); ln++ {
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		f := strings.Fields(line)
		if len(f) < 2 || len(f) > 3 {
			return nil, fmt.Errorf("api token file %s:%d: want SCOPE TOKEN [NAME] (scope read or ack)", name, ln)
		}
		scope, tok := f[0], f[1]
		if scope != ScopeRead && scope != ScopeAck {
			return nil, fmt.Errorf("api token file %s:%d: scope must be read or ack, not %q", name, ln, clip(scope))
		}
		if len(tok) < MinTokenLen || len(tok) > maxTokenLen {
			return nil, fmt.Errorf("api token file %s:%d: a token is %d to %d characters (this one has %d)", name, ln, MinTokenLen, maxTokenLen, len(tok))
		}
		for _, c := range []byte(tok) {
			if c < 0x21 || c > 0x7e {
				return nil, fmt.Errorf("api token file %s:%d: a token is printable ASCII without spaces", name, ln)
			}
		}
		d := sha256.Sum256([]byte(tok))
		if seen[d] {
			return nil, fmt.Errorf("api token file %s:%d: the same token is listed twice", name, ln)
		}
		seen[d] = true
		e := tokenEntry{digest: d, scope: scope, name: fmt.Sprintf("%s:%d", scope, ln)}
		if len(f) == 3 {
			e.name = f[2]
		}
		t.entries = append(t.entries, e)
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("api token file %s: %w", name, err)
	}
	if len(t.entries) == 0 {
		return nil, fmt.Errorf("api token file %s: no token (want lines \"read TOKEN\" or \"ack TOKEN\")", name)
	}
	return t, nil
}

// LoadTokens reads a token file from disk.
func LoadTokens(path string) (*Tokens, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("api token file: %w", err)
	}
	defer f.Close()
	return ParseTokens(f, path)
}

// Len is the number of tokens.
func (t *Tokens) Len() int {
	if t == nil {
		return 0
	}
	return len(t.entries)
}

// lookup returns the scope and name of a token, or "".
func (t *Tokens) lookup(tok string) (scope, name string) {
	if t == nil || tok == "" {
		return "", ""
	}
	d := sha256.Sum256([]byte(tok))
	for _, e := range t.entries {
		if subtle.ConstantTimeCompare(d[:], e.digest[:]) == 1 {
			scope, name = e.scope, e.name
		}
	}
	return scope, name
}

// errNoToken and errBadToken are the 401 causes.
var (
	errNoToken  = errors.New("a token is required beyond loopback: send Authorization: Bearer TOKEN (see --api-token-file)")
	errBadToken = errors.New("the token is not valid")
)

// isLoopback reports whether the request comes from 127.0.0.0/8 or ::1.
func isLoopback(r *http.Request) bool {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		host = r.RemoteAddr
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// bearer is the request's token: the Authorization header, or (for the
// event stream, which an EventSource cannot give headers) access_token.
func bearer(r *http.Request) string {
	if h := r.Header.Get("Authorization"); h != "" {
		if after, ok := strings.CutPrefix(h, "Bearer "); ok {
			return strings.TrimSpace(after)
		}
		return ""
	}
	if r.URL.Path == PathEvents {
		return r.URL.Query().Get("access_token")
	}
	return ""
}

// authorize checks the request for scope: loopback is always allowed;
// beyond it a token of the scope (ack includes read) is needed. It
// returns the HTTP status to answer (0 when allowed).
func (t *Tokens) authorize(r *http.Request, scope string) (int, error) {
	if isLoopback(r) {
		return 0, nil
	}
	tok := bearer(r)
	if tok == "" {
		return http.StatusUnauthorized, errNoToken
	}
	got, _ := t.lookup(tok)
	switch {
	case got == "":
		return http.StatusUnauthorized, errBadToken
	case scope == ScopeAck && got != ScopeAck:
		return http.StatusForbidden, errors.New("this token may read only; acknowledging and muting need an ack token")
	}
	return 0, nil
}
