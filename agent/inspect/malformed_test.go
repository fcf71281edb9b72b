package inspect_test

import (
	"bytes"
	"context"
	"crypto/x509"
	"encoding/base64"
	"encoding/binary"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/esdoctor/esdoctor/agent/collector/keystore"
	"github.com/esdoctor/esdoctor/agent/inspect"
	"github.com/esdoctor/esdoctor/internal/testkit/certgen"
	"github.com/esdoctor/esdoctor/shared/event"
	"github.com/esdoctor/esdoctor/shared/secret"
)

// The malformed-input table: a healthy node (yml, keystore, PEM transport
// certificates) with one input broken per row. Each row asserts the
// Inspect error (only for an unusable config dir), exactly one errors[]
// entry naming the broken file with its cause, and that everything else
// (settings, keystore entries, the other certificate files) was still
// inspected.

const (
	tableYML = "cluster.name: table\n" +
		"node.name: node-1\n" +
		"network.host: 127.0.0.2\n" +
		"xpack.security.transport.ssl.enabled: true\n" +
		"xpack.security.transport.ssl.certificate: certs/node.crt\n" +
		"xpack.security.transport.ssl.key: certs/node.key\n" +
		"xpack.security.transport.ssl.certificate_authorities: [ certs/ca.crt ]\n"
	tableP12Password = "CANARY-SECRET-table-p12"
	tableKSPassword  = "CANARY-SECRET-table-keystore"
	tableAPIKey      = "tableKeyId0123456789:CANARY-SECRET-table-api-key"
)

// tableMaterial is made once: certificates and keystores cost time.
type tableMaterial struct {
	caPEM, nodePEM, keyPEM, encKeyPEM []byte
	p12, jks                          []byte
}

var (
	tableOnce sync.Once
	tableMat  tableMaterial
	tableErr  error
)

func material(t testing.TB) tableMaterial {
	t.Helper()
	tableOnce.Do(func() {
		from := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
		ca, err := certgen.NewCA("Table CA", certgen.Validity(from, from.AddDate(50, 0, 0)))
		if err != nil {
			tableErr = err
			return
		}
		leaf, err := ca.Issue("node-1", certgen.Validity(from, from.AddDate(50, 0, 0)), certgen.IPs("127.0.0.2"))
		if err != nil {
			tableErr = err
			return
		}
		der, _ := x509.MarshalPKCS8PrivateKey(leaf.Key)
		m := tableMaterial{caPEM: certgen.PEMCerts(ca.Cert), nodePEM: certgen.PEMCerts(leaf.Cert), keyPEM: pemBlock("PRIVATE KEY", der)}
		if m.encKeyPEM, err = certgen.EncryptedKeyPEM(leaf.Key, tableP12Password); err != nil {
			tableErr = err
			return
		}
		if m.p12, err = certgen.EncodePKCS12(tableP12Password, certgen.KeyEntry("http", leaf), certgen.TrustedEntry("ca", ca.Cert)); err != nil {
			tableErr = err
			return
		}
		if m.jks, err = certgen.EncodeJKS(tableP12Password, certgen.TrustedEntry("ca", ca.Cert)); err != nil {
			tableErr = err
			return
		}
		tableMat = m
	})
	if tableErr != nil {
		t.Fatal(tableErr)
	}
	return tableMat
}

// tableNode is one row's node directory and inspect options.
type tableNode struct {
	t    *testing.T
	dir  string
	conf string
	opts inspect.Options
	// secure are the keystore entries written by build (unless the row
	// wrote its own keystore file).
	secure     map[string]string
	ksVersion  int
	ksPassword string
	ownKS      bool
}

func newTableNode(t *testing.T) *tableNode {
	m := material(t)
	dir := t.TempDir()
	n := &tableNode{t: t, dir: dir, conf: filepath.Join(dir, "config"), ksVersion: 5,
		secure: map[string]string{"keystore.seed": "CANARY-SECRET-table-seed", "cluster.remote.r1.credentials": base64.StdEncoding.EncodeToString([]byte(tableAPIKey))}}
	n.opts = inspect.Options{PathConf: n.conf, Hostname: "table-host", NoProcess: true, FingerprintKey: []byte(goldenSiteKey),
		Now: func() time.Time { return fixtureNow }, LookupEnv: func(string) (string, bool) { return "", false }}
	n.write("config/elasticsearch.yml", []byte(tableYML))
	n.write("config/certs/ca.crt", m.caPEM)
	n.write("config/certs/node.crt", m.nodePEM)
	n.write("config/certs/node.key", m.keyPEM)
	return n
}

