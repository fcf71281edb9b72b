package api_test

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/esdoctor/esdoctor/aggregator/api"
	"github.com/esdoctor/esdoctor/shared/diagnosis"
)

// A long fault: one diagnosis answer stays under 64 KiB and the list under
// 256 KiB whatever the number of evidence rows; the pages hold every row
// once, in order.
func TestEvidenceIsPaged(t *testing.T) {
	const rows = 700
	long := strings.Repeat("failed to establish trust with server at [127.0.0.3]; ", 40) // ~2 KiB, as ES logs it
	mk := func(id string) diagnosis.Diagnosis {
		d := diagnosis.Diagnosis{ID: id, Code: "connection-unreliable", Severity: "warning", Clusters: []string{"local", "remote"}, State: "open", FirstSeen: t0, LastSeen: t0, Count: rows}
		for i := 0; i < rows; i++ {
			tm := t0.Add(time.Duration(i) * time.Second)
			d.Evidence = append(d.Evidence, diagnosis.Evidence{Side: "local", Cluster: "local", Node: fmt.Sprintf("local-%d", i%4), Time: &tm, Text: fmt.Sprintf("%d %s", i, long), Line: int64(i + 1)})
		}
		return d
	}
	src := &fake{ready: true}
	for i := 0; i < 20; i++ {
		src.ds = append(src.ds, mk(fmt.Sprintf("%032x", i+1)))
	}
	c := serve(t, src)
	ctx := context.Background()
	id := src.ds[0].ID

	seen := 0
	offset := 0
	for pages := 0; ; pages++ {
		if pages > rows {
			t.Fatal("paging does not end")
		}
		d, err := c.DiagnosisPage(ctx, id, api.EvidenceQuery{Offset: offset, Limit: api.MaxEvidenceLimit})
		if err != nil {
			t.Fatal(err)
		}
		if d.EvidencePage == nil || d.EvidencePage.Total != rows || d.EvidencePage.Offset != offset || d.EvidencePage.Count != len(d.Evidence) || len(d.Evidence) == 0 {
			t.Fatalf("page at %d: %+v, %d rows", offset, d.EvidencePage, len(d.Evidence))
		}
		for _, e := range d.Evidence {
			if !strings.HasPrefix(e.Text, fmt.Sprintf("%d ", seen)) {
				t.Fatalf("row %d: %.20q", seen, e.Text)
			}
			seen++
		}
		offset += len(d.Evidence)
		if offset >= rows {
			break
		}
	}
	if seen != rows {
		t.Fatalf("pages held %d rows, want %d", seen, rows)
	}
	size := func(path string) int {
		resp, err := http.Get(c.Server() + path)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		if resp.StatusCode != 200 {
			t.Fatalf("%s: %d %s", path, resp.StatusCode, b)
		}
		return len(b)
	}
	if n := size(api.PathDiagnoses + "/" + id + "?evidence_limit=500"); n >= 64<<10 {
		t.Errorf("one diagnosis: %d bytes, want < 64 KiB", n)
	}
	if n := size(api.PathDiagnoses + "/" + id); n >= 64<<10 {
		t.Errorf("one diagnosis (default page): %d bytes, want < 64 KiB", n)
	}
	if n := size(api.PathDiagnoses); n >= 256<<10 {
		t.Errorf("list of %d diagnoses: %d bytes, want < 256 KiB", len(src.ds), n)
	}
	for _, bad := range []string{"?evidence_offset=-1", "?evidence_limit=0", "?evidence_limit=501", "?evidence_limit=x", "?page=2"} {
		resp, err := http.Get(c.Server() + api.PathDiagnoses + "/" + id + bad)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != 400 {
			t.Errorf("%s: status %d, want 400", bad, resp.StatusCode)
		}
	}
}
