package config

import (
	"reflect"
	"strings"
	"testing"
)

func parse(t *testing.T, yml string, env map[string]string) *YML {
	t.Helper()
	y, err := Parse([]byte(yml), "elasticsearch.yml", mapEnv(env))
	if err != nil {
		t.Fatalf("Parse: %v", err)
	}
	return y
}

// want is one expected setting: a scalar, or a list when list is non-nil.
type want struct {
	scalar string
	list   []string
	line   int
}

func checkValues(t *testing.T, y *YML, wants map[string]want, absent ...string) {
	t.Helper()
	for k, w := range wants {
		v, ok := y.Values[k]
		if !ok {
			t.Errorf("%s: not set; have %v", k, y.Keys())
			continue
		}
		if w.list != nil {
			if !v.IsList || !reflect.DeepEqual(v.List, w.list) {
				t.Errorf("%s: got list=%v %q, want %q", k, v.IsList, v.List, w.list)
			}
		} else if v.IsList || v.Scalar != w.scalar {
			t.Errorf("%s: got %q (list %v), want %q", k, v.Scalar, v.IsList, w.scalar)
		}
		if w.line != 0 && v.Line != w.line {
			t.Errorf("%s: line %d, want %d", k, v.Line, w.line)
		}
	}
	for _, k := range absent {
		if v, ok := y.Values[k]; ok {
			t.Errorf("%s: should be unset, got %+v", k, v)
		}
	}
}

func TestFlatAndNestedAreEquivalent(t *testing.T) {
	forms := map[string]string{
		"flat":        "xpack.security.transport.ssl.enabled: true\n",
		"nested":      "xpack:\n  security:\n    transport:\n      ssl:\n        enabled: true\n",
		"mixed top":   "xpack.security:\n  transport.ssl.enabled: true\n",
		"mixed deep":  "xpack:\n  security.transport:\n    ssl:\n      enabled: true\n",
		"flow map":    "xpack.security.transport.ssl: {enabled: true}\n",
		"flow nested": "{xpack: {security: {transport.ssl: {enabled: true}}}}\n",
	}
	for name, yml := range forms {
		t.Run(name, func(t *testing.T) {
			y := parse(t, yml, nil)
			checkValues(t, y, map[string]want{"xpack.security.transport.ssl.enabled": {scalar: "true"}})
			if len(y.Values) != 1 {
				t.Errorf("got keys %v", y.Keys())
			}
		})
	}
}

func TestCrossFormRepeatLaterWins(t *testing.T) {
	// Not an error in 8.x: the flattener's put overwrites.
	y := parse(t, "a.b: 1\nc: x\na:\n  b: 2\n", nil)
	checkValues(t, y, map[string]want{"a.b": {scalar: "2", line: 4}, "c": {scalar: "x"}})
	if want := []Override{{Key: "a.b", Line: 4, PreviousLine: 1}}; !reflect.DeepEqual(y.Overrides, want) {
		t.Errorf("overrides %+v, want %+v", y.Overrides, want)
	}
	y = parse(t, "a:\n  b: [x]\na.b: 3\n", nil)
	checkValues(t, y, map[string]want{"a.b": {scalar: "3"}})
}