func (n *tableNode) path(rel string) string { return filepath.Join(n.dir, filepath.FromSlash(rel)) }

func (n *tableNode) write(rel string, data []byte) {
	n.t.Helper()
	p := n.path(rel)
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		n.t.Fatal(err)
	}
	if err := os.RemoveAll(p); err != nil {
		n.t.Fatal(err)
	}
	if err := os.WriteFile(p, data, 0o644); err != nil {
		n.t.Fatal(err)
	}
}

func (n *tableNode) yml(lines ...string) {
	n.t.Helper()
	f, err := os.OpenFile(n.path("config/elasticsearch.yml"), os.O_APPEND|os.O_WRONLY, 0)
	if err != nil {
		n.t.Fatal(err)
	}
	defer f.Close()
	if _, err := f.WriteString(strings.Join(lines, "\n") + "\n"); err != nil {
		n.t.Fatal(err)
	}
}

func (n *tableNode) keystoreBytes() []byte {
	n.t.Helper()
	m := map[string][]byte{}
	for k, v := range n.secure {
		m[k] = []byte(v)
	}
	b, err := keystore.Encode(n.ksVersion, n.ksPassword, m)
	if err != nil {
		n.t.Fatal(err)
	}
	return b
}

// ownKeystore writes a keystore file that build must not overwrite.
func (n *tableNode) ownKeystore(data []byte) {
	n.write("config/elasticsearch.keystore", data)
	n.ownKS = true
}

func (n *tableNode) build() {
	if !n.ownKS {
		n.write("config/elasticsearch.keystore", n.keystoreBytes())
	}
}

// The part of the node a row breaks; the others must still be inspected.
const (
	brokeYML      = "yml"
	brokeKeystore = "keystore"
	brokeCert     = "cert"
	brokeSettings = "cluster-settings"
	brokeLogs     = "logs"
)

type malformedRow struct {
	name  string
	setup func(n *tableNode)
	// wantErr: Inspect itself fails with this substring (unusable config
	// dir); nothing else is checked.
	wantErr string
	// file is the errors[] entry's file, relative to the node dir.
	file  string
	cause string
	broke string
	root  bool // the row cannot work as root (permissions)
	// check asserts more about the snapshot. Optional.
	check func(t *testing.T, s *event.Snapshot)
}

