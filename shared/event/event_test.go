package event

import (
	"strings"
	"testing"
	"time"
)

func sample() *Envelope {
	return &Envelope{Schema: SchemaVersion, ID: "abc", Kind: KindSymptom, Cluster: "local", Node: "n1", Time: time.Unix(0, 0).UTC(),
		Symptom: &Symptom{Symptom: "connect-exception", Time: time.Unix(0, 0).UTC(), Fields: map[string]string{"alias": "my"}, Count: 1}}
}

func TestRoundTrip(t *testing.T) {
	b, err := Encode(sample())
	if err != nil {
		t.Fatal(err)
	}
	e, err := Decode(b)
	if err != nil {
		t.Fatal(err)
	}
	if e.Symptom.Fields["alias"] != "my" || e.Subject() != "esdoctor.v1.symptom.local.n1" {
		t.Errorf("round trip lost data: %+v %s", e, e.Subject())
	}
}

func TestUnknownFieldsTolerated(t *testing.T) {
	in := `{"schema":1,"id":"x","kind":"heartbeat","cluster":"c","node":"n","time":"2024-01-01T00:00:00Z","future":{"a":1},"heartbeat":{"version":"9","started":"2024-01-01T00:00:00Z","interval":"30s","extra":true}}`
	if _, err := Decode([]byte(in)); err != nil {
		t.Fatal(err)
	}
}

func TestMalformedEvents(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{``, "empty message"},
		{`{`, "malformed JSON"},
		{`[1,2]`, "malformed JSON"},
		{`{"schema":2,"id":"x","kind":"heartbeat","cluster":"c","node":"n","heartbeat":{}}`, "unsupported schema version 2"},
		{`{"schema":0,"id":"x","kind":"heartbeat","cluster":"c","node":"n","heartbeat":{}}`, "unsupported schema version 0"},
		{`{"schema":1,"kind":"heartbeat","cluster":"c","node":"n","heartbeat":{}}`, "missing id"},
		{`{"schema":1,"id":"x","kind":"heartbeat","node":"n","heartbeat":{}}`, "missing cluster or node"},
		{`{"schema":1,"id":"x","kind":"heartbeat","cluster":"c","node":"n"}`, "want exactly one payload, found 0"},
		{`{"schema":1,"id":"x","kind":"symptom","cluster":"c","node":"n","heartbeat":{}}`, `kind "symptom" but the payload is a heartbeat`},
		{`{"schema":1,"id":"x","kind":"symptom","cluster":"c","node":"n","symptom":{},"heartbeat":{}}`, "found 2"},
		{`{"schema":1,"id":"x","kind":"symptom","cluster":"c","node":"n","symptom":{"symptom":""}}`, "symptom without a code"},
		{`{"schema":1,"id":"x","kind":"heartbeat","cluster":"c","node":"n","heartbeat":{}} {"x":1}`, "trailing data"},
		{`{"schema":"one"}`, "malformed JSON"},
		{"\x00\x01\x02", "malformed JSON"},
		{`{"schema":1,"id":"x","kind":"heartbeat","cluster":"c","node":"n","time":"yesterday","heartbeat":{}}`, "malformed JSON"},
		{strings.Repeat(" ", MaxEventSize+1), "exceeds"},
	} {
		_, err := Decode([]byte(tc.in))
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("Decode(%.60q) = %v, want error containing %q", tc.in, err, tc.want)
		}
	}
}

func TestSubjectTokens(t *testing.T) {
	e := sample()
	e.Cluster, e.Node = "prod.eu*1", "node >1"
	if got := e.Subject(); got != "esdoctor.v1.symptom.prod_eu_1.node__1" {
		t.Errorf("subject %q", got)
	}
}

func FuzzDecodeEvent(f *testing.F) {
	b, _ := Encode(sample())
	f.Add(b)
	f.Add([]byte(`{"schema":1,"id":"x","kind":"snapshot","cluster":"c","node":"n","snapshot":{"cluster":"c","settings":{"a":{"value":"b"}}}}`))
	f.Add([]byte(`{}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		e, err := Decode(data)
		if err != nil {
			return
		}
		if err := e.Validate(); err != nil {
			t.Fatalf("decoded event does not validate: %v", err)
		}
		if _, err := Encode(e); err != nil {
			t.Fatalf("decoded event does not encode: %v", err)
		}
	})
}