func TestLists(t *testing.T) {
	y := parse(t, `
block:
  - one
  - 2
  - true
flow: [a, "b, c", 'd']
empty: []
path.data: /a,/b
discovery.seed_hosts: " h1:9300 , h2:9300,,h3:9300,,"
node.roles: master
cluster.remote.r.seeds: "127.0.0.1:9443"
xpack.security.http.ssl.cipher_suites: "A,B"
s3.client.default.proxy.host: "p1,p2"
node.attr.csv: "x,y"
`, nil)
	checkValues(t, y, map[string]want{
		"block":                                 {list: []string{"one", "2", "true"}},
		"flow":                                  {list: []string{"a", "b, c", "d"}},
		"empty":                                 {list: []string{}},
		"path.data":                             {list: []string{"/a", "/b"}},
		"discovery.seed_hosts":                  {list: []string{"h1:9300", "h2:9300", "", "h3:9300"}},
		"node.roles":                            {list: []string{"master"}},
		"cluster.remote.r.seeds":                {list: []string{"127.0.0.1:9443"}},
		"xpack.security.http.ssl.cipher_suites": {list: []string{"A", "B"}},
		"s3.client.default.proxy.host":          {scalar: "p1,p2"}, // not a list setting
		"node.attr.csv":                         {scalar: "x,y"},
	})
	if got := y.Values["block"].Scalar; got != "one,2,true" {
		t.Errorf("list Scalar = %q", got)
	}
	if got := y.Values["path.data"].Scalar; got != "/a,/b" {
		t.Errorf("comma list Scalar = %q, want the text as written", got)
	}
}

func TestScalarsKeepTheirText(t *testing.T) {
	y := parse(t, `
port: 9443
quoted_bool: "true"
octal: 0755
float: 1.50
hex: 0x1F
single: 'it''s'
folded: >
  a
  b
time: 30s
yes_word: yes
Off_word: Off
TRUE_word: TRUE
y_letter: y
quoted_yes: "yes"
tagged_yes: !!str yes
list_yes: [yes, On]
`, nil)
	checkValues(t, y, map[string]want{
		"port": {scalar: "9443"}, "quoted_bool": {scalar: "true"}, "octal": {scalar: "0755"},
		"float": {scalar: "1.50"}, "hex": {scalar: "0x1F"}, "single": {scalar: "it's"},
		"folded": {scalar: "a b\n"}, "time": {scalar: "30s"},
		// YAML 1.1 booleans become "true"/"false" (Jackson boolean token)...
		"yes_word": {scalar: "true"}, "Off_word": {scalar: "false"}, "TRUE_word": {scalar: "true"},
		// ...but not quoted, tagged, single-letter or list items.
		"y_letter": {scalar: "y"}, "quoted_yes": {scalar: "yes"}, "tagged_yes": {scalar: "yes"},
		"list_yes": {list: []string{"yes", "On"}},
	})
}

func TestEmptyStringIsUnset(t *testing.T) {
	y := parse(t, "a: ''\nb: \"\"\nc: x\nl: ['']\n", nil)
	checkValues(t, y, map[string]want{"c": {scalar: "x"}, "l": {list: []string{""}}}, "a", "b")
}

func TestEmptyFile(t *testing.T) {
	for _, in := range []string{"", "\n\n", "# only a comment\n#another\n", "\xef\xbb\xbf# bom\n"} {
		y := parse(t, in, nil)
		if len(y.Values) != 0 {
			t.Errorf("%q: got %v", in, y.Keys())
		}
	}
}

func TestLineNumbers(t *testing.T) {
	y := parse(t, "# c\ncluster.name: x\nxpack:\n  security:\n\n    enabled: true\nseeds:\n  - a\n", nil)
	checkValues(t, y, map[string]want{
		"cluster.name": {scalar: "x", line: 2}, "xpack.security.enabled": {scalar: "true", line: 6},
		"seeds": {list: []string{"a"}, line: 7},
	})
	// CRLF and lone CR count as line breaks, as Java's readLine does.
	y = parse(t, "a: 1\r\nb: 2\r\n\r\nc: 3\r\n", nil)
	checkValues(t, y, map[string]want{"c": {scalar: "3", line: 4}})
}

func TestAliasesAreNotExpanded(t *testing.T) {
	y := parse(t, "base: &seeds [h1, h2]\ndiscovery.seed_hosts: *seeds\nother: [*seeds, x]\n", nil)
	checkValues(t, y, map[string]want{
		"base":                 {list: []string{"h1", "h2"}},
		"discovery.seed_hosts": {list: []string{"seeds"}},
		"other":                {list: []string{"seeds", "x"}},
	})
	if len(y.Warnings) != 2 || !strings.Contains(y.Warnings[0], `line 2: setting [discovery.seed_hosts]: YAML alias *seeds`) {
		t.Errorf("warnings %q", y.Warnings)
	}
}