func malformedRows() []malformedRow {
	huge := func(size int, prefix string) []byte {
		b := bytes.Repeat([]byte("a"), size)
		copy(b, prefix)
		return b
	}
	garbage := func(size int) []byte {
		r := rand.New(rand.NewPCG(1, 2))
		b := make([]byte, size)
		for i := range b {
			b[i] = byte(r.UintN(256))
		}
		b[0] = 0x00 // not a DER SEQUENCE, not PEM
		return b
	}
	return []malformedRow{
		// elasticsearch.yml
		{name: "yml malformed YAML", broke: brokeYML, file: "config/elasticsearch.yml", cause: "invalid YAML: did not find expected",
			setup: func(n *tableNode) {
				n.write("config/elasticsearch.yml", []byte("cluster.name: table\nnode.name: [unclosed\n"))
			}},
		{name: "yml duplicate key", broke: brokeYML, file: "config/elasticsearch.yml", cause: "duplicate settings key [cluster.name]",
			setup: func(n *tableNode) { n.yml("cluster.name: other") }},
		{name: "yml duplicate key across forms", broke: brokeYML, file: "config/elasticsearch.yml", cause: "duplicate settings key",
			setup: func(n *tableNode) { n.yml("node:", "  name: node-2", "node.name: node-3") }},
		{name: "yml unresolved ${VAR}", broke: brokeYML, file: "config/elasticsearch.yml", cause: "Could not resolve placeholder 'ZONE_UNSET'",
			setup: func(n *tableNode) { n.yml("node.attr.zone: ${ZONE_UNSET}") }},
		{name: "yml binary garbage", broke: brokeYML, file: "config/elasticsearch.yml", cause: "not a",
			setup: func(n *tableNode) { n.write("config/elasticsearch.yml", garbage(4096)) }},
		{name: "yml 10 MB line", broke: brokeYML, file: "config/elasticsearch.yml", cause: "over the 524288-byte limit",
			setup: func(n *tableNode) { n.write("config/elasticsearch.yml", huge(10<<20, "cluster.name: ")) }},
		{name: "yml is a directory", broke: brokeYML, file: "config/elasticsearch.yml", cause: "not a regular file",
			setup: func(n *tableNode) {
				os.Remove(n.path("config/elasticsearch.yml"))
				os.Mkdir(n.path("config/elasticsearch.yml"), 0o755)
			}},
		{name: "yml symlink loop", broke: brokeYML, file: "config/elasticsearch.yml", cause: "too many levels of symbolic links",
			setup: func(n *tableNode) { symlinkLoop(n, "config/elasticsearch.yml") }},
		{name: "missing elasticsearch.yml", broke: brokeYML, file: "config/elasticsearch.yml", cause: "not found",
			setup: func(n *tableNode) { os.Remove(n.path("config/elasticsearch.yml")) }},

		// elasticsearch.keystore
		{name: "keystore truncated", broke: brokeKeystore, file: "config/elasticsearch.keystore", cause: "truncated",
			setup: func(n *tableNode) { b := n.keystoreBytes(); n.ownKeystore(b[:len(b)/2]) }},
		{name: "keystore foreign (PKCS#12 bytes)", broke: brokeKeystore, file: "config/elasticsearch.keystore", cause: "not an elasticsearch keystore",
			setup: func(n *tableNode) { n.ownKeystore(material(n.t).p12) }},
		{name: "keystore wrong password", broke: brokeKeystore, file: "config/elasticsearch.keystore", cause: "wrong password",
			setup: func(n *tableNode) {
				n.ksPassword = tableKSPassword
				n.opts.KeystorePassword = secret.FromString("CANARY-SECRET-not-the-keystore-password")
			}},
		{name: "keystore password-protected, no password given", broke: brokeKeystore, file: "config/elasticsearch.keystore", cause: "password required",
			setup: func(n *tableNode) { n.ksPassword = tableKSPassword }},
		{name: "keystore empty file", broke: brokeKeystore, file: "config/elasticsearch.keystore", cause: "empty file",
			setup: func(n *tableNode) { n.ownKeystore(nil) }},
		{name: "keystore version 8", broke: brokeKeystore, file: "config/elasticsearch.keystore", cause: "unsupported format version",
			setup: func(n *tableNode) {
				b := n.keystoreBytes()
				binary.BigEndian.PutUint32(b[0x1b:], 8)
				n.ownKeystore(b)
			}},
		{name: "keystore checksum mismatch", broke: brokeKeystore, file: "config/elasticsearch.keystore", cause: "checksum mismatch",
			setup: func(n *tableNode) {
				b := n.keystoreBytes()
				b[len(b)/2] ^= 0xff
				n.ownKeystore(b)
			}},
		{name: "keystore symlink loop", broke: brokeKeystore, file: "config/elasticsearch.keystore", cause: "too many levels of symbolic links",
			setup: func(n *tableNode) {
				n.ownKS = true
				symlinkLoop(n, "config/elasticsearch.keystore")
			}},
		// A keystore that cannot be opened hides the store passwords it
		// holds: that is one error (the keystore), not also "wrong
		// password" on every store nor "secure_password is not in the
		// keystore" (it may well be there).
		{name: "locked keystore holding a PKCS#12 password", broke: brokeKeystore, file: "config/elasticsearch.keystore", cause: "password required",
			setup: func(n *tableNode) {
				n.ksPassword = tableKSPassword
				n.write("config/certs/rcs.p12", material(n.t).p12)
				n.secure["xpack.security.remote_cluster_server.ssl.keystore.secure_password"] = tableP12Password
				n.yml("remote_cluster_server.enabled: true", "xpack.security.remote_cluster_server.ssl.keystore.path: certs/rcs.p12")
			},
			check: func(t *testing.T, s *event.Snapshot) {
				for _, p := range s.Problems {
					if strings.Contains(p.Message, "is not in the keystore") || strings.Contains(p.Message, "does not open") {
						t.Errorf("problem claims what a locked keystore cannot tell: %s", p.Message)
					}
				}
			}},
		{name: "keystore is a directory", broke: brokeKeystore, file: "config/elasticsearch.keystore", cause: "is a directory",
			setup: func(n *tableNode) {
				n.ownKS = true
				os.Mkdir(n.path("config/elasticsearch.keystore"), 0o755)
			}},

		// Certificates and their stores.
		{name: "PKCS#12 wrong password", broke: brokeCert, file: "config/certs/http.p12", cause: "wrong password",
			setup: func(n *tableNode) {
				n.write("config/certs/http.p12", material(n.t).p12)
				n.secure["xpack.security.http.ssl.keystore.secure_password"] = "CANARY-SECRET-not-the-p12-password"
				n.yml("xpack.security.http.ssl.enabled: true", "xpack.security.http.ssl.keystore.path: certs/http.p12")
			}},
		{name: "JKS wrong password", broke: brokeCert, file: "config/certs/trust.jks", cause: "wrong password",
			setup: func(n *tableNode) {
				n.write("config/certs/trust.jks", material(n.t).jks)
				n.secure["xpack.security.http.ssl.truststore.secure_password"] = "CANARY-SECRET-not-the-jks-password"
				n.yml("xpack.security.http.ssl.enabled: true", "xpack.security.http.ssl.truststore.path: certs/trust.jks")
			}},
		{name: "encrypted PEM key without passphrase", broke: brokeCert, file: "config/certs/http.key", cause: "password required",
			setup: func(n *tableNode) {
				m := material(n.t)
				n.write("config/certs/http.key", m.encKeyPEM)
				n.write("config/certs/http.crt", m.nodePEM)
				n.yml("xpack.security.http.ssl.enabled: true", "xpack.security.http.ssl.key: certs/http.key", "xpack.security.http.ssl.certificate: certs/http.crt")
			}},
		{name: "missing certificate file", broke: brokeCert, file: "config/certs/missing.crt", cause: "no such file or directory",
			setup: func(n *tableNode) {
				n.yml("xpack.security.http.ssl.enabled: true", "xpack.security.http.ssl.certificate_authorities: certs/missing.crt")
			}},
		{name: "directory instead of file", broke: brokeCert, file: "config/certs/ca.d", cause: "is a directory",
			setup: func(n *tableNode) {
				os.MkdirAll(n.path("config/certs/ca.d"), 0o755)
				n.yml("xpack.security.http.ssl.enabled: true", "xpack.security.http.ssl.certificate_authorities: certs/ca.d")
			}},
		{name: "symlink loop for a cert path", broke: brokeCert, file: "config/certs/loop.crt", cause: "too many levels of symbolic links",
			setup: func(n *tableNode) {
				symlinkLoop(n, "config/certs/loop.crt")
				n.yml("xpack.security.http.ssl.enabled: true", "xpack.security.http.ssl.certificate_authorities: certs/loop.crt")
			}},
		{name: "truncated PEM", broke: brokeCert, file: "config/certs/cut.crt", cause: "truncated: PEM block 1 (CERTIFICATE)",
			setup: func(n *tableNode) {
				p := material(n.t).nodePEM
				n.write("config/certs/cut.crt", p[:len(p)/2])
				n.yml("xpack.security.http.ssl.enabled: true", "xpack.security.http.ssl.certificate_authorities: certs/cut.crt")
			}},
		{name: "random bytes as .p12", broke: brokeCert, file: "config/certs/random.p12", cause: "unrecognized content",
			setup: func(n *tableNode) {
				n.write("config/certs/random.p12", garbage(2048))
				n.secure["xpack.security.http.ssl.keystore.secure_password"] = tableP12Password
				n.yml("xpack.security.http.ssl.enabled: true", "xpack.security.http.ssl.keystore.path: certs/random.p12")
			}},
		{name: "PKCS#12 of 200 items x 1M iterations", broke: brokeCert, file: "config/certs/slow.p12", cause: "key-derivation work budget exhausted",
			setup: func(n *tableNode) {
				n.write("config/certs/slow.p12", certgen.ManyItemsPKCS12(200, 1_000_000))
				n.secure["xpack.security.http.ssl.keystore.secure_password"] = tableP12Password
				n.yml("xpack.security.http.ssl.enabled: true", "xpack.security.http.ssl.keystore.path: certs/slow.p12")
			}},
		{name: "PEM of 200 encrypted keys x 1M iterations", broke: brokeCert, file: "config/certs/slow.key", cause: "key-derivation work budget exhausted",
			setup: func(n *tableNode) {
				n.write("config/certs/slow.key", certgen.ManyKeysPEM(200, 1_000_000))
				n.secure["xpack.security.http.ssl.secure_key_passphrase"] = "CANARY-SECRET-slow-key"
				n.yml("xpack.security.http.ssl.enabled: true", "xpack.security.http.ssl.key: certs/slow.key")
			}},
		{name: "20 MB cert file", broke: brokeCert, file: "config/certs/huge.crt", cause: "file too large",
			setup: func(n *tableNode) {
				n.write("config/certs/huge.crt", huge(20<<20, "-----BEGIN CERTIFICATE-----\n"))
				n.yml("xpack.security.http.ssl.enabled: true", "xpack.security.http.ssl.certificate_authorities: certs/huge.crt")
			}},
		{name: "unreadable cert file", broke: brokeCert, file: "config/certs/ca.crt", cause: "permission denied", root: true,
			setup: func(n *tableNode) { os.Chmod(n.path("config/certs/ca.crt"), 0) }},
		{name: "unreadable keystore", broke: brokeKeystore, file: "config/elasticsearch.keystore", cause: "permission denied", root: true,
			setup: func(n *tableNode) {
				n.build()
				n.ownKS = true
				os.Chmod(n.path("config/elasticsearch.keystore"), 0)
			}},

		// The log dir (--path-logs) given but unusable.
		{name: "log dir missing", broke: brokeLogs, file: "logs", cause: "no such file or directory",
			setup: func(n *tableNode) { n.opts.PathLogs, n.opts.LogStart = n.path("logs"), inspect.LogStart }},
		{name: "log dir is a file", broke: brokeLogs, file: "logs", cause: "not a directory",
			setup: func(n *tableNode) {
				n.write("logs", []byte("[2026-10-28T07:12:03,000][INFO ][o.e.n.Node               ] [node-1] starting ...\n"))
				n.opts.PathLogs, n.opts.LogStart = n.path("logs"), inspect.LogStart
			}},

		// A saved _cluster/settings response.
		{name: "cluster settings truncated JSON", broke: brokeSettings, file: "cluster-settings.json", cause: "unexpected end of JSON input",
			setup: func(n *tableNode) {
				n.write("cluster-settings.json", []byte(`{"persistent":{"cluster":{"remote":{"r1":{"seeds":["127.0.0.3:9443"]`))
				n.opts.ClusterSettings = n.path("cluster-settings.json")
			}},

		// An unusable config dir is the only Inspect error.
		{name: "config dir missing", wantErr: "no such file or directory",
			setup: func(n *tableNode) { n.opts.PathConf = n.path("nope") }},
		{name: "config dir is a file", wantErr: "not a directory",
			setup: func(n *tableNode) { n.opts.PathConf = n.path("config/elasticsearch.yml") }},
	}
}

