package kdfbudget

import (
	"errors"
	"strings"
	"testing"
)

func TestChargeCapsFileAndParent(t *testing.T) {
	insp := New("one inspection", 300, nil)
	a := New("one file", 200, insp)
	if err := a.Charge(150, "MAC"); err != nil {
		t.Fatal(err)
	}
	err := a.Charge(100, "content 1")
	if !errors.Is(err, ErrExhausted) || !strings.Contains(err.Error(), "content 1 needs 100 rounds, 150 of the 200 allowed for one file") {
		t.Fatalf("file cap: %v", err)
	}
	b := New("one file", 200, insp)
	if err := b.Charge(160, "key"); err == nil || !strings.Contains(err.Error(), "allowed for one inspection") {
		t.Fatalf("inspection cap: %v", err)
	}
	if b.Used() != 0 || insp.Used() != 150 {
		t.Fatalf("a refused charge took work: file %d inspection %d", b.Used(), insp.Used())
	}
	var none *Budget
	if err := none.Charge(1<<40, "x"); err != nil {
		t.Fatal(err)
	}
}
