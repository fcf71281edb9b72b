package inspect_test

import (
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/esdoctor/esdoctor/agent/collector/keystore"
	"github.com/esdoctor/esdoctor/internal/testkit/certgen"
)

// The node directories under testdata/nodes were generated ONCE with
//
//	go test ./agent/inspect -run TestGenerateFixtures -gen
//
// and committed (keys, salts and serials are random: regenerating changes
// every golden file, then run the golden tests with -update).
var genFixtures = flag.Bool("gen", false, "regenerate testdata/nodes (changes every golden file)")

// Planted secrets of the fixtures. Every value carries secret.CanaryPrefix.
const (
	pwAutoHTTP        = "CANARY-SECRET-autoconfig-http-p12"
	pwAutoTransport   = "CANARY-SECRET-autoconfig-transport-p12"
	pwCertutil        = "CANARY-SECRET-elastic-certificates-p12"
	pwCrossCluster    = "CANARY-SECRET-cross-cluster-p12"
	pwKeystoreRemote  = "CANARY-SECRET-keystore-password-remote"
	pwKeystoreLocal   = "CANARY-SECRET-keystore-password-local"
	pwLegacyKey       = "CANARY-SECRET-legacy-key-passphrase"
	pwLegacyTrust     = "CANARY-SECRET-legacy-truststore-jks"
	pwWrongServer     = "CANARY-SECRET-not-the-p12-password"
	pwRemoteTrustLeg  = "CANARY-SECRET-legacy-yml-truststore"
	pwFormsP12        = "CANARY-SECRET-forms-p12"
	apiKeyLocal       = "VuaCfGcBCdbkQm-e5aOx:CANARY-SECRET-ui2lp2axTNmsyakw9tvNnw"
	apiKeyProblems    = "agZXJocBmA2beJfq2yKu:CANARY-SECRET-problems-api-key"
	apiKeyForms       = "Zm9ybXMtc2VhcmNoLWtleQ:CANARY-SECRET-forms-api-key"
	s3AccessKeyLocal  = "CANARY-SECRET-AKIAIOSFODNN7EXAMPLE"
	s3SecretKeyLocal  = "CANARY-SECRET-wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"
	autoconfPwHash    = "CANARY-SECRET-{PBKDF2_STRETCH}10000$autoconfig-hash"
	bootstrapPassword = "CANARY-SECRET-bootstrap-password"
)

func encodedKey(idColonSecret string) []byte {
	return []byte(base64.StdEncoding.EncodeToString([]byte(idColonSecret)))
}

// fx writes one case directory.
type fx struct {
	t    *testing.T
	dir  string
	meta nodeCase
}

func newFx(t *testing.T, name string, meta nodeCase) *fx {
	dir := filepath.Join("testdata", "nodes", name)
	if err := os.RemoveAll(dir); err != nil {
		t.Fatal(err)
	}
	f := &fx{t: t, dir: dir, meta: meta}
	f.mkdir("config")
	return f
}

func (f *fx) must(err error) {
	f.t.Helper()
	if err != nil {
		f.t.Fatal(err)
	}
}

func (f *fx) mkdir(rel string) { f.must(os.MkdirAll(filepath.Join(f.dir, rel), 0o755)) }

func (f *fx) file(rel string, data []byte) {
	f.t.Helper()
	p := filepath.Join(f.dir, rel)
	f.must(os.MkdirAll(filepath.Dir(p), 0o755))
	f.must(os.WriteFile(p, data, 0o644))
}

func (f *fx) text(rel string, lines ...string) { f.file(rel, []byte(strings.Join(lines, "\n")+"\n")) }

func (f *fx) keystore(version int, password string, entries map[string]string) {
	m := map[string][]byte{}
	for k, v := range entries {
		m[k] = []byte(v)
	}
	b, err := keystore.Encode(version, password, m)
	f.must(err)
	f.file("config/elasticsearch.keystore", b)
	if password != "" {
		f.file("keystore-password", []byte(password+"\n"))
		f.meta.KeystorePasswordFile = "keystore-password"
	}
}

