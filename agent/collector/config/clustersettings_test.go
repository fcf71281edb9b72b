package config

import (
	"reflect"
	"strings"
	"testing"
)

func TestParseClusterSettings(t *testing.T) {
	cs, err := ParseClusterSettings([]byte(`{
  "persistent": {
    "cluster": {"remote": {"r1": {"seeds": ["127.0.0.1:9443", "127.0.0.2:9443"], "skip_unavailable": true,
                                   "node_connections": 4}}},
    "cluster.remote.r2.seeds": "127.0.0.3:9443,127.0.0.4:9443",
    "cluster.remote.r3.proxy_address": null,
    "indices.recovery.max_bytes_per_sec": "50mb"
  },
  "transient": {},
  "defaults": {"ignored": {"deep": [1, 2, {"x": 1}]}}
}`), "cs.json")
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]Value{
		"cluster.remote.r1.seeds":            {Scalar: "127.0.0.1:9443,127.0.0.2:9443", List: []string{"127.0.0.1:9443", "127.0.0.2:9443"}, IsList: true},
		"cluster.remote.r1.skip_unavailable": {Scalar: "true"},
		"cluster.remote.r1.node_connections": {Scalar: "4"},
		"cluster.remote.r2.seeds":            {Scalar: "127.0.0.3:9443,127.0.0.4:9443", List: []string{"127.0.0.3:9443", "127.0.0.4:9443"}, IsList: true},
		"indices.recovery.max_bytes_per_sec": {Scalar: "50mb"},
	}
	if !reflect.DeepEqual(cs.Persistent, want) {
		t.Errorf("persistent:\n got %+v\nwant %+v", cs.Persistent, want)
	}
	if len(cs.Transient) != 0 {
		t.Errorf("transient %+v", cs.Transient)
	}
}

var malformedClusterSettings = []struct{ name, in, want string }{
	{"empty", ``, "unexpected end of JSON input"},
	{"not JSON", `persistent: {}`, "malformed JSON"},
	{"top-level list", `[{"persistent":{}}]`, "expected the response to be a JSON object, found a list"},
	{"persistent not an object", `{"persistent":[1]}`, `expected "persistent" to be an object, found a list`},
	{"map in list", `{"persistent":{"a":[{"b":1}]}}`, "setting [a]: only value lists are allowed in serialized settings, found an object"},
	{"null in list", `{"persistent":{"a":["x",null]}}`, "found null in the list"},
	{"duplicate key across forms", `{"persistent":{"a.b":"1","a":{"b":"2"}}}`, "duplicate settings key [a.b]"},
	{"duplicate member", `{"persistent":{},"persistent":{}}`, `duplicate member "persistent"`},
	{"truncated", `{"persistent":{"a":"b"`, "unexpected end of JSON input"},
	{"trailing data", `{"persistent":{}} {}`, "trailing data"},
	{"deep nesting", `{"persistent":` + strings.Repeat(`{"a":`, 100) + `1` + strings.Repeat(`}`, 101), "nested deeper than 64 levels"},
	{"too large", `{"persistent":{"a":"` + strings.Repeat("x", MaxClusterSettingsSize) + `"}}`, "over the 8388608-byte limit"},
	{"binary", "\x00\x01\x02", "malformed JSON"},
}

func TestMalformedClusterSettings(t *testing.T) {
	for _, tc := range malformedClusterSettings {
		t.Run(tc.name, func(t *testing.T) {
			_, err := ParseClusterSettings([]byte(tc.in), "saved/cluster_settings.json")
			if err == nil {
				t.Fatal("no error")
			}
			if !strings.HasPrefix(err.Error(), "cluster settings saved/cluster_settings.json: ") || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("error %q\nwant substring %q", err, tc.want)
			}
		})
	}
}
