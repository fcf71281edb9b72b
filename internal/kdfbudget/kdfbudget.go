// Package kdfbudget bounds the key-derivation work one file, and one
// inspection, may cost. Password-based formats (PKCS#12, encrypted PKCS#8
// keys, the Elasticsearch keystore) name their own iteration counts; a
// hostile file can ask for many derivations of a million iterations each.
// Each reader charges a Budget before every derivation, so the total work is
// capped whatever the file declares, and the refusal says how much was
// asked and what the cap is.
package kdfbudget

import (
	"errors"
	"fmt"
	"sync"
)

// ErrExhausted: a derivation would exceed a budget.
var ErrExhausted = errors.New("key-derivation work budget exhausted")

// Per-file and per-inspection caps, in hash iterations (one PBKDF2 or
// PKCS#12 KDF round of one output block). Real files cost far less: Java 17
// writes 10 000 (MAC) + 10 000 per key and content; Java 8 / keytool's
// legacy mode 100 000 + 50 000 ×2 per derivation; OpenSSL 2 048; an ES
// keystore v6+ 210 000. A round is one hash compression or two (HMAC); four million take about
// half a second on one core.
const (
	PerFile       = 4_000_000
	PerInspection = 8_000_000
)

// Budget is a cap on derivation rounds. A child charges its parent too, so
// one per-inspection Budget bounds every file of an inspection. Safe for
// concurrent use. The zero value and nil are unlimited.
type Budget struct {
	scope  string
	limit  int64
	parent *Budget

	mu   sync.Mutex
	used int64
}

// New returns a budget of limit rounds named scope ("this file",
// "this inspection"), charging parent as well when parent is not nil.
func New(scope string, limit int64, parent *Budget) *Budget {
	return &Budget{scope: scope, limit: limit, parent: parent}
}

// ForFile is a per-file budget under parent (which may be nil).
func ForFile(parent *Budget) *Budget { return New("one file", PerFile, parent) }

// ForInspection is the budget of one inspection of a node.
func ForInspection() *Budget { return New("one inspection", PerInspection, nil) }

// Charge takes rounds for what ("PBKDF2 of content 3"). When the budget,
// or a parent's, cannot cover it, nothing is taken and the error says
// what was asked and which cap refused it.
func (b *Budget) Charge(rounds int64, what string) error {
	if b == nil || b.limit <= 0 {
		return nil
	}
	if rounds < 0 {
		rounds = 0
	}
	b.mu.Lock()
	if b.used+rounds > b.limit {
		used := b.used
		b.mu.Unlock()
		return fmt.Errorf("%w: %s needs %d rounds, %d of the %d allowed for %s are already spent",
			ErrExhausted, what, rounds, used, b.limit, b.scope)
	}
	if err := b.parent.Charge(rounds, what); err != nil {
		b.mu.Unlock()
		return err
	}
	b.used += rounds
	b.mu.Unlock()
	return nil
}

// Used is the number of rounds charged so far.
func (b *Budget) Used() int64 {
	if b == nil {
		return 0
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.used
}
