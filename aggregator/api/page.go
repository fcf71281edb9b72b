package api

import (
	"encoding/json"
	"fmt"
	"net/url"
	"strconv"

	"github.com/esdoctor/esdoctor/shared/diagnosis"
)

// Evidence paging. A diagnosis keeps counts and, per node, side and
// symptom, the first and the latest few samples (aggregator/rules); the API
// answers one page of those rows so that an answer stays small however
// long a fault lasts: one diagnosis under DiagnosisBudget bytes of
// evidence, each diagnosis of a list under ListBudget.
const (
	// DefaultEvidenceLimit is the page size of GET /diagnoses/{id}.
	DefaultEvidenceLimit = 50
	// MaxEvidenceLimit bounds evidence_limit.
	MaxEvidenceLimit = 500
	// DiagnosisBudget bounds the encoded evidence of one diagnosis answer
	// (the whole answer stays under 64 KiB).
	DiagnosisBudget = 40 << 10
	// ListEvidenceLimit and ListBudget bound each diagnosis of a list.
	ListEvidenceLimit = 8
	ListBudget        = 8 << 10
)

// EvidenceQuery selects a page of a diagnosis' evidence.
type EvidenceQuery struct {
	Offset int
	Limit  int
}

// ParseEvidenceQuery reads evidence_offset and evidence_limit.
func ParseEvidenceQuery(v url.Values) (EvidenceQuery, error) {
	q := EvidenceQuery{Limit: DefaultEvidenceLimit}
	for k, vals := range v {
		if len(vals) != 1 {
			return q, fmt.Errorf("parameter %q given %d times", clip(k), len(vals))
		}
		n, err := strconv.Atoi(vals[0])
		switch k {
		case "evidence_offset":
			if err != nil || n < 0 {
				return q, fmt.Errorf("evidence_offset must be a number ≥ 0, not %q", clip(vals[0]))
			}
			q.Offset = n
		case "evidence_limit":
			if err != nil || n < 1 || n > MaxEvidenceLimit {
				return q, fmt.Errorf("evidence_limit must be a number from 1 to %d, not %q", MaxEvidenceLimit, clip(vals[0]))
			}
			q.Limit = n
		default:
			return q, fmt.Errorf("unknown parameter %q (want evidence_offset or evidence_limit)", clip(k))
		}
	}
	return q, nil
}

// Values encodes the query as URL parameters.
func (q EvidenceQuery) Values() url.Values {
	v := url.Values{}
	if q.Offset > 0 {
		v.Set("evidence_offset", strconv.Itoa(q.Offset))
	}
	if q.Limit > 0 && q.Limit != DefaultEvidenceLimit {
		v.Set("evidence_limit", strconv.Itoa(q.Limit))
	}
	return v
}

// PageEvidence cuts d's evidence to rows [offset, offset+limit) that fit in
// budget encoded bytes (at least one row when there is one), and sets
// EvidencePage when that is not all of it.
func PageEvidence(d diagnosis.Diagnosis, offset, limit, budget int) diagnosis.Diagnosis {
	total := len(d.Evidence)
	if offset > total {
		offset = total
	}
	end := offset
	used := 0
	for end < total && end-offset < limit {
		b, _ := json.Marshal(&d.Evidence[end])
		if end > offset && used+len(b) > budget {
			break
		}
		used += len(b) + 1
		end++
	}
	if offset == 0 && end == total {
		return d
	}
	d.Evidence = append([]diagnosis.Evidence(nil), d.Evidence[offset:end]...)
	d.EvidencePage = &diagnosis.Page{Offset: offset, Count: end - offset, Total: total}
	return d
}

// PageList bounds every diagnosis of a list (the first rows of each).
func PageList(ds []diagnosis.Diagnosis) []diagnosis.Diagnosis {
	out := make([]diagnosis.Diagnosis, len(ds))
	for i := range ds {
		out[i] = PageEvidence(ds[i], 0, ListEvidenceLimit, ListBudget)
	}
	return out
}
