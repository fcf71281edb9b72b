package objects

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestParseKubectlOutput(t *testing.T) {
	f, err := os.Open("testdata/mesh.yaml")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	o, err := Parse(f, "testdata/mesh.yaml")
	if err != nil {
		t.Fatal(err)
	}
	if len(o.PeerAuthentications) != 2 || o.PeerAuthentications[0].Namespace != "istio-system" || o.PeerAuthentications[0].Mode != "STRICT" {
		t.Fatalf("peer authentications: %+v", o.PeerAuthentications)
	}
	es := o.PeerAuthentications[1]
	if es.Mode != "PERMISSIVE" || es.PortModes["9300"] != "STRICT" || es.Selector["app"] != "elasticsearch" {
		t.Errorf("port-level mode: %+v", es)
	}
	if len(o.AuthorizationPolicies) != 2 {
		t.Fatalf("authorization policies: %+v", o.AuthorizationPolicies)
	}
	deny, allow := o.AuthorizationPolicies[0], o.AuthorizationPolicies[1]
	if deny.Name != "deny-authz-ns" || !deny.DenyAll || deny.Action != "ALLOW" || allow.DenyAll || allow.Rules != 1 {
		t.Errorf("deny-all detection: %+v %+v", deny, allow)
	}
	if len(o.RequestAuthentications) != 1 || o.RequestAuthentications[0].Issuers[0] != "https://accounts.example.com" {
		t.Errorf("request authentications: %+v", o.RequestAuthentications)
	}
	if len(o.MutatingWebhooks) != 1 || len(o.MutatingWebhooks[0].Webhooks) != 2 {
		t.Fatalf("webhooks: %+v", o.MutatingWebhooks)
	}
	w := o.MutatingWebhooks[0].Webhooks
	if w[0].CABundleBytes != 0 || w[1].CABundleBytes == 0 || w[1].CABundleSHA256 == "" || w[0].Service != "istio-system/istiod" {
		t.Errorf("ca bundles: %+v", w)
	}
	if len(o.Namespaces) != 2 || o.Namespaces[1].Labels["istio-injection"] != "enabled" {
		t.Errorf("namespaces: %+v", o.Namespaces)
	}
}

func TestParseJSONAndDenyRule(t *testing.T) {
	in := `{"apiVersion":"security.istio.io/v1","kind":"AuthorizationPolicy","metadata":{"name":"deny","namespace":"x"},"spec":{"action":"DENY","rules":[{}]}}`
	o, err := Parse(strings.NewReader(in), "ap.json")
	if err != nil {
		t.Fatal(err)
	}
	if len(o.AuthorizationPolicies) != 1 || !o.AuthorizationPolicies[0].DenyAll {
		t.Errorf("DENY with an empty rule is deny-all: %+v", o.AuthorizationPolicies)
	}
}

func TestLoadDirectory(t *testing.T) {
	dir := t.TempDir()
	b, _ := os.ReadFile("testdata/mesh.yaml")
	os.WriteFile(filepath.Join(dir, "a.yaml"), b, 0o600)
	os.WriteFile(filepath.Join(dir, "b.yml"), []byte("kind: Namespace\nmetadata:\n  name: extra\n"), 0o600)
	os.WriteFile(filepath.Join(dir, "broken.yaml"), []byte("kind: [\n"), 0o600)
	os.WriteFile(filepath.Join(dir, "notes.txt"), []byte("not read"), 0o600)
	o, files, errs := Load(dir)
	if len(files) != 3 || len(errs) != 1 || !strings.Contains(errs[0].Error(), "broken.yaml") {
		t.Fatalf("files %v errors %v", files, errs)
	}
	if len(o.Namespaces) != 3 {
		t.Errorf("namespaces from both files: %+v", o.Namespaces)
	}
}

// Malformed inputs give an error naming the file and the cause.
func TestMalformedObjects(t *testing.T) {
	cases := []struct{ name, in, want string }{
		{"syntax", "kind: PeerAuthentication\nmetadata: [\n", "yaml:"},
		{"no kind", "metadata:\n  name: x\n", "no kind"},
		{"no name", "kind: Namespace\nmetadata: {}\n", "no metadata.name"},
		{"bad mode", "kind: PeerAuthentication\nmetadata: {name: a, namespace: b}\nspec:\n  mtls:\n    mode: STRIKT\n", `mtls.mode "STRIKT"`},
		{"bad port mode", "kind: PeerAuthentication\nmetadata: {name: a}\nspec:\n  portLevelMtls:\n    \"80\": {mode: X}\n", "portLevelMtls[80]"},
		{"bad action", "kind: AuthorizationPolicy\nmetadata: {name: a}\nspec: {action: MAYBE}\n", `action "MAYBE"`},
		{"spec not a map", "kind: AuthorizationPolicy\nmetadata: {name: a}\nspec: [1, 2]\n", "spec:"},
		{"rules not a list", "kind: AuthorizationPolicy\nmetadata: {name: a}\nspec: {rules: 3}\n", "spec:"},
		{"caBundle not base64", "kind: MutatingWebhookConfiguration\nmetadata: {name: istio-sidecar-injector}\nwebhooks:\n- name: w\n  clientConfig: {caBundle: '***'}\n", "not base64"},
		{"items not a list", "kind: List\nitems: 3\n", "document 1"},
		{"scalar document", "just text\n", "document 1"},
		{"empty", "", "no Kubernetes object"},
		{"comments only", "# nothing\n---\n", "no Kubernetes object"},
		{"binary", "\x00\x01\x02kind", "binary data"},
		{"nested lists", "kind: List\nitems:\n- kind: List\n  items:\n  - kind: List\n    items:\n    - kind: List\n      items: []\n", "nested too deep"},
	}
	for _, c := range cases {
		_, err := Parse(strings.NewReader(c.in), "bad/"+c.name+".yaml")
		if err == nil {
			t.Errorf("%s: no error", c.name)
			continue
		}
		if !strings.Contains(err.Error(), "bad/"+c.name+".yaml") || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: error %q, want the file and %q", c.name, err, c.want)
		}
	}
	if _, _, errs := Load("testdata/missing.yaml"); len(errs) != 1 || !strings.Contains(errs[0].Error(), "missing.yaml") {
		t.Errorf("missing file: %v", errs)
	}
}

func FuzzMeshObjects(f *testing.F) {
	b, _ := os.ReadFile("testdata/mesh.yaml")
	f.Add(b)
	f.Add([]byte(`{"kind":"List","items":[{"kind":"Namespace","metadata":{"name":"a","labels":{"istio-injection":"enabled"}}}]}`))
	f.Add([]byte("kind: AuthorizationPolicy\nmetadata: {name: a}\nspec: {action: DENY, rules: [{}]}\n"))
	f.Add([]byte("a: &a [*a]\n"))
	f.Fuzz(func(t *testing.T, in []byte) {
		o, err := Parse(strings.NewReader(string(in)), "fuzz.yaml")
		if err != nil && !strings.Contains(err.Error(), "fuzz.yaml") {
			t.Fatalf("error without the file name: %v", err)
		}
		if o != nil {
			for _, ap := range o.AuthorizationPolicies {
				if ap.Action == "" {
					t.Fatal("policy without an action")
				}
			}
		}
	})
}
