package acks

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"
)

// Limits of a record.
const (
	MaxBy     = 200
	MaxReason = 2000
	// MaxDuration bounds how long an ack or a mute may last.
	MaxDuration = 90 * 24 * time.Hour
	maxRecord   = 16 << 10
)

// Validate checks a record before it is written.
func (r *Record) Validate() error {
	if !keyRE.MatchString(r.ID) {
		return fmt.Errorf("id %q: %w", clip(r.ID), ErrBadID)
	}
	switch r.Action {
	case ActionAck, ActionMute, ActionUnack, ActionClear:
	default:
		return fmt.Errorf("action must be ack, mute, unack or clear, not %q", clip(r.Action))
	}
	if strings.TrimSpace(r.By) == "" {
		return errors.New("who (by) is missing")
	}
	if strings.TrimSpace(r.Reason) == "" && r.Action != ActionClear {
		return errors.New("a reason is missing")
	}
	if len(r.By) > MaxBy || len(r.Reason) > MaxReason {
		return fmt.Errorf("by is at most %d bytes and reason at most %d", MaxBy, MaxReason)
	}
	if !utf8.ValidString(r.By) || !utf8.ValidString(r.Reason) {
		return errors.New("by and reason must be UTF-8 text")
	}
	if strings.ContainsAny(r.By, "\n\r\x00") {
		return errors.New("by must be one line")
	}
	if r.At.IsZero() {
		return errors.New("the time (at) is missing")
	}
	if r.Action == ActionMute && r.Until == nil {
		return errors.New("a mute needs an end (until or for)")
	}
	if r.Until != nil {
		if !r.Until.After(r.At) {
			return fmt.Errorf("until %s is not after %s", r.Until.Format(time.RFC3339), r.At.Format(time.RFC3339))
		}
		if r.Until.Sub(r.At) > MaxDuration {
			return fmt.Errorf("until is more than %v away", MaxDuration)
		}
	}
	return nil
}

// DecodeRecord reads a bucket value (outside input: any client of the NATS
// server may write the bucket) and validates it.
func DecodeRecord(b []byte) (Record, error) {
	var r Record
	if len(b) > maxRecord {
		return r, fmt.Errorf("record: %d bytes exceeds the %d byte limit", len(b), maxRecord)
	}
	if len(bytes.TrimSpace(b)) == 0 {
		return r, errors.New("record: empty")
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	if err := dec.Decode(&r); err != nil {
		return r, fmt.Errorf("record: malformed JSON: %w", err)
	}
	if dec.More() {
		return r, errors.New("record: trailing data after the JSON object")
	}
	if err := r.Validate(); err != nil {
		return r, fmt.Errorf("record: %w", err)
	}
	return r, nil
}

func clip(s string) string {
	if len(s) > 64 {
		return s[:64] + "…"
	}
	return s
}
