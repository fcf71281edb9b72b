package certs

import "testing"

func TestInferFormat(t *testing.T) {
	cases := []struct {
		setting, path, typ string
		want               Format
	}{
		{"xpack.security.transport.ssl.certificate", "certs/node.p12", "", PEM},
		{"xpack.security.http.ssl.key", "node.key", "", PEM},
		{"xpack.security.remote_cluster_client.ssl.certificate_authorities", "ca.crt", "", PEM},
		{"transport.profiles.client.xpack.security.ssl.certificate_authorities", "ca.crt", "", PEM},
		{"xpack.security.transport.ssl.keystore.path", "certs/transport.p12", "", PKCS12},
		{"xpack.security.transport.ssl.keystore.path", "certs/TRANSPORT.P12", "", PKCS12},
		{"xpack.security.http.ssl.keystore.path", "http.pfx", "", PKCS12},
		{"xpack.security.http.ssl.truststore.path", "trust.pkcs12", "", PKCS12},
		{"xpack.security.http.ssl.truststore.path", "trust.jks", "", JKS},
		{"xpack.security.http.ssl.truststore.path", "trust", "", JKS},
		{"xpack.security.http.ssl.truststore.path", "trust.jks", "pkcs12", PKCS12},
		{"xpack.security.http.ssl.keystore.path", "http.p12", "JKS", JKS},
		{"xpack.security.http.ssl.keystore.path", "http.p12", "pem", PEM},
		{"xpack.security.http.ssl.keystore.path", "http.p12", "PKCS11", "PKCS11"},
	}
	for _, c := range cases {
		if got := InferFormat(c.setting, c.path, c.typ); got != c.want {
			t.Errorf("InferFormat(%q, %q, %q) = %s, want %s", c.setting, c.path, c.typ, got, c.want)
		}
	}
}

func TestSniff(t *testing.T) {
	cases := []struct {
		rel  string
		want Format
	}{
		{"certs/transport.p12", PKCS12},
		{"certs/truststore.p12", PKCS12},
		{"certs/keystore.jks", JKS},
		{"certs/http_ca.crt", PEM},
		{"pem/openssl-bag-attributes.pem", PEM},
	}
	for _, c := range cases {
		if got := sniff(fixtureBytes(t, c.rel)).format; got != c.want {
			t.Errorf("sniff(%s) = %q, want %q", c.rel, got, c.want)
		}
	}
}
