package rules_test

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/esdoctor/esdoctor/aggregator/rules"
	"github.com/esdoctor/esdoctor/shared/catalog"
)

// Every catalog diagnosis code has exactly one rule, in a file named after
// the code, with a test file beside it.
func TestEveryCodeHasOneRule(t *testing.T) {
	seen := map[catalog.Code]int{}
	for _, r := range rules.All() {
		seen[r.Meta().Code]++
	}
	for _, d := range catalog.Diagnoses() {
		if d.Retired {
			continue
		}
		if seen[d.Code] != 1 {
			t.Errorf("code %s has %d rules registered in All()", d.Code, seen[d.Code])
		}
		file := strings.ReplaceAll(string(d.Code), "-", "_") + ".go"
		if _, err := os.Stat(file); err != nil {
			t.Errorf("code %s: no rule file %s", d.Code, file)
		}
		if _, err := os.Stat(strings.TrimSuffix(file, ".go") + "_test.go"); err != nil {
			t.Errorf("code %s: no scenario test file", d.Code)
		}
	}
	for code := range seen {
		if _, ok := catalog.Lookup(code); !ok {
			t.Errorf("rule for %s, which is not in the catalog", code)
		}
	}
}

func TestRulesHaveDescriptionAndInputs(t *testing.T) {
	for _, r := range rules.All() {
		m := r.Meta()
		if m.Description == "" || len(m.Inputs) == 0 {
			t.Errorf("rule %s lacks a description or inputs", m.Code)
		}
	}
}

// Every scenario-tested code appears in at least two scenarios.
func TestEveryCodeHasTwoScenarios(t *testing.T) {
	files, _ := filepath.Glob("*_test.go")
	counts := map[string]int{}
	re := regexp.MustCompile(`"([a-z0-9-]+) \[`)
	for _, f := range files {
		b, _ := os.ReadFile(f)
		for _, m := range re.FindAllStringSubmatch(string(b), -1) {
			counts[m[1]]++
		}
	}
	for _, d := range catalog.Diagnoses() {
		if d.Retired {
			continue
		}
		if _, held := rules.Held[d.Code]; held || d.Code == catalog.AgentSilent || d.Code == catalog.KeystoreUnreadable ||
			d.Code == catalog.ConfigChangedSinceStart || d.Code == catalog.InsufficientRemotePrivileges || d.Code == catalog.NoRemoteIndicesPrivileges ||
			d.Code == catalog.APIKeyPrerequisites {
			continue
		}
		if counts[string(d.Code)] < 2 {
			t.Errorf("code %s appears in %d scenario expectations, want >= 2", d.Code, counts[string(d.Code)])
		}
	}
}