func (f *fx) p12(rel, password string, entries ...certgen.Entry) {
	b, err := certgen.EncodePKCS12(password, entries...)
	f.must(err)
	f.file(rel, b)
}

func (f *fx) jks(rel, password string, entries ...certgen.Entry) {
	b, err := certgen.EncodeJKS(password, entries...)
	f.must(err)
	f.file(rel, b)
}

func (f *fx) pem(rel string, certs ...*x509.Certificate) { f.file(rel, certgen.PEMCerts(certs...)) }

func (f *fx) done() {
	b, err := json.MarshalIndent(f.meta, "", "  ")
	f.must(err)
	f.file("case.json", append(b, '\n'))
}

func (f *fx) ca(cn string, from time.Time, years int, opts ...certgen.Option) *certgen.Authority {
	a, err := certgen.NewCA(cn, append([]certgen.Option{certgen.Validity(from, from.AddDate(years, 0, 0))}, opts...)...)
	f.must(err)
	return a
}

func (f *fx) leaf(a *certgen.Authority, cn string, from, to time.Time, opts ...certgen.Option) *certgen.Leaf {
	l, err := a.Issue(cn, append([]certgen.Option{certgen.Validity(from, to)}, opts...)...)
	f.must(err)
	return l
}

func TestGenerateFixtures(t *testing.T) {
	if !*genFixtures {
		t.Skip("fixtures are committed; pass -gen to regenerate them (then -update the goldens)")
	}
	genAutoconfig(t)
	genAPIKeyPair(t)
	genCertRemote(t)
	genProblems(t)
	genYMLForms(t)
}

// genAutoconfig: (a) an ES 8 node after security auto-configuration
// (settings.md §1.3): the BEGIN/END block, certs/http.p12 (http_ca, http),
// certs/transport.p12 (transport, transport_ca), certs/http_ca.crt, RSA
// 4096, keystore v6 with the entries auto-configuration adds.
func genAutoconfig(t *testing.T) {
	f := newFx(t, "autoconfig", nodeCase{Description: "ES 8 node as security auto-configuration leaves it (package install, first start)", Hostname: "es-auto-1"})
	at := time.Date(2026, 10, 20, 8, 51, 7, 0, time.UTC)
	rsa := certgen.KeyRSABits(4096)
	tca := f.ca("Elasticsearch security auto-configuration transport CA", at, 99, rsa)
	tleaf := f.leaf(tca, "es-auto-1", at, at.AddDate(99, 0, 0), rsa, certgen.DNS("es-auto-1", "localhost"), certgen.IPs("127.0.0.1", "::1"))
	f.p12("config/certs/transport.p12", pwAutoTransport,
		certgen.KeyEntryChain("transport", tleaf.Key, tleaf.Cert), certgen.TrustedEntry("transport_ca", tca.Cert))
	hca := f.ca("Elasticsearch security auto-configuration HTTP CA", at, 3, rsa)
	hleaf := f.leaf(hca, "es-auto-1", at, at.AddDate(2, 0, 0), rsa, certgen.DNS("es-auto-1", "localhost"), certgen.IPs("127.0.0.1", "::1"),
		certgen.ExtKeyUsage(x509.ExtKeyUsageServerAuth))
	f.p12("config/certs/http.p12", pwAutoHTTP, certgen.AuthorityEntry("http_ca", hca), certgen.KeyEntry("http", hleaf))
	f.pem("config/certs/http_ca.crt", hca.Cert)
	f.keystore(6, "", map[string]string{
		"keystore.seed":                                           "CANARY-SECRET-seed-es-auto-1",
		"autoconfiguration.password_hash":                         autoconfPwHash,
		"xpack.security.http.ssl.keystore.secure_password":        pwAutoHTTP,
		"xpack.security.transport.ssl.keystore.secure_password":   pwAutoTransport,
		"xpack.security.transport.ssl.truststore.secure_password": pwAutoTransport,
	})
	f.text("config/elasticsearch.yml",
		"# ======================== Elasticsearch Configuration =========================",
		"#",
		"# NOTE: Elasticsearch comes with reasonable defaults for most settings.",
		"#       Before you set out to tweak and tune the configuration, make sure you",
		"#       understand what are you trying to accomplish and the consequences.",
		"#",
		"# ---------------------------------- Cluster -----------------------------------",
		"#",
		"#cluster.name: my-application",
		"#",
		"# ------------------------------------ Node ------------------------------------",
		"#",
		"#node.name: node-1",
		"#",
		"# ---------------------------------- Network -----------------------------------",
		"#",
		"#network.host: 192.168.0.1",
		"#http.port: 9200",
		"#",
		"#----------------------- BEGIN SECURITY AUTO CONFIGURATION -----------------------",
		"#",
		"# The following settings, TLS certificates, and keys have been automatically",
		"# generated to configure Elasticsearch security features on 20-10-2026 08:51:07",
		"#",
		"# --------------------------------------------------------------------------------",
		"",
		"# Enable security features",
		"xpack.security.enabled: true",
		"",
		"xpack.security.enrollment.enabled: true",
		"",
		"# Enable encryption for HTTP API client connections, such as Kibana, Logstash, and Agents",
		"xpack.security.http.ssl:",
		"  enabled: true",
		"  keystore.path: certs/http.p12",
		"",
		"# Enable encryption and mutual authentication between cluster nodes",
		"xpack.security.transport.ssl:",
		"  enabled: true",
		"  verification_mode: certificate",
		"  keystore.path: certs/transport.p12",
		"  truststore.path: certs/transport.p12",
		"# Create a new cluster with the current node only",
		"# Additional nodes can still join the cluster later",
		`cluster.initial_master_nodes: ["es-auto-1"]`,
		"",
		"# Allow HTTP API connections from anywhere",
		"# Connections are encrypted and require user authentication",
		"http.host: 0.0.0.0",
		"",
		"# Allow other nodes to join the cluster from anywhere",
		"# Connections are encrypted and mutually authenticated",
		"#transport.host: 0.0.0.0",
		"",
		"#----------------------- END SECURITY AUTO CONFIGURATION -------------------------",
	)
	start := startInfo{at: time.Date(2026, 10, 20, 8, 51, 40, 0, time.UTC), node: "es-auto-1", cluster: "elasticsearch", version: "8.15.3", pid: 48213,
		nodeID: "Hq2cVb0aT0iWm8sN3sX1cA", transport: "127.0.0.1:9300", http: "127.0.0.1:9200", distribution: "deb"}
	f.file("logs/elasticsearch.log", []byte(start.plain()))
	f.done()
}

