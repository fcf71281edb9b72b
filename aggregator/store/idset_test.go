package store

import (
	"fmt"
	"testing"
)

// Ids are told apart whatever their form: hex ids (decoded), other
// strings (hashed), and an upper-case spelling of a hex id is another id.
func TestIDSetKeepsIDsApart(t *testing.T) {
	s := newIDSet(1 << 10)
	ids := []string{"0123456789abcdef0123456789abcdef", "0123456789ABCDEF0123456789ABCDEF", "a", "b", "",
		"0123456789abcdef0123456789abcde", "0123456789abcdef0123456789abcdeg"}
	for i, id := range ids {
		if s.has(id) {
			t.Fatalf("%q is there before it was added", id)
		}
		s.add(id)
		for _, before := range ids[:i+1] {
			if !s.has(before) {
				t.Fatalf("%q is gone after adding %q", before, id)
			}
		}
	}
}

// The set is bounded: two generations of max/2 ids.
func TestIDSetForgetsOldGenerations(t *testing.T) {
	s := newIDSet(8)
	for i := range 12 {
		s.add(fmt.Sprint(i))
	}
	if s.has("0") || s.has("3") || !s.has("4") || !s.has("11") {
		t.Errorf("after 12 ids in a set of 8: has 0 %v, 3 %v, 4 %v, 11 %v", s.has("0"), s.has("3"), s.has("4"), s.has("11"))
	}
}