func TestEnvSubstitution(t *testing.T) {
	env := map[string]string{
		"NAME": "prod", "LIST": "[a, b]", "CSV": "h1,h2", "EMPTY": "", "MULTI": "x\nnode.name: injected",
		"HOST:fallback": "literal-name-with-colon", "COLOR": "blue",
	}
	y := parse(t, `cluster.name: "c-${NAME}"
flow: ${LIST}
discovery.seed_hosts: ${CSV}
quoted: '${NAME}'
in_list: [ "${NAME}-1", x ]
# a comment ${NAME} ${UNKNOWN_BUT_IN_A_COMMENT}
unclosed: a${NAME
two: ${NAME}${NAME}
colon: ${HOST:fallback}
empty_env: x${EMPTY}y
injected: ${MULTI}
after: z
`, env)
	checkValues(t, y, map[string]want{
		"cluster.name":         {scalar: "c-prod"},
		"flow":                 {list: []string{"a", "b"}},
		"discovery.seed_hosts": {list: []string{"h1", "h2"}},
		"quoted":               {scalar: "prod"},
		"in_list":              {list: []string{"prod-1", "x"}},
		"unclosed":             {scalar: "a${NAME"},
		"two":                  {scalar: "prodprod"},
		// The environment pass looks up the whole text "HOST:fallback".
		"colon":     {scalar: "literal-name-with-colon"},
		"empty_env": {scalar: "xy"},
		"injected":  {scalar: "x", line: 11},
		"node.name": {scalar: "injected", line: 11},
		"after":     {scalar: "z", line: 12},
	})
}

func TestSettingPlaceholders(t *testing.T) {
	env := map[string]string{"LOGS": "/from/env"}
	y := parse(t, `node.name: n1
node.attr.a: ${node.name}-a
node.attr.b: ${node.attr.a}/b
node.attr.def: ${missing:fallback}
node.attr.envdef: ${LOGS:/default/wins}
node.attr.empty_def: ${missing:}
node.attr.nested: ${${which}}
which: node.name
node.attr.list: [ "${node.name}", x ]
list.src: [p, q]
node.attr.fromlist: ${list.src}
node.attr.prompt: ${prompt.secret}
node.attr.twice: ${missing:d}-${other:e}
`, env)
	checkValues(t, y, map[string]want{
		"node.attr.a":      {scalar: "n1-a"},
		"node.attr.b":      {scalar: "n1-a/b"},
		"node.attr.def":    {scalar: "fallback"},
		"node.attr.envdef": {scalar: "/default/wins"},
		"node.attr.nested": {scalar: "n1"},
		"node.attr.list":   {list: []string{"n1", "x"}},
		// Settings.toString of a Java List.
		"node.attr.fromlist": {scalar: "[p, q]"},
		"node.attr.prompt":   {scalar: "${prompt.secret}"},
		"node.attr.twice":    {scalar: "d-e"},
	}, "node.attr.empty_def")
}

func TestPlaceholderErrors(t *testing.T) {
	cases := map[string]string{
		"node.name: ${NOPE}\n": "line 1: setting [node.name]: Could not resolve placeholder 'NOPE'",
		"a: ${b}\nb: ${a}\n":   "Circular placeholder reference 'b' in property definitions",
		// PropertyPlaceholder's quirk: it forgets "missing", not "missing:d",
		// so the same defaulted placeholder twice in one value is "circular".
		"a: ${missing:d}${missing:d}\n": "Circular placeholder reference 'missing:d'",
		"a: ${a}\n":                     "Circular placeholder reference 'a'",
		"l: [x, '${NOPE}']\n":           "setting [l]: Could not resolve placeholder 'NOPE'",
		"z: ${NOPE_Z}\nb: ${NOPE_B}\n":  "setting [b]", // sorted order, like ES's TreeMap
		"a: ${x:${NOPE}}\n":             "Could not resolve placeholder 'NOPE'",
		"a: ${b}${b}${b}${b}\nb: ${c}${c}${c}${c}\nc: ${d}${d}${d}${d}\nd: ${e}${e}${e}${e}\ne: ${f}${f}${f}${f}\nf: ${g}${g}${g}${g}\ng: ${h}${h}${h}${h}\nh: 0123456789012345678901234567890123456789\n": "placeholder expansion too large",
	}
	for in, sub := range cases {
		_, err := Parse([]byte(in), "elasticsearch.yml", nil)
		if err == nil || !strings.Contains(err.Error(), sub) || !strings.Contains(err.Error(), "elasticsearch.yml") {
			t.Errorf("%q: got %v, want %q", in, err, sub)
		}
	}
}