// genAPIKeyPair: (b) both sides of guide 003 (API-key model) with
// password-protected v5 keystores: the remote cluster server and the local
// client whose remote is defined in a saved _cluster/settings.
func genAPIKeyPair(t *testing.T) {
	at := time.Date(2026, 9, 1, 0, 0, 0, 0, time.UTC)
	start := time.Date(2026, 10, 28, 7, 12, 3, 412e6, time.UTC)

	r := newFx(t, "apikey-remote", nodeCase{Description: "remote cluster side of guide 003: remote cluster server with cross-cluster.p12", Hostname: "remote-host", CLIGolden: true})
	transportCA := r.ca("Elastic Auto Transport CA", at, 50)
	remoteCA := r.ca("Elastic Auto RemoteCluster CA", at, 50)
	tl := r.leaf(transportCA, "instance", at, at.AddDate(50, 0, 0), certgen.DNS("remote-1", "localhost"), certgen.IPs("127.0.0.3"))
	r.p12("config/elastic-certificates.p12", pwCertutil, certgen.KeyEntry("instance", tl), certgen.TrustedEntry("ca", transportCA.Cert))
	rl := r.leaf(remoteCA, "instance", at, at.AddDate(50, 0, 0), certgen.DNS("remote-1", "example.com"), certgen.IPs("127.0.0.3", "127.0.0.1"))
	r.p12("config/cross-cluster.p12", pwCrossCluster, certgen.KeyEntry("instance", rl), certgen.TrustedEntry("ca", remoteCA.Cert))
	r.keystore(5, pwKeystoreRemote, map[string]string{
		"keystore.seed":      "CANARY-SECRET-seed-remote-1",
		"bootstrap.password": bootstrapPassword,
		"xpack.security.transport.ssl.keystore.secure_password":             pwCertutil,
		"xpack.security.transport.ssl.truststore.secure_password":           pwCertutil,
		"xpack.security.remote_cluster_server.ssl.keystore.secure_password": pwCrossCluster,
	})
	r.text("config/elasticsearch.yml",
		"# Remote cluster of \"Add remote clusters using API key authentication\":",
		"# the remote cluster server is enabled on every node.",
		"cluster.name: remote-cluster",
		"node.name: remote-1",
		"network.host: 127.0.0.3",
		`discovery.seed_hosts: ["127.0.0.3:9300", "127.0.0.4:9300"]`,
		"",
		"xpack.security.enabled: true",
		"xpack.security.transport.ssl.enabled: true",
		"xpack.security.transport.ssl.verification_mode: certificate",
		"xpack.security.transport.ssl.client_authentication: required",
		"xpack.security.transport.ssl.keystore.path: elastic-certificates.p12",
		"xpack.security.transport.ssl.truststore.path: elastic-certificates.p12",
		"",
		"remote_cluster_server.enabled: true",
		"remote_cluster.host: 127.0.0.3",
		"remote_cluster.port: 9443",
		"",
		"xpack.security.remote_cluster_server.ssl.enabled: true",
		"xpack.security.remote_cluster_server.ssl.keystore.path: cross-cluster.p12",
	)
	rs := startInfo{at: start, node: "remote-1", cluster: "remote-cluster", version: "8.15.3", pid: 3127, nodeID: "pX0k2bWmR1ewd7dG1sQ3aA",
		transport: "127.0.0.3:9300", rcs: "127.0.0.3:9443", http: "127.0.0.3:9200"}
	r.file("logs/remote-cluster.log", []byte(rs.plain()))
	r.done()

	l := newFx(t, "apikey-local", nodeCase{Description: "local cluster side of guide 003: remote CA, remote_cluster_client TLS, cross-cluster API key in the keystore, remote in _cluster/settings",
		Hostname: "local-host", ClusterSettings: "cluster-settings.json", CLIGolden: true})
	localCA := l.ca("Elastic Certificate Tool Autogenerated CA", at, 50)
	ll := l.leaf(localCA, "instance", at, at.AddDate(50, 0, 0), certgen.DNS("local-1", "localhost"), certgen.IPs("127.0.0.1"))
	l.p12("config/elastic-certificates.p12", pwCertutil, certgen.KeyEntry("instance", ll), certgen.TrustedEntry("ca", localCA.Cert))
	l.pem("config/remote-cluster-ca.crt", remoteCA.Cert)
	l.keystore(5, pwKeystoreLocal, map[string]string{
		"keystore.seed": "CANARY-SECRET-seed-local-1",
		"xpack.security.transport.ssl.keystore.secure_password":   pwCertutil,
		"xpack.security.transport.ssl.truststore.secure_password": pwCertutil,
		"cluster.remote.cluster_one.credentials":                  string(encodedKey(apiKeyLocal)),
		// Seed 004: S3 keys left in the keystore while an IAM role is meant.
		"s3.client.default.access_key": s3AccessKeyLocal,
		"s3.client.default.secret_key": s3SecretKeyLocal,
	})
	l.text("config/elasticsearch.yml",
		"# Local (querying) cluster of \"Add remote clusters using API key authentication\".",
		"cluster.name: local-cluster",
		"node.name: local-1",
		"network.host: 127.0.0.1",
		"",
		"xpack.security.transport.ssl.enabled: true",
		"xpack.security.transport.ssl.verification_mode: certificate",
		"xpack.security.transport.ssl.keystore.path: elastic-certificates.p12",
		"xpack.security.transport.ssl.truststore.path: elastic-certificates.p12",
		"",
		"xpack.security.remote_cluster_client.ssl.enabled: true",
		`xpack.security.remote_cluster_client.ssl.certificate_authorities: [ "remote-cluster-ca.crt" ]`,
		"",
		"s3.client.default.region: eu-west-1",
	)
	l.file("cluster-settings.json", []byte(`{
  "persistent" : {
    "cluster" : {
      "remote" : {
        "cluster_one" : {
          "skip_unavailable" : "true",
          "seeds" : [
            "127.0.0.3:9443",
            "127.0.0.4:9443"
          ]
        }
      }
    }
  },
  "transient" : { }
}
`))
	ls := startInfo{at: start.Add(-3 * time.Minute), node: "local-1", cluster: "local-cluster", version: "8.15.3", pid: 2875, nodeID: "m3Qn5rTtS9yKq1oZ2xVb7w",
		transport: "127.0.0.1:9300", http: "127.0.0.1:9200"}
	l.file("logs/local-cluster.log", []byte(ls.plain()))
	l.done()
}

