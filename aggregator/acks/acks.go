// Package acks keeps acknowledgements and mutes of diagnoses (who, why,
// until when) in a JetStream key-value bucket, so that they survive an
// aggregator restart and every aggregator on the same NATS sees the same
// ones.
//
// The bucket ESDOCTOR_ACKS holds one key per diagnosis id. Every action is
// a new value of that key (the bucket keeps the last 64 per key, which is
// the acknowledgement history the console shows):
//
//	ack    someone is on it; ends at until (optional) or when the diagnosis resolves
//	mute   silence until a time (required), across resolve and reopen
//	unack  an operator ended the ack or mute
//	clear  the aggregator ended an ack because the diagnosis resolved
//
// The Store holds the latest value of every key in memory (a KV watcher
// keeps it current, including what other aggregators write), so the
// queries never wait for NATS.
package acks

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"regexp"
	"sort"
	"sync"
	"time"

	"github.com/nats-io/nats.go/jetstream"
	"go.uber.org/zap"

	"github.com/esdoctor/esdoctor/shared/diagnosis"
)

// Bucket is the key-value bucket's name.
const Bucket = "ESDOCTOR_ACKS"

// Actions a Record holds.
const (
	ActionAck   = diagnosis.AckKindAck
	ActionMute  = diagnosis.AckKindMute
	ActionUnack = "unack"
	ActionClear = "clear"
)

// historyPerKey is how many values per diagnosis the bucket keeps.
const historyPerKey = 64

// Record is one value of a key: an action on a diagnosis.
type Record struct {
	ID     string     `json:"id"`
	Action string     `json:"action"`
	By     string     `json:"by"`
	Reason string     `json:"reason"`
	At     time.Time  `json:"at"`
	Until  *time.Time `json:"until,omitempty"`
	// Code is the diagnosis code at the time (for people reading the bucket).
	Code string `json:"code,omitempty"`
}

// Ack returns the acknowledgement the record puts in force, or nil (unack,
// clear).
func (r *Record) Ack() *diagnosis.Ack {
	if r == nil || (r.Action != ActionAck && r.Action != ActionMute) {
		return nil
	}
	return &diagnosis.Ack{Kind: r.Action, By: r.By, Reason: r.Reason, At: r.At, Until: r.Until}
}

// keyRE is what a JetStream KV key may hold; diagnosis ids are hex.
var keyRE = regexp.MustCompile(`^[-_=.a-zA-Z0-9]{1,256}$`)

// ErrBadID is returned for an id that cannot be a key.
var ErrBadID = errors.New("not a valid diagnosis id")

// Store is the in-memory view of the bucket. It is safe for concurrent use.
type Store struct {
	kv  jetstream.KeyValue
	log *zap.Logger

	mu  sync.RWMutex
	cur map[string]entry
	// onChange is called (outside the lock) with every record that changed
	// the latest value of a key.
	onChange func(Record)
}

type entry struct {
	rec Record
	rev uint64
}

// Options configure Open. Every field is optional.
type Options struct {
	// Replicas of the bucket: 1 (default) or 3.
	Replicas int
	Logger   *zap.Logger
	// OnChange is told of every new latest record (its own writes and other
	// aggregators'), e.g. to push it to the console.
	OnChange func(Record)
}

// Open creates (or binds) the bucket and loads its current values.
func Open(ctx context.Context, js jetstream.JetStream, o Options) (*Store, error) {
	if o.Replicas == 0 {
		o.Replicas = 1
	}
	if o.Logger == nil {
		o.Logger = zap.NewNop()
	}
	kv, err := js.CreateOrUpdateKeyValue(ctx, jetstream.KeyValueConfig{Bucket: Bucket, History: historyPerKey,
		Description: "esdoctor: acknowledgements and mutes of diagnoses", Replicas: o.Replicas, MaxValueSize: 16 << 10})
	if err != nil {
		return nil, fmt.Errorf("acks: bucket %s: %w", Bucket, err)
	}
	s := &Store{kv: kv, log: o.Logger.Named("acks"), cur: map[string]entry{}, onChange: o.OnChange}
	keys, err := kv.ListKeys(ctx)
	if err != nil {
		return nil, fmt.Errorf("acks: bucket %s: listing keys: %w", Bucket, err)
	}
	for k := range keys.Keys() {
		e, err := kv.Get(ctx, k)
		if err != nil {
			if errors.Is(err, jetstream.ErrKeyNotFound) {
				continue
			}
			return nil, fmt.Errorf("acks: bucket %s: key %s: %w", Bucket, k, err)
		}
		s.apply(e, false)
	}
	return s, nil
}

