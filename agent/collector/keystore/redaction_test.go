package keystore

import (
	"encoding/json"
	"fmt"
	"path/filepath"
	"testing"

	"github.com/esdoctor/esdoctor/shared/secret"
)

// TestNoValueEscapes formats, marshals and fails on every fixture and
// checks that no value (real ones from ES files, CANARY-SECRET- ones from
// generated files) shows up in any of the outputs.
func TestNoValueEscapes(t *testing.T) {
	var values [][]byte
	var outputs []string
	for _, fx := range loadFixtures(t) {
		path := filepath.Join("testdata", fx.File)
		for _, pw := range []string{fx.Password, "", "not-the-password"} {
			ks, err := Load(path, secret.FromString(pw))
			if err != nil {
				outputs = append(outputs, err.Error(), fmt.Sprintf("%v %+v %#v", err, err, err))
				continue
			}
			outputs = append(outputs, fmt.Sprintf("%v %+v %#v %s", ks, ks, ks, ks), fmt.Sprintf("%v %+v %#v", *ks, *ks, *ks))
			j, err := json.Marshal(ks)
			if err != nil {
				t.Fatal(err)
			}
			outputs = append(outputs, string(j))
			for _, n := range ks.Names() {
				v, _ := ks.Get(n)
				values = append(values, v.Reveal())
				outputs = append(outputs, fmt.Sprintf("%v %+v %#v %s %q %x", v, v, v, v, v, v))
				id, _ := APIKeyID(v)
				outputs = append(outputs, id)
			}
		}
	}
	// Synthetic keystores: good ones and each malformed variant.
	ks, err := Parse(mustEncode(t, 5, "", testEntries()), "synthetic.keystore", secret.Bytes{})
	if err != nil {
		t.Fatal(err)
	}
	outputs = append(outputs, fmt.Sprintf("%v %+v %#v", ks, ks, ks))
	for _, v := range testEntries() {
		values = append(values, v)
	}
	if len(values) < 40 {
		t.Fatalf("only %d values collected", len(values))
	}
	var long [][]byte // short real values ("zxcv") match ordinary text by chance
	for _, v := range values {
		if len(v) >= 8 {
			long = append(long, v)
		}
	}
	for _, out := range outputs {
		if secret.FindCanary([]byte(out)) >= 0 {
			t.Errorf("output contains the canary: %q", out)
		}
		if s, leaked := secret.ContainsAny([]byte(out), long...); leaked {
			t.Errorf("output %q contains a value (%d bytes matched)", out, len(s))
		}
	}
}

func TestFingerprinterHidesKey(t *testing.T) {
	key := []byte("CANARY-SECRET-site-key-material")
	f := NewFingerprinter(key)
	for _, out := range []string{fmt.Sprintf("%v %+v %#v %s %x %d", f, f, f, f, f, f)} {
		if secret.FindCanary([]byte(out)) >= 0 {
			t.Errorf("Fingerprinter prints its key: %q", out)
		}
	}
	if j, _ := json.Marshal(f); secret.FindCanary(j) >= 0 {
		t.Errorf("Fingerprinter marshals its key: %s", j)
	}
}