// genCertRemote: (c) the certificate (legacy) model: a nested yml, the
// remote's transport CA in a JKS trust store, a PEM key (encrypted, the
// passphrase in the keystore) and certificate, keystore v3.
func genCertRemote(t *testing.T) {
	at := time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)
	f := newFx(t, "cert-remote", nodeCase{Description: "certificate-based (legacy) remote cluster: nested yml, JKS trust store, PEM key and certificate, keystore v3",
		Hostname: "legacy-host", CLIGolden: true})
	own := f.ca("Legacy Local Transport CA", at, 40)
	remote := f.ca("Legacy Remote Transport CA", at, 40)
	leaf := f.leaf(own, "legacy-1", at, at.AddDate(40, 0, 0), certgen.DNS("legacy-1", "localhost"), certgen.IPs("127.0.0.2"))
	f.pem("config/certs/legacy-1.crt", leaf.Cert, own.Cert)
	key, err := certgen.EncryptedKeyPEM(leaf.Key, pwLegacyKey)
	f.must(err)
	f.file("config/certs/legacy-1.key", key)
	f.jks("config/certs/truststore.jks", pwLegacyTrust, certgen.TrustedEntry("local-ca", own.Cert), certgen.TrustedEntry("remote-ca", remote.Cert))
	f.keystore(3, "", map[string]string{
		"keystore.seed": "CANARY-SECRET-seed-legacy-1",
		"xpack.security.transport.ssl.secure_key_passphrase":      pwLegacyKey,
		"xpack.security.transport.ssl.truststore.secure_password": pwLegacyTrust,
	})
	f.text("config/elasticsearch.yml",
		"# The certificate model: the remote's transport CA is trusted by the",
		"# transport context and the seeds are the remote's transport port.",
		"cluster:",
		"  name: legacy-local",
		"  remote:",
		"    legacy_remote:",
		"      seeds:",
		"        - 127.0.0.5:9300",
		"        - 127.0.0.6:9300",
		"      skip_unavailable: false",
		"node:",
		"  name: legacy-1",
		"network:",
		"  host: 127.0.0.2",
		"xpack:",
		"  security:",
		"    enabled: true",
		"    transport:",
		"      ssl:",
		"        enabled: true",
		"        verification_mode: full",
		"        key: certs/legacy-1.key",
		"        certificate: certs/legacy-1.crt",
		"        truststore:",
		"          path: certs/truststore.jks",
	)
	f.done()
}

