package secret

import (
	"encoding/base64"
	"strings"
	"testing"
)

func TestScrub(t *testing.T) {
	apiKey := base64.StdEncoding.EncodeToString([]byte("VuaCfGcBCdbkQm-e5aOx:CANARY-SECRET-ui2lp2axTNmsyakw9tvNnw"))
	cases := []struct{ in, gone, keep string }{
		{"Authorization: ApiKey " + apiKey, "CANARY", "Authorization: ApiKey " + Redacted},
		{"header [authorization=Bearer CANARY-SECRET-tok123456789]", "CANARY", "authorization="},
		{"encoded key " + apiKey + " rejected", apiKey[:20], "encoded key"},
		{"login with password=CANARY-SECRET-pw1&user=elastic", "CANARY", "user=elastic"},
		{`{"secret":"CANARY-SECRET-x1"}`, "CANARY", `"secret":"`},
		{"bootstrap.password: CANARY-SECRET-bp", "CANARY", "bootstrap.password: "},
		{"s3 secret_key=wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY", "wJalr", "secret_key="},
		{"aws key wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY here", "wJalr", "aws key"},
		{"-----BEGIN RSA PRIVATE KEY-----\nMIIEowCANARY\n-----END RSA PRIVATE KEY-----", "MIIE", "BEGIN RSA PRIVATE KEY"},
		{"cut -----BEGIN PRIVATE KEY-----\nMIIEvQCANARY", "MIIE", "cut"},
		{"https://elastic:CANARY-SECRET-u@127.0.0.1:9200/", "CANARY", "https://elastic:"},
		// What stays.
		{"authentication of [elastic] failed: api key id [VuaCfGcBCdbkQm-e5aOx] is invalid", "", "VuaCfGcBCdbkQm-e5aOx"},
		{"sha1 0123456789abcdef0123456789abcdef01234567", "", "0123456789abcdef0123456789abcdef01234567"},
		{"AKIAIOSFODNN7EXAMPLE access key id", "", "AKIAIOSFODNN7EXAMPLE"},
		{"unable to authenticate with Basic authentication scheme", "", "Basic authentication"},
		{"missing authentication credentials for action [indices:data/read/search]", "", "credentials for action"},
		{"wrong password: the password from x does not open this PKCS#12 file", "", "wrong password: the password"},
	}
	for _, c := range cases {
		got := Scrub(c.in)
		if c.gone != "" && strings.Contains(got, c.gone) {
			t.Errorf("Scrub(%q) = %q still holds %q", c.in, got, c.gone)
		}
		if !strings.Contains(got, c.keep) {
			t.Errorf("Scrub(%q) = %q lost %q", c.in, got, c.keep)
		}
		if c.gone == "" && got != c.in {
			t.Errorf("Scrub(%q) changed it: %q", c.in, got)
		}
	}
}

func TestIsSecretName(t *testing.T) {
	for name, want := range map[string]bool{
		"xpack.security.http.ssl.keystore.password":          true,
		"xpack.security.http.ssl.keystore.password.a":        true,
		"xpack.security.http.ssl.keystore.pasword":           true,
		"xpack.security.http.ssl.keystore.passwrod":          true,
		"cluster.remote.r1.credential":                       true,
		"cluster.remote.r1.credentails":                      true,
		"s3.client.default.secret_key":                       true,
		"s3.client.default.secrte_key":                       true,
		"s3.client.default.access_key":                       true,
		"xpack.security.transport.ssl.key_passphrase":        true,
		"xpack.security.transport.ssl.secure_key_passphrase": true,
		"foo.passwd":                                     true,
		"xpack.security.transport.ssl.key":               false,
		"xpack.security.transport.ssl.keystore.path":     false,
		"xpack.security.authc.token.enabled":             false,
		"cluster.remote.r1.seeds":                        false,
		"cluster.remote.r1.mode":                         false,
		"xpack.security.transport.ssl.verification_mode": false,
		"network.host":                                   false,
	} {
		if got := IsSecretName(name); got != want {
			t.Errorf("IsSecretName(%q) = %v, want %v", name, got, want)
		}
	}
}

func FuzzScrub(f *testing.F) {
	f.Add("Authorization: ApiKey dGVzdDp0ZXN0MTIzNDU2Nzg5MA== password=x")
	f.Add("-----BEGIN PRIVATE KEY-----\nabc")
	f.Fuzz(func(t *testing.T, s string) {
		once := Scrub(s)
		if twice := Scrub(once); twice != once {
			t.Fatalf("not idempotent: %q -> %q -> %q", s, once, twice)
		}
	})
}