// symlinkLoop makes rel a symlink into a two-link loop.
func symlinkLoop(n *tableNode, rel string) {
	n.t.Helper()
	p := n.path(rel)
	other := p + ".loop"
	os.Remove(p)
	if err := os.Symlink(filepath.Base(other), p); err != nil {
		n.t.Fatal(err)
	}
	if err := os.Symlink(filepath.Base(p), other); err != nil {
		n.t.Fatal(err)
	}
}

func TestMalformedInputs(t *testing.T) {
	rows := malformedRows()
	if len(rows) < 20 {
		t.Fatalf("only %d rows", len(rows))
	}
	for _, row := range rows {
		t.Run(row.name, func(t *testing.T) {
			if row.root && os.Geteuid() == 0 {
				t.Skip("root reads files whatever their mode")
			}
			n := newTableNode(t)
			row.setup(n)
			n.build()
			res, err := inspect.Inspect(context.Background(), n.opts)
			if row.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), row.wantErr) {
					t.Fatalf("Inspect error %v, want one containing %q", err, row.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatalf("Inspect: %v (only an unusable config dir is an error)", err)
			}
			s := res.Snapshot
			want := n.path(row.file)
			if len(s.Errors) != 1 {
				t.Fatalf("errors = %d, want 1 for %s:\n%s", len(s.Errors), want, errorList(s.Errors))
			}
			e := s.Errors[0]
			if e.File != want {
				t.Errorf("error names %q, want %q", e.File, want)
			}
			if !strings.Contains(e.Error, row.cause) {
				t.Errorf("error %q does not say %q", e.Error, row.cause)
			}
			if !strings.Contains(e.Error, filepath.Base(want)) {
				t.Errorf("error %q does not name the file %s", e.Error, filepath.Base(want))
			}
			if i := secret.FindCanary([]byte(e.Error)); i >= 0 {
				t.Errorf("error carries a planted secret: %q", e.Error)
			}
			checkRest(t, n, row.broke, s)
			if row.check != nil {
				row.check(t, s)
			}
		})
	}
}