// genProblems: (d) a node showing the problems inspect reports alone: an
// expired certificate, one expiring in 10 days (relative to fixtureNow),
// the wrong remote cluster server keystore password, a legacy yml
// password on a remote-cluster context, security disabled with the remote
// server on, ES older than 8.10, and a yml changed after the start.
func genProblems(t *testing.T) {
	f := newFx(t, "problems", nodeCase{Description: "a node with the problems visible on one node", Hostname: "broken-host",
		MTimes: map[string]time.Time{"config/elasticsearch.yml": time.Date(2026, 10, 30, 15, 0, 0, 0, time.UTC)}})
	at := time.Date(2025, 9, 1, 0, 0, 0, 0, time.UTC)
	ca := f.ca("Broken Cluster CA", at, 30)
	expired := f.leaf(ca, "broken-1", at, fixtureNow.AddDate(0, 0, -40), certgen.DNS("broken-1"), certgen.IPs("127.0.0.7"))
	f.pem("config/certs/transport.crt", expired.Cert)
	key, err := x509.MarshalPKCS8PrivateKey(expired.Key)
	f.must(err)
	f.file("config/certs/transport.key", pemBlock("PRIVATE KEY", key))
	soon := f.leaf(ca, "broken-1-http", at, fixtureNow.AddDate(0, 0, 10), certgen.DNS("broken-1", "localhost"), certgen.IPs("127.0.0.7"))
	f.pem("config/certs/http.crt", soon.Cert, ca.Cert)
	hkey, err := x509.MarshalPKCS8PrivateKey(soon.Key)
	f.must(err)
	f.file("config/certs/http.key", pemBlock("PRIVATE KEY", hkey))
	f.pem("config/certs/ca.crt", ca.Cert)
	rcaAt := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	rca := f.ca("Elastic Auto RemoteCluster CA", rcaAt, 40)
	srv := f.leaf(rca, "broken-1", rcaAt, rcaAt.AddDate(40, 0, 0), certgen.DNS("broken-1"), certgen.IPs("127.0.0.7"))
	f.p12("config/cross-cluster.p12", pwCrossCluster, certgen.KeyEntry("instance", srv), certgen.TrustedEntry("ca", rca.Cert))
	ts, err := certgen.EncodePKCS12(pwRemoteTrustLeg, certgen.TrustedEntry("prod-remote-ca", rca.Cert))
	f.must(err)
	f.file("config/remote-truststore.p12", ts)
	f.keystore(5, "", map[string]string{
		"keystore.seed": "CANARY-SECRET-seed-broken-1",
		"xpack.security.remote_cluster_server.ssl.keystore.secure_password": pwWrongServer,
		"cluster.remote.prod.credentials":                                   string(encodedKey(apiKeyProblems)),
	})
	f.text("config/elasticsearch.yml",
		"cluster.name: broken-remote",
		"node.name: broken-1",
		"network.host: 127.0.0.7",
		"",
		"# Switched off \"to debug\" and never switched back on.",
		"xpack.security.enabled: false",
		"",
		"remote_cluster_server.enabled: true",
		"remote_cluster.host: 127.0.0.7",
		"xpack.security.remote_cluster_server.ssl.keystore.path: cross-cluster.p12",
		"",
		"cluster.remote.prod.seeds: [ \"127.0.0.8:9443\" ]",
		"xpack.security.remote_cluster_client.ssl.truststore.path: remote-truststore.p12",
		"xpack.security.remote_cluster_client.ssl.truststore.password: "+pwRemoteTrustLeg,
		"",
		"xpack.security.transport.ssl.enabled: true",
		"xpack.security.transport.ssl.key: certs/transport.key",
		"xpack.security.transport.ssl.certificate: certs/transport.crt",
		"xpack.security.transport.ssl.certificate_authorities: [ certs/ca.crt ]",
		"",
		"xpack.security.http.ssl.enabled: true",
		"xpack.security.http.ssl.key: certs/http.key",
		"xpack.security.http.ssl.certificate: certs/http.crt",
	)
	s := startInfo{at: time.Date(2026, 10, 28, 7, 12, 3, 0, time.UTC), node: "broken-1", cluster: "broken-remote", version: "8.9.2", pid: 7781,
		nodeID: "bR0k3nN0d3aaaaaaaaaaaa", transport: "127.0.0.7:9300", rcs: "127.0.0.7:9443", http: "127.0.0.7:9200"}
	log := s.plain() + plainLine(time.Date(2026, 11, 1, 18, 0, 0, 0, time.UTC), "INFO", "o.e.c.m.MetadataMappingService", "broken-1",
		"[.ds-logs-generic-default-2026.11.01-000012/3fZ9qk2XQ6yDdL0mJ8b1RA] update_mapping [_doc]")
	f.file("logs/broken-remote.log", []byte(log))
	f.done()
}

