package config

import (
	"encoding/json"
	"fmt"
	"os"
	"strings"
	"testing"

	"github.com/esdoctor/esdoctor/shared/secret"
)

// scanCanary fails when anything the package produced holds a planted
// secret.
func scanCanary(t *testing.T, what string, out []byte) {
	t.Helper()
	if i := secret.FindCanary(out); i >= 0 {
		t.Errorf("%s leaks a planted secret: …%s…", what, out[max(0, i-40):min(len(out), i+40)])
	}
}

// TestCanaryNeverLeaks plants CANARY-SECRET- values under every secret-looking
// key, in every form, and scans values, Report, Remotes, SSL contexts,
// warnings, formatted structs and the errors of broken variants.
func TestCanaryNeverLeaks(t *testing.T) {
	base, err := os.ReadFile("testdata/legacy_secrets.yml")
	if err != nil {
		t.Fatal(err)
	}
	y, err := Parse(base, "legacy_secrets.yml", nil)
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for k, v := range y.Values {
		if v.Secret {
			n++
			s, ok := y.SecretValue(k)
			if !ok || !strings.HasPrefix(string(s.Reveal()), secret.CanaryPrefix) {
				t.Errorf("SecretValue(%s) lost the value", k)
			}
		}
	}
	if n != 10 {
		t.Errorf("%d secret values, want 10", n)
	}
	v := NewView(y, nil)
	out, _ := json.Marshal(map[string]any{
		"values": y.Values, "report": v.Report(), "remotes": v.Remotes(), "listeners": v.Listeners(),
		"ssl":      []SSLContext{v.SSL(SSLTransport), v.SSL(SSLHTTP), v.SSL(SSLRemoteClusterServer)},
		"warnings": y.Warnings, "overrides": y.Overrides,
	})
	scanCanary(t, "json output", out)
	scanCanary(t, "%+v of the YML", []byte(fmt.Sprintf("%+v %#v", y, y)))

	// Broken variants: the error must not quote a secret either.
	broken := map[string]string{
		"syntax error after secrets":    string(base) + "bad: [unclosed\n",
		"duplicate secret":              string(base) + "bootstrap.password: CANARY-SECRET-again\n",
		"duplicate secret nested":       "s3.client.default:\n  access_key: CANARY-SECRET-1\n  access_key: CANARY-SECRET-2\n",
		"duplicate map holding secrets": "a:\n  password: CANARY-SECRET-1\na:\n  password: CANARY-SECRET-2\n",
		"null after secret":             "x.password: CANARY-SECRET-1\ny:\n",
		"placeholder in a secret":       "x.password: CANARY-SECRET-${nope}\n",
		"placeholder named by secret":   "x.password: CANARY-SECRET-1\ny: ${${x.password}}\n",
		"secret list with a map":        "x.password: [CANARY-SECRET-1, {a: b}]\n",
		"secret alias":                  "base: &CANARY-SECRET-anchor [a]\nx.password: *CANARY-SECRET-anchor\n",
		"secret via env":                "x.password: ${PW}\nbad: [\n",
		"control character in a secret": "x.password: CANARY-SECRET-\x01\n",
	}
	env := mapEnv(map[string]string{"PW": "CANARY-SECRET-env"})
	for name, in := range broken {
		y, err := Parse([]byte(in), "broken.yml", env)
		if err != nil {
			scanCanary(t, name+" error", []byte(err.Error()))
			continue
		}
		out, _ := json.Marshal(map[string]any{"v": y.Values, "r": NewView(y, nil).Report(), "w": y.Warnings})
		scanCanary(t, name+" output", out)
	}

	// Cluster settings never hold secrets, but a saved response that does
	// must not leak them either.
	cs, err := ParseClusterSettings([]byte(`{"persistent":{"cluster.remote.x.credentials":"CANARY-SECRET-cs","cluster.remote.x.seeds":["127.0.0.1:9443"]}}`), "cs.json")
	if err != nil {
		t.Fatal(err)
	}
	out, _ = json.Marshal(map[string]any{"cs": cs, "r": NewView(nil, cs).Report()})
	scanCanary(t, "cluster settings", out)
}