// checkRest asserts that what the row did not break was inspected.
func checkRest(t *testing.T, n *tableNode, broke string, s *event.Snapshot) {
	t.Helper()
	if broke != brokeYML {
		if v := s.Settings["cluster.name"]; v.Value != "table" || v.Source != "yml" {
			t.Errorf("yml not inspected: cluster.name = %+v", v)
		}
		if s.Node != "node-1" || s.Host != "127.0.0.2" {
			t.Errorf("node/host = %s/%s", s.Node, s.Host)
		}
	} else if len(s.Settings) == 0 || s.Settings["remote_cluster.port"].Value != "9443" {
		t.Errorf("no default settings without a readable yml: %d settings", len(s.Settings))
	}
	if broke != brokeKeystore {
		ks := s.Keystore
		if ks == nil || !ks.Opened || !hasEntry(ks, "keystore.seed") || !hasEntry(ks, "cluster.remote.r1.credentials") {
			t.Errorf("keystore not inspected: %+v", ks)
		}
		if !hasRemote(s, "r1", "tableKeyId0123456789") {
			t.Errorf("credentials' API key id not reported: %+v", s.Remotes)
		}
	} else if s.Keystore == nil || s.Keystore.Opened {
		t.Errorf("keystore reported as %+v, want a closed keystore", s.Keystore)
	}
	if broke != brokeYML && broke != brokeCert {
		for _, rel := range []string{"config/certs/node.crt", "config/certs/ca.crt", "config/certs/node.key"} {
			if f := certFile(s, n.path(rel)); f == nil || f.Error != "" {
				t.Errorf("certificate file %s not inspected: %+v", rel, f)
			}
		}
	}
	if broke == brokeCert {
		// The transport files beside the broken one are still read.
		if f := certFile(s, n.path("config/certs/node.crt")); f == nil || len(f.Certificates) != 1 {
			t.Errorf("node.crt not inspected: %+v", f)
		}
	}
}

func hasEntry(ks *event.Keystore, name string) bool {
	for _, e := range ks.Entries {
		if e.Name == name {
			return true
		}
	}
	return false
}

func hasRemote(s *event.Snapshot, alias, id string) bool {
	for _, r := range s.Remotes {
		if r.Alias == alias && r.HasCredentials && r.APIKeyID == id {
			return true
		}
	}
	return false
}

func certFile(s *event.Snapshot, path string) *event.CertFile {
	for i := range s.Certificates {
		if s.Certificates[i].Path == path {
			return &s.Certificates[i]
		}
	}
	return nil
}

func errorList(es []event.FileError) string {
	var b strings.Builder
	for _, e := range es {
		b.WriteString("  " + e.File + ": " + e.Error + "\n")
	}
	return b.String()
}