// genYMLForms: (e) flat, nested and mixed forms with ${ENV} and lists;
// started_at and es_version come from the logs (plain and ECS JSON).
func genYMLForms(t *testing.T) {
	f := newFx(t, "yml-forms", nodeCase{Description: "flat, nested and mixed yml with ${ENV} and lists; start and version from plain and ECS JSON logs",
		Hostname: "forms-host", CLIGolden: true,
		Env: map[string]string{"CLUSTER_NAME": "forms-cluster", "NODE_HOST": "127.0.0.8", "BACKUP_PROXY": "127.0.0.12:9443",
			"SEARCH_SEEDS": "127.0.0.10:9443,127.0.0.11:9443"}})
	at := time.Date(2026, 1, 15, 0, 0, 0, 0, time.UTC)
	ca := f.ca("Forms Transport CA", at, 40)
	leaf := f.leaf(ca, "forms-1", at, at.AddDate(40, 0, 0), certgen.DNS("forms-1"), certgen.IPs("127.0.0.8"))
	f.p12("config/certs/forms-1.p12", pwFormsP12, certgen.KeyEntry("forms-1", leaf), certgen.TrustedEntry("ca", ca.Cert))
	rca := f.ca("Search Remote CA", at, 40)
	next := f.ca("Search Remote CA 2027", at, 40)
	f.pem("config/certs/remote-ca.crt", rca.Cert)
	f.pem("config/certs/remote-ca-next.crt", next.Cert)
	f.keystore(6, "", map[string]string{
		"keystore.seed": "CANARY-SECRET-seed-forms-1",
		"xpack.security.transport.ssl.keystore.secure_password":   pwFormsP12,
		"xpack.security.transport.ssl.truststore.secure_password": pwFormsP12,
		"cluster.remote.search.credentials":                       string(encodedKey(apiKeyForms)),
	})
	f.text("config/elasticsearch.yml",
		"# Flat, nested and mixed forms; ${ENV} substitution; block, flow and comma lists.",
		"cluster.name: ${CLUSTER_NAME}",
		"node:",
		"  name: forms-1",
		"  roles: [ master, data, remote_cluster_client ]",
		"network.host: ${NODE_HOST}",
		"transport:",
		"  port: 9300",
		"http.port: 9200",
		"discovery.seed_hosts:",
		"  - 127.0.0.8:9300",
		"  - 127.0.0.9:9300",
		"xpack.security:",
		"  enabled: true",
		"  transport.ssl:",
		"    enabled: true",
		"    verification_mode: certificate",
		"    keystore:",
		"      path: certs/forms-1.p12",
		"    truststore.path: certs/forms-1.p12",
		"xpack:",
		"  security.remote_cluster_client:",
		`    ssl.enabled: "true"`,
		`    ssl.certificate_authorities: "certs/remote-ca.crt,certs/remote-ca-next.crt"`,
		"cluster.remote:",
		"  backup:",
		"    mode: proxy",
		`    proxy_address: "${BACKUP_PROXY}"`,
		"    server_name: backup.example.test",
		"  search:",
		"    seeds: ${SEARCH_SEEDS}",
		"    skip_unavailable: true",
	)
	old := startInfo{at: time.Date(2026, 10, 10, 6, 0, 0, 0, time.UTC), node: "forms-1", cluster: "forms-cluster", version: "8.16.1", pid: 1001,
		nodeID: "f0rmsN0d3IdAAAAAAAAAAA", transport: "127.0.0.8:9300", http: "127.0.0.8:9200"}
	stop := plainLine(time.Date(2026, 10, 28, 6, 58, 0, 0, time.UTC), "INFO", "o.e.n.Node", "forms-1", "stopping ...")
	f.file("logs/forms-cluster.log", []byte(old.plain()+stop))
	cur := old
	cur.at, cur.version, cur.pid = time.Date(2026, 10, 28, 7, 0, 12, 0, time.UTC), "8.17.4", 2002
	f.file("logs/forms-cluster_server.json", []byte(cur.ecs()))
	f.done()
}

func pemBlock(typ string, der []byte) []byte {
	return pem.EncodeToMemory(&pem.Block{Type: typ, Bytes: der})
}
