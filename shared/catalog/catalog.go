// Package catalog holds esdoctor's diagnosis and symptom codes. The source of
// truth is catalog.yaml (embedded); codes.gen.go is generated from it with
// `go generate` and gives typed constants.
package catalog

//go:generate go run gen.go

import (
	_ "embed"
	"fmt"
	"sort"
	"sync"

	"gopkg.in/yaml.v3"
)

//go:embed catalog.yaml
var catalogYAML []byte

// Code is a stable diagnosis code.
type Code string

// SymptomCode is a stable symptom code.
type SymptomCode string

// Severity ranks diagnoses; lower Rank is worse.
type Severity string

const (
	Critical Severity = "critical"
	Error    Severity = "error"
	Warning  Severity = "warning"
	Info     Severity = "info"
)

// Rank orders severities: critical 0, error 1, warning 2, info 3.
func (s Severity) Rank() int {
	switch s {
	case Critical:
		return 0
	case Error:
		return 1
	case Warning:
		return 2
	case Info:
		return 3
	}
	return 4
}

// AtLeast reports whether s is as bad as or worse than o.
func (s Severity) AtLeast(o Severity) bool { return s.Rank() <= o.Rank() }

// Diagnosis is one catalog row.
type Diagnosis struct {
	Code        Code     `yaml:"code" json:"code"`
	Severity    Severity `yaml:"severity" json:"severity"`
	Title       string   `yaml:"title" json:"title"`
	Explanation string   `yaml:"explanation" json:"explanation"`
	Fix         string   `yaml:"fix" json:"fix"`
	ProbeOnly   bool     `yaml:"probe_only,omitempty" json:"probe_only,omitempty"`
	Pack        string   `yaml:"pack,omitempty" json:"pack,omitempty"`
	Retired     bool     `yaml:"retired,omitempty" json:"retired,omitempty"`
}

// Symptom is one symptom code.
type Symptom struct {
	Code        SymptomCode `yaml:"code" json:"code"`
	Description string      `yaml:"description" json:"description"`
	Pack        string      `yaml:"pack,omitempty" json:"pack,omitempty"`
	Retired     bool        `yaml:"retired,omitempty" json:"retired,omitempty"`
}

// File is the parsed catalog.yaml.
type File struct {
	Diagnoses []Diagnosis `yaml:"diagnoses"`
	Symptoms  []Symptom   `yaml:"symptoms"`
}

var (
	once   sync.Once
	loaded *File
	byCode map[Code]*Diagnosis
	bySym  map[SymptomCode]*Symptom
)

// Parse reads and validates a catalog file.
func Parse(b []byte) (*File, error) {
	var f File
	if err := yaml.Unmarshal(b, &f); err != nil {
		return nil, fmt.Errorf("catalog: %w", err)
	}
	seen := map[string]bool{}
	for _, d := range f.Diagnoses {
		if d.Code == "" || d.Title == "" || d.Fix == "" || d.Explanation == "" {
			return nil, fmt.Errorf("catalog: diagnosis %q lacks code, title, explanation or fix", d.Code)
		}
		if d.Severity.Rank() > 3 {
			return nil, fmt.Errorf("catalog: diagnosis %q has unknown severity %q", d.Code, d.Severity)
		}
		if seen["d:"+string(d.Code)] {
			return nil, fmt.Errorf("catalog: diagnosis code %q used twice", d.Code)
		}
		seen["d:"+string(d.Code)] = true
	}
	for _, s := range f.Symptoms {
		if s.Code == "" || s.Description == "" {
			return nil, fmt.Errorf("catalog: symptom %q lacks code or description", s.Code)
		}
		if seen["s:"+string(s.Code)] {
			return nil, fmt.Errorf("catalog: symptom code %q used twice", s.Code)
		}
		seen["s:"+string(s.Code)] = true
	}
	return &f, nil
}

func load() {
	f, err := Parse(catalogYAML)
	if err != nil {
		panic(err) // the embedded catalog is checked by tests
	}
	loaded = f
	byCode = map[Code]*Diagnosis{}
	bySym = map[SymptomCode]*Symptom{}
	for i := range f.Diagnoses {
		byCode[f.Diagnoses[i].Code] = &f.Diagnoses[i]
	}
	for i := range f.Symptoms {
		bySym[f.Symptoms[i].Code] = &f.Symptoms[i]
	}
}

// Diagnoses returns every diagnosis, in catalog order.
func Diagnoses() []Diagnosis { once.Do(load); return append([]Diagnosis(nil), loaded.Diagnoses...) }

// Symptoms returns every symptom code, in catalog order.
func Symptoms() []Symptom { once.Do(load); return append([]Symptom(nil), loaded.Symptoms...) }

// Lookup returns the diagnosis with that code.
func Lookup(c Code) (Diagnosis, bool) {
	once.Do(load)
	d, ok := byCode[c]
	if !ok {
		return Diagnosis{}, false
	}
	return *d, true
}

// LookupSymptom returns the symptom with that code.
func LookupSymptom(c SymptomCode) (Symptom, bool) {
	once.Do(load)
	s, ok := bySym[c]
	if !ok {
		return Symptom{}, false
	}
	return *s, true
}

// SymptomCodes returns all symptom codes sorted.
func SymptomCodes() []SymptomCode {
	once.Do(load)
	out := make([]SymptomCode, 0, len(bySym))
	for c := range bySym {
		out = append(out, c)
	}
	sort.Slice(out, func(i, j int) bool { return out[i] < out[j] })
	return out
}
