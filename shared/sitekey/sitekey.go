// Package sitekey is the site fingerprint key: the secret every agent of a
// site keys its keystore fingerprints with (HMAC-SHA256), so that the
// aggregator can say "node-3 holds a different credential than node-1"
// while nobody holding the output can confirm a guessed value offline.
// There is no unkeyed fallback: a key is always present.
//
// Where it comes from, first match wins:
//  1. an explicit file (agent.yml fingerprint_key_file, --fingerprint-key-file);
//  2. the enrolment file: esdoctor-aggregator enroll appends the data dir's
//     key (DATA/site.key, LoadOrCreate) to the agent's NATS credentials as a
//     block of its own (AppendBlock; the agent reads it with FromCredsFile),
//     so every agent enrolled for a site keys alike, whichever aggregator
//     of the site answers;
//  3. the aggregator: it loads or creates the same DATA/site.key at start
//     and answers requests on RequestSubject (Serve); an agent enrolled
//     without a key fetches it at start (Fetch) and caches it 0600 in its
//     state dir;
//  4. offline inspect/collect without any: a key generated once in a state
//     file that the operator copies to the other nodes.
package sitekey

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"github.com/nats-io/nats.go"

	"github.com/esdoctor/esdoctor/shared/event"
	"github.com/esdoctor/esdoctor/shared/safefile"
)

// FileName is the key file's name in a data or state directory.
const FileName = "site.key"

// MinLen is the shortest key accepted (bytes of the key text); generated
// keys are 64.
const MinLen = 8

// Generate returns a new key: 32 random bytes as 64 hex digits.
func Generate() ([]byte, error) {
	var b [32]byte
	if _, err := rand.Read(b[:]); err != nil {
		return nil, fmt.Errorf("site key: %w", err)
	}
	return []byte(hex.EncodeToString(b[:])), nil
}

// Validate checks a key's text.
func Validate(key []byte) error {
	if len(key) < MinLen {
		return fmt.Errorf("site key is %d bytes, shorter than %d", len(key), MinLen)
	}
	if bytes.ContainsAny(key, " \t\r\n") {
		return errors.New("site key holds white space")
	}
	return nil
}

// Load reads a key file: its first line, trimmed. Errors name the file.
func Load(path string) ([]byte, error) {
	b, err := safefile.ReadLine(path)
	if err != nil {
		return nil, fmt.Errorf("site key %s: %w", path, err)
	}
	key := bytes.TrimSpace(b)
	if err := Validate(key); err != nil {
		return nil, fmt.Errorf("site key %s: %w", path, err)
	}
	return key, nil
}

// Save writes key to path, 0600, atomically.
func Save(path string, key []byte) error {
	if err := Validate(key); err != nil {
		return fmt.Errorf("site key %s: %w", path, err)
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return fmt.Errorf("site key %s: %w", path, err)
	}
	if err := safefile.WriteFile(path, append(append([]byte(nil), key...), '\n'), 0o600); err != nil {
		return fmt.Errorf("site key %s: %w", path, err)
	}
	return nil
}

// LoadOrCreate loads the key at path, or creates one there when there is
// none; created says which.
func LoadOrCreate(path string) (key []byte, created bool, err error) {
	key, err = Load(path)
	if err == nil {
		return key, false, nil
	}
	if !errors.Is(err, fs.ErrNotExist) {
		return nil, false, err
	}
	if key, err = Generate(); err != nil {
		return nil, false, err
	}
	if err := Save(path, key); err != nil {
		return nil, false, err
	}
	return key, true, nil
}

// encodedPrefix starts the one-line form of a key in an enrolment file.
const encodedPrefix = "esdoctor-site-key-v1:"

// Encode is the one-line form of a key for an enrolment file.
func Encode(key []byte) string { return encodedPrefix + string(key) }

// Decode parses Encode's form.
func Decode(s string) ([]byte, error) {
	s = strings.TrimSpace(s)
	if !strings.HasPrefix(s, encodedPrefix) {
		return nil, errors.New("not an esdoctor site key (no " + encodedPrefix + " prefix)")
	}
	key := []byte(strings.TrimPrefix(s, encodedPrefix))
	if err := Validate(key); err != nil {
		return nil, err
	}
	return key, nil
}

// SubjectPrefix is where site-key requests go:
// esdoctor.v1.sitekey.<cluster>.<node>, inside what an enrolled agent may
// publish to (esdoctor.v1.*.<cluster>.<node>). No stream captures it.
const SubjectPrefix = "esdoctor.v1.sitekey"

// RequestSubject is the subject the agent of cluster/node asks on.
func RequestSubject(cluster, node string) string {
	return SubjectPrefix + "." + event.SubjectToken(cluster) + "." + event.SubjectToken(node)
}

// Serve answers every site-key request on nc with key, until the
// subscription is drained or nc closed. Anyone who may publish to
// RequestSubject gets the key: with per-agent credentials (enrol) that is
// the enrolled agents only.
func Serve(nc *nats.Conn, key []byte) (*nats.Subscription, error) {
	k := append([]byte(nil), key...)
	return nc.Subscribe(SubjectPrefix+".*.*", func(m *nats.Msg) {
		if m.Reply != "" {
			_ = m.Respond(k)
		}
	})
}

// Fetch asks the aggregator for the key once (bounded by ctx).
func Fetch(ctx context.Context, nc *nats.Conn, cluster, node string) ([]byte, error) {
	m, err := nc.RequestWithContext(ctx, RequestSubject(cluster, node), nil)
	if err != nil {
		return nil, fmt.Errorf("site key from the aggregator: %w", err)
	}
	key := bytes.TrimSpace(m.Data)
	if err := Validate(key); err != nil {
		return nil, fmt.Errorf("site key from the aggregator: %w", err)
	}
	return key, nil
}

// OfflinePath is where offline inspect/collect keep a generated key when
// none was given: $ESDOCTOR_STATE_DIR, else $XDG_STATE_HOME/esdoctor, else
// ~/.local/state/esdoctor; when the daemon's cached key
// (/var/lib/esdoctor-agent/site.key) is readable it is used instead, so an
// offline run on an agent's node fingerprints like its daemon.
func OfflinePath() string {
	if d := os.Getenv("ESDOCTOR_STATE_DIR"); d != "" {
		return filepath.Join(d, FileName)
	}
	daemon := filepath.Join("/var/lib/esdoctor-agent", FileName)
	if _, err := Load(daemon); err == nil {
		return daemon
	}
	if d := os.Getenv("XDG_STATE_HOME"); d != "" {
		return filepath.Join(d, "esdoctor", FileName)
	}
	if h, err := os.UserHomeDir(); err == nil {
		return filepath.Join(h, ".local", "state", "esdoctor", FileName)
	}
	return filepath.Join(os.TempDir(), "esdoctor-"+FileName)
}
