package ingest

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/esdoctor/esdoctor/shared/event"
)

const testSubject = "esdoctor.v1.symptom.local.n1"

func readMessage(t testing.TB, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", "messages", name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestDecodeMalformed(t *testing.T) {
	for _, tc := range []struct {
		file, subject string
		data          []byte
		reason, cause string
	}{
		{file: "bad-json.json", reason: ReasonMalformedJSON, cause: "malformed JSON"},
		{file: "not-an-object.json", reason: ReasonMalformedJSON, cause: "malformed JSON"},
		{file: "schema-99.json", reason: ReasonSchemaVersion, cause: "unsupported schema version 99"},
		{file: "no-schema.json", reason: ReasonSchemaVersion, cause: "unsupported schema version 0"},
		{file: "missing-payload.json", reason: ReasonInvalid, cause: "want exactly one payload, found 0"},
		{file: "kind-mismatch.json", subject: "esdoctor.v1.probe.local.n1", reason: ReasonInvalid, cause: `kind "probe" but the payload is a symptom`},
		{file: "good.json", subject: "esdoctor.v1.symptom.other.n1", reason: ReasonSubjectMismatch, cause: "arrived on esdoctor.v1.symptom.other.n1 but belongs on esdoctor.v1.symptom.local.n1"},
		{file: "(empty)", data: []byte{}, reason: ReasonEmpty, cause: "event on " + testSubject + ": empty message"},
		{file: "(5 MB)", data: []byte(`{"pad":"` + strings.Repeat("x", 5<<20) + `"}`), reason: ReasonTooLarge, cause: "exceed the 4194304 byte limit"},
	} {
		t.Run(tc.file, func(t *testing.T) {
			data := tc.data
			if data == nil {
				data = readMessage(t, tc.file)
			}
			subject := tc.subject
			if subject == "" {
				subject = testSubject
			}
			e, reason, err := decode(subject, data)
			if err == nil {
				t.Fatalf("accepted %s as event %s", tc.file, e.ID)
			}
			if reason != tc.reason || !strings.Contains(err.Error(), tc.cause) {
				t.Errorf("reason %q, error %q; want %q containing %q", reason, err, tc.reason, tc.cause)
			}
		})
	}
}

func TestDecodeGood(t *testing.T) {
	e, reason, err := decode(testSubject, readMessage(t, "good.json"))
	if err != nil || reason != "" || e.ID != "e1" || e.Kind != event.KindSymptom {
		t.Fatalf("decode good.json: %v %q %+v", err, reason, e)
	}
}

// FuzzIngestDecode: any message is either an event on its own subject or a
// rejection with a known reason; never a panic.
func FuzzIngestDecode(f *testing.F) {
	paths, _ := filepath.Glob(filepath.Join("testdata", "messages", "*.json"))
	for _, p := range paths {
		b, err := os.ReadFile(p)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(testSubject, b)
	}
	f.Add("esdoctor.v1.snapshot.a.b", []byte(`{}`))
	f.Fuzz(func(t *testing.T, subject string, data []byte) {
		e, reason, err := decode(subject, data)
		if err != nil {
			if !slices.Contains(Reasons, reason) {
				t.Fatalf("unknown reason %q for %v", reason, err)
			}
			return
		}
		if e.Subject() != subject {
			t.Fatalf("accepted event for %s on %s", e.Subject(), subject)
		}
	})
}