func TestSecretKeys(t *testing.T) {
	secrets := []string{
		"xpack.security.transport.ssl.keystore.password", "xpack.security.http.ssl.truststore.secure_password",
		"xpack.security.http.ssl.key_passphrase", "xpack.security.http.ssl.secure_key_passphrase",
		"xpack.security.transport.ssl.keystore.key_password", "s3.client.default.access_key",
		"s3.client.default.secret_key", "s3.client.default.session_token", "cluster.remote.a.credentials",
		"s3.client.x.proxy.password", "bootstrap.password", "xpack.notification.email.account.a.smtp.secure_password",
		"gcs.client.default.credentials_file",
	}
	for _, k := range secrets {
		if !IsSecretKey(k) {
			t.Errorf("%s should be secret", k)
		}
	}
	for _, k := range []string{"xpack.security.transport.ssl.keystore.path", "cluster.remote.a.seeds", "s3.client.default.endpoint", "node.name"} {
		if IsSecretKey(k) {
			t.Errorf("%s should not be secret", k)
		}
	}
}

func TestSecretValues(t *testing.T) {
	y := parse(t, `a.keystore.password: s3cr3t
b:
  key_passphrase: [p1, p2]
c.normal: ok
c.copy: x-${a.keystore.password}
c.indirect: ${c.copy}
`, nil)
	for _, k := range []string{"a.keystore.password", "b.key_passphrase", "c.copy", "c.indirect"} {
		v := y.Values[k]
		if !v.Secret || v.Scalar != "" || v.List != nil {
			t.Errorf("%s: %+v should be secret and empty", k, v)
		}
	}
	if !y.Values["b.key_passphrase"].IsList {
		t.Error("a secret list should stay marked as a list")
	}
	for k, w := range map[string]string{"a.keystore.password": "s3cr3t", "b.key_passphrase": "p1,p2", "c.copy": "x-s3cr3t", "c.indirect": "x-s3cr3t"} {
		s, ok := y.SecretValue(k)
		if !ok || string(s.Reveal()) != w {
			t.Errorf("SecretValue(%s) = %q %v, want %q", k, s.Reveal(), ok, w)
		}
	}
	if _, ok := y.SecretValue("c.normal"); ok {
		t.Error("c.normal is not secret")
	}
	var nilY *YML
	if _, ok := nilY.SecretValue("x"); ok {
		t.Error("nil YML")
	}
}

func TestIsListSetting(t *testing.T) {
	for _, k := range []string{"network.host", "transport.bind_host", "http.publish_host", "remote_cluster.host",
		"path.data", "node.roles", "discovery.seed_hosts", "cluster.initial_master_nodes", "cluster.remote.x.seeds",
		"xpack.security.remote_cluster_client.ssl.certificate_authorities", "transport.profiles.p.bind_host"} {
		if !IsListSetting(k) {
			t.Errorf("%s should be a list setting", k)
		}
	}
	for _, k := range []string{"s3.client.default.proxy.host", "network.hostx", "cluster.remote.x.proxy_address", "path.logs", "http.port"} {
		if IsListSetting(k) {
			t.Errorf("%s should not be a list setting", k)
		}
	}
}