// Watch keeps the store current with what is written to the bucket
// (including by other aggregators) until ctx ends.
func (s *Store) Watch(ctx context.Context) error {
	w, err := s.kv.WatchAll(ctx, jetstream.IgnoreDeletes())
	if err != nil {
		return fmt.Errorf("acks: watching %s: %w", Bucket, err)
	}
	defer func() { _ = w.Stop() }()
	for {
		select {
		case <-ctx.Done():
			return nil
		case e, ok := <-w.Updates():
			if !ok {
				return nil
			}
			if e != nil {
				s.apply(e, true)
			}
		}
	}
}

// apply takes a bucket value when it is newer than the one held.
func (s *Store) apply(e jetstream.KeyValueEntry, notify bool) {
	rec, err := DecodeRecord(e.Value())
	if err != nil {
		s.log.Warn("ignoring a malformed value in the bucket", zap.String("key", e.Key()), zap.Uint64("revision", e.Revision()), zap.Error(err))
		return
	}
	if rec.ID != e.Key() {
		s.log.Warn("ignoring a value whose id is not its key", zap.String("key", e.Key()))
		return
	}
	s.mu.Lock()
	old, had := s.cur[rec.ID]
	if had && old.rev >= e.Revision() {
		s.mu.Unlock()
		return
	}
	s.cur[rec.ID] = entry{rec: rec, rev: e.Revision()}
	s.mu.Unlock()
	if notify && s.onChange != nil {
		s.onChange(rec)
	}
}

// Put writes a record (validated) and applies it at once, so that the
// next query shows it.
func (s *Store) Put(ctx context.Context, r Record) error {
	if err := r.Validate(); err != nil {
		return err
	}
	b, err := json.Marshal(r)
	if err != nil {
		return fmt.Errorf("acks: %w", err)
	}
	rev, err := s.kv.Put(ctx, r.ID, b)
	if err != nil {
		return fmt.Errorf("acks: writing %s to %s: %w", r.ID, Bucket, err)
	}
	s.mu.Lock()
	old, had := s.cur[r.ID]
	changed := !had || old.rev < rev
	if changed {
		s.cur[r.ID] = entry{rec: r, rev: rev}
	}
	s.mu.Unlock()
	if changed && s.onChange != nil {
		s.onChange(r)
	}
	return nil
}

// Latest returns the latest record of a diagnosis.
func (s *Store) Latest(id string) (Record, bool) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	e, ok := s.cur[id]
	return e.rec, ok
}

// Active returns the acknowledgement in force for id at now, or nil.
func (s *Store) Active(id string, now time.Time) *diagnosis.Ack {
	r, ok := s.Latest(id)
	if !ok {
		return nil
	}
	if a := r.Ack(); a.Active(now) {
		return a
	}
	return nil
}

// Annotate sets Ack on every diagnosis that has one in force at now.
func (s *Store) Annotate(ds []diagnosis.Diagnosis, now time.Time) {
	if s == nil {
		return
	}
	s.mu.RLock()
	defer s.mu.RUnlock()
	if len(s.cur) == 0 {
		return
	}
	for i := range ds {
		if e, ok := s.cur[ds[i].ID]; ok {
			if a := e.rec.Ack(); a.Active(now) {
				ds[i].Ack = a
			}
		}
	}
}

// History returns every record the bucket still holds for id, oldest
// first (at most 64).
func (s *Store) History(ctx context.Context, id string) ([]Record, error) {
	if !keyRE.MatchString(id) {
		return nil, ErrBadID
	}
	es, err := s.kv.History(ctx, id)
	if errors.Is(err, jetstream.ErrKeyNotFound) {
		return []Record{}, nil
	}
	if err != nil {
		return nil, fmt.Errorf("acks: history of %s: %w", id, err)
	}
	out := make([]Record, 0, len(es))
	for _, e := range es {
		if e.Operation() != jetstream.KeyValuePut {
			continue
		}
		if r, err := DecodeRecord(e.Value()); err == nil {
			out = append(out, r)
		}
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].At.Before(out[j].At) })
	return out, nil
}

// Len is the number of diagnoses with a record.
func (s *Store) Len() int {
	s.mu.RLock()
	defer s.mu.RUnlock()
	return len(s.cur)
}
