package cli

import (
	"bytes"
	"encoding/json"
	"testing"
)

func TestEscapeControls(t *testing.T) {
	var b bytes.Buffer
	w := EscapeControls(&b)
	in := "title \x1b]0;pwned\a\x1b[2J\r\x7f \u009b ok\tdone\n"
	w.Write([]byte(in))
	want := `title \u001b]0;pwned\u0007\u001b[2J\u000d\u007f \u009b ok` + "\tdone\n"
	if b.String() != want {
		t.Fatalf("got %q, want %q", b.String(), want)
	}
	// Inside a JSON string the escapes stay valid JSON and decode back.
	b.Reset()
	w.Write([]byte("\"a\u0085b\"\n"))
	var s string
	if err := json.Unmarshal(b.Bytes(), &s); err != nil || s != "a\u0085b" {
		t.Fatalf("json %q: %v %q", b.String(), err, s)
	}
}
