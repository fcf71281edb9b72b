package main

import (
	"bytes"
	"compress/gzip"
	"encoding/base64"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/esdoctor/esdoctor/agent/collector/keystore"
	"github.com/esdoctor/esdoctor/internal/testkit/certgen"
	"github.com/esdoctor/esdoctor/shared/secret"
)

// The secret-leak test: CANARY-SECRET- values in every place a secret
// lives (keystore values incl. credentials and S3 keys, the keystore
// password, legacy yml passwords and secure settings wrongly put in the
// yml, PKCS#12/JKS passwords, an encrypted PEM's passphrase, credentials
// in a saved _cluster/settings), then the real binary's inspect (json,
// text, debug logging) and collect (the bundle gunzipped) are scanned for
// the marker and for each planted value, healthy and with errors forced.

const (
	leakKeystorePassword = "CANARY-SECRET-33ba1207a1-keysto"
	leakP12Password      = "CANARY-SECRET-67761c4a99-crossc"
	leakJKSPassword      = "CANARY-SECRET-42974c3909-ymltra"
	leakRemoteTrustPW    = "CANARY-SECRET-8e90a4e0dd-ymlrem"
	leakPEMPassphrase    = "CANARY-SECRET-048ecace03-ymlhtt"
	leakAPIKey           = "leakKeyId0000000000a:CANARY-SECRET-f9ec3713d7-apikey"
)

// leakValues are the planted values (the keystore values, the passwords
// and everything written into the yml and cluster settings).
var leakValues = [][]byte{
	[]byte(leakKeystorePassword), []byte(leakP12Password), []byte(leakJKSPassword), []byte(leakRemoteTrustPW),
	[]byte(leakPEMPassphrase), []byte(base64.StdEncoding.EncodeToString([]byte(leakAPIKey))),
	[]byte("CANARY-SECRET-f9ec3713d7-apikey"),
	[]byte("CANARY-SECRET-2e903f0a9c-seedle"), []byte("CANARY-SECRET-8cc8eea5a4-s3acce"), []byte("CANARY-SECRET-1be847f64b-s3secr"),
	[]byte("CANARY-SECRET-6035160a15-s3sess"), []byte("CANARY-SECRET-a735d3fb34-s3back"), []byte("CANARY-SECRET-04b5aceb0f-bootst"),
	[]byte("CANARY-SECRET-4406e24a48-slacku"), []byte("\x00\x01CANARY-SECRET-85331ed185-binary\xff\xfe"),
	[]byte("CANARY-SECRET-c630287fc3-ymls3a"), []byte("CANARY-SECRET-6233784bf6-ymlcre"), []byte("CANARY-SECRET-985e32dc51-ymlboo"),
	[]byte("CANARY-SECRET-38c038d5f6-cluste"), []byte("CANARY-SECRET-8b2ea7c172-cluste"),
	[]byte("CANARY-SECRET-84b2f11338-duplic"), []byte("CANARY-SECRET-26b634a660-duplic"), []byte("CANARY-SECRET-64da6905e7-unterm"),
	[]byte("CANARY-SECRET-182b053998-inplac"), []byte("CANARY-SECRET-0099729bf7-csbrok"), []byte("CANARY-SECRET-7b5dd31589-wrongp"),
	[]byte("CANARY-SECRET-83b13dc74b-notthe"),
	// Below a secure setting (yml sub-keys) and under typos of one.
	[]byte("CANARY-SECRET-5d1e2f3a4b-subkey"), []byte("CANARY-SECRET-6e2f3a4b5c-sublst"),
	[]byte("CANARY-SECRET-7f3a4b5c6d-typo01"), []byte("CANARY-SECRET-8a4b5c6d7e-typo02"), []byte("CANARY-SECRET-9b5c6d7e8f-typo03"),
	// Secret-shaped values in log lines (see leakLogLines).
	[]byte(base64.StdEncoding.EncodeToString([]byte(leakLogAPIKey))), []byte("CANARY-SECRET-ac6d7e8f90-logapi"),
	[]byte("CANARY-SECRET-bd7e8f90a1-logpwd"), []byte(leakAWSSecret), []byte(leakPEMBody),
}

const (
	leakLogAPIKey = "leakKeyId0000000000a:CANARY-SECRET-ac6d7e8f90-logapi"
	// An AWS secret access key's shape (40 of [A-Za-z0-9/+]); it cannot
	// hold the marker, so it is scanned for as a value.
	leakAWSSecret = "wJalrXUtnFEMIK7MDENGbPxRfiCYq0a1b2c3d4e5"
	leakPEMBody   = "MIIEvQIBADANBgkqhkiG9w0BAQEFAASCBKcwggSjAgEAAoIBAQDcanaryLeak0123"
)

// leakLogLines are real-format log records (an API key failure, an S3
// failure, a trust failure) carrying secret-shaped text in their first
// line: an Authorization header, a password= pair, an AWS secret key, a PEM
// private key. The API key id ES logs stays.
func leakLogLines(at time.Time) string {
	ts := func(d time.Duration) string { return at.Add(d).Format("2006-01-02T15:04:05,000") }
	b64 := base64.StdEncoding.EncodeToString([]byte(leakLogAPIKey))
	return fmt.Sprintf("[%s][WARN ][o.e.x.s.a.ApiKeyAuthenticator] [leak-1] Authentication using apikey failed - invalid credentials for API key [leakKeyId0000000000a] (header Authorization: ApiKey %s)\n", ts(2*time.Minute), b64) +
		fmt.Sprintf("[%s][WARN ][r.suppressed             ] [leak-1] path: /_snapshot/repository/snapshot, params: {repository=repository, password=CANARY-SECRET-bd7e8f90a1-logpwd, aws_secret_access_key=%s}\n", ts(3*time.Minute), leakAWSSecret) +
		"org.elasticsearch.transport.RemoteTransportException: [leak-1][127.0.0.2:9300][cluster:admin/snapshot/create]\n" +
		"Caused by: org.elasticsearch.common.io.stream.NotSerializableExceptionWrapper: amazon_s3_exception: The AWS Access Key Id you provided does not exist in our records. (Service: Amazon S3; Status Code: 403; Error Code: InvalidAccessKeyId; Request ID: EBB2BAA86AB71F48)\n" +
		fmt.Sprintf("[%s][WARN ][o.e.c.s.DiagnosticTrustManager] [leak-1] failed to establish trust with server at [127.0.0.3]; the server provided a certificate with subject name [CN=other] and fingerprint [065071bd5b26e83b2903b09179acf4a48851d775]; the certificate is issued by [CN=other-ca] but the server did not provide a copy of the issuing certificate in the certificate chain; this ssl context ([xpack.security.transport.ssl]) is not configured to trust that issuer; key -----BEGIN PRIVATE KEY----- %s -----END PRIVATE KEY-----\n", ts(4*time.Minute), leakPEMBody)
}

// leakNode is a config dir full of planted secrets.
type leakNode struct {
	dir, conf, logs, pwFile, wrongPWFile, keyFile, clusterSettings string
	yml                                                            []string
	keystore                                                       []byte
}

func leakYML() []string {
	return []string{
		"cluster.name: leak-cluster",
		"node.name: leak-1",
		"network.host: 127.0.0.2",
		"xpack.security.transport.ssl.enabled: true",
		"xpack.security.transport.ssl.keystore.path: certs/transport.jks",
		"xpack.security.transport.ssl.keystore.password: " + leakJKSPassword,
		"xpack.security.transport.ssl.truststore.path: certs/transport.jks",
		`xpack.security.transport.ssl.truststore.password: "` + leakJKSPassword + `"`,
		"xpack.security.http:",
		"  ssl:",
		"    enabled: true",
		"    key: certs/http.key",
		"    certificate: certs/http.crt",
		"    key_passphrase: " + leakPEMPassphrase,
		"remote_cluster_server.enabled: true",
		"xpack.security.remote_cluster_server.ssl.keystore.path: certs/cross-cluster.p12",
		"xpack.security.remote_cluster_client.ssl.truststore.path: certs/remote-trust.jks",
		"xpack.security.remote_cluster_client.ssl.truststore.password: " + leakRemoteTrustPW,
		"s3.client.default.access_key: CANARY-SECRET-c630287fc3-ymls3a",
		"cluster.remote.leak.credentials: CANARY-SECRET-6233784bf6-ymlcre",
		"cluster.remote.leak.seeds: [ 127.0.0.3:9443 ]",
		"bootstrap.password: [ CANARY-SECRET-985e32dc51-ymlboo ]",
		"node.attr.copied: ${xpack.security.http.ssl.key_passphrase}",
	}
}

func newLeakNode(t *testing.T) *leakNode {
	t.Helper()
	dir := t.TempDir()
	n := &leakNode{dir: dir, conf: filepath.Join(dir, "config"), logs: filepath.Join(dir, "logs"),
		pwFile: filepath.Join(dir, "keystore-password"), wrongPWFile: filepath.Join(dir, "wrong-password"),
		keyFile: filepath.Join(dir, "site.key"), clusterSettings: filepath.Join(dir, "cluster-settings.json")}
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	for _, d := range []string{filepath.Join(n.conf, "certs"), n.logs} {
		must(os.MkdirAll(d, 0o755))
	}
	from := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	ca, err := certgen.NewCA("Leak CA", certgen.Validity(from, from.AddDate(50, 0, 0)))
	must(err)
	leaf, err := ca.Issue("leak-1", certgen.Validity(from, from.AddDate(50, 0, 0)), certgen.IPs("127.0.0.2"))
	must(err)
	must(certgen.WriteJKS(filepath.Join(n.conf, "certs", "transport.jks"), leakJKSPassword, "leak-1", leaf, ca.Cert))
	must(certgen.WriteJKSTrustStore(filepath.Join(n.conf, "certs", "remote-trust.jks"), leakRemoteTrustPW, ca.Cert))
	must(certgen.WritePKCS12(filepath.Join(n.conf, "certs", "cross-cluster.p12"), leakP12Password, leaf, ca.Cert))
	must(certgen.WriteEncryptedKeyPEM(filepath.Join(n.conf, "certs", "http.key"), leaf.Key, leakPEMPassphrase))
	must(certgen.WritePEM(filepath.Join(n.conf, "certs", "http.crt"), leaf.Cert, ca.Cert))
	n.keystore, err = keystore.Encode(5, leakKeystorePassword, map[string][]byte{
		"keystore.seed":                                                     []byte("CANARY-SECRET-2e903f0a9c-seedle"),
		"cluster.remote.leak.credentials":                                   []byte(base64.StdEncoding.EncodeToString([]byte(leakAPIKey))),
		"s3.client.default.access_key":                                      []byte("CANARY-SECRET-8cc8eea5a4-s3acce"),
		"s3.client.default.secret_key":                                      []byte("CANARY-SECRET-1be847f64b-s3secr"),
		"s3.client.default.session_token":                                   []byte("CANARY-SECRET-6035160a15-s3sess"),
		"s3.client.backup.secret_key":                                       []byte("CANARY-SECRET-a735d3fb34-s3back"),
		"bootstrap.password":                                                []byte("CANARY-SECRET-04b5aceb0f-bootst"),
		"xpack.notification.slack.account.monitoring.secure_url":            []byte("CANARY-SECRET-4406e24a48-slacku"),
		"xpack.security.remote_cluster_server.ssl.keystore.secure_password": []byte(leakP12Password),
		"xpack.watcher.encryption_key":                                      []byte("\x00\x01CANARY-SECRET-85331ed185-binary\xff\xfe"),
	})
	must(err)
	must(os.WriteFile(filepath.Join(n.conf, "elasticsearch.keystore"), n.keystore, 0o644))
	n.yml = leakYML()
	n.writeYML(t, n.yml)
	must(os.WriteFile(n.pwFile, []byte(leakKeystorePassword+"\n"), 0o600))
	must(os.WriteFile(n.wrongPWFile, []byte("CANARY-SECRET-83b13dc74b-notthe\n"), 0o600))
	must(os.WriteFile(n.keyFile, []byte("leak-site-key\n"), 0o600))
	must(os.WriteFile(n.clusterSettings, []byte(`{"persistent":{"cluster":{"remote":{"leak":{"seeds":["127.0.0.3:9443"],"credentials":"CANARY-SECRET-38c038d5f6-cluste"}}},`+
		`"xpack.security.http.ssl.keystore.password":"CANARY-SECRET-8b2ea7c172-cluste"},"transient":{}}`), 0o600))
	at := time.Date(2026, 10, 28, 7, 0, 0, 0, time.UTC)
	log := fmt.Sprintf("[%s][INFO ][o.e.n.Node               ] [leak-1] version[8.15.3], pid[4242], build[tar/abc/2026-09-17T14:03:25.846Z], OS[Linux/6.8.0/amd64], JVM[Oracle Corporation/OpenJDK 64-Bit Server VM/23/23+37-2369]\n", at.Format("2006-01-02T15:04:05,000")) +
		fmt.Sprintf("[%s][WARN ][o.e.t.SniffConnectionStrategy] [leak-1] fetching nodes from external cluster [leak] failed\norg.elasticsearch.transport.ConnectTransportException: [][127.0.0.3:9443] connect_exception\n", at.Add(time.Minute).Format("2006-01-02T15:04:05,000")) +
		leakLogLines(at)
	must(os.WriteFile(filepath.Join(n.logs, "leak-cluster.log"), []byte(log), 0o644))
	return n
}

func (n *leakNode) writeYML(t *testing.T, lines []string) {
	t.Helper()
	if err := os.WriteFile(filepath.Join(n.conf, "elasticsearch.yml"), []byte(strings.Join(lines, "\n")+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
}

func (n *leakNode) write(t *testing.T, rel string, data []byte) {
	t.Helper()
	if err := os.WriteFile(filepath.Join(n.conf, rel), data, 0o644); err != nil {
		t.Fatal(err)
	}
}

// scanLeak fails when b holds the marker or any of values (or a 12-byte
// window of one).
func scanLeak(t *testing.T, what string, b []byte, values ...[]byte) {
	t.Helper()
	if i := secret.FindCanary(b); i >= 0 {
		t.Errorf("%s: planted secret marker at byte %d: %q", what, i, b[max(0, i-120):min(len(b), i+60)])
		return
	}
	if v, ok := secret.ContainsAny(b, values...); ok {
		i := bytes.Index(b, []byte(v))
		t.Errorf("%s: planted value %q at byte %d: %q", what, v, i, b[max(0, i-120):min(len(b), i+60)])
	}
}

// leakRuns runs inspect (json, text, each also with debug logs) and collect
// over one node state and scans everything it wrote.
func leakRuns(t *testing.T, n *leakNode, extra ...string) {
	t.Helper()
	base := append([]string{"--path-conf", n.conf, "--path-logs", n.logs, "--cluster-settings", n.clusterSettings, "--fingerprint-key-file", n.keyFile}, extra...)
	for _, format := range []string{"json", "text"} {
		for _, level := range []string{"", "debug"} {
			args := append([]string{"inspect", "--format", format}, base...)
			if level != "" {
				args = append(args, "--log-level", level)
			}
			r := runAgent(t, nil, args...)
			if r.code != 0 {
				t.Errorf("inspect %s: %s", strings.Join(args[1:], " "), r)
			}
			what := "inspect --format " + format + " --log-level " + level
			scanLeak(t, what+" stdout", r.stdout, leakValues...)
			scanLeak(t, what+" stderr", r.stderr, leakValues...)
		}
	}
	logFile := filepath.Join(n.logs, "leak-cluster.log")
	for _, format := range []string{"json", "text"} {
		r := runAgent(t, nil, "scan", "--format", format, logFile)
		if r.code > 1 {
			t.Errorf("scan: %s", r)
		}
		scanLeak(t, "scan --format "+format+" stdout", r.stdout, leakValues...)
		scanLeak(t, "scan --format "+format+" stderr", r.stderr, leakValues...)
		if format == "json" {
			// Self-check: the secret-shaped lines are symptoms, so their
			// text really goes out; the API key id ES logs stays.
			for _, want := range []string{`"api-key-invalid-credentials"`, `"s3-invalid-access-key"`, `"tls-trust-failure"`, "leakKeyId0000000000a"} {
				if !bytes.Contains(r.stdout, []byte(want)) {
					t.Errorf("scan output lacks %s: the planted log lines are not exercised", want)
				}
			}
		}
	}
	bundle := filepath.Join(t.TempDir(), "leak.bundle")
	r := runAgent(t, nil, append([]string{"collect", "-o", bundle, "--format", "text", "--log-level", "debug"}, base...)...)
	if strings.Contains(string(r.stderr), "unknown command") {
		t.Log("collect is not available; skipped")
		return
	}
	if r.code != 0 {
		t.Fatalf("collect: %s", r)
	}
	scanLeak(t, "collect stdout", r.stdout, leakValues...)
	scanLeak(t, "collect stderr", r.stderr, leakValues...)
	raw, err := os.ReadFile(bundle)
	if err != nil {
		t.Fatal(err)
	}
	zr, err := gzip.NewReader(bytes.NewReader(raw))
	if err != nil {
		t.Fatalf("bundle is not gzip: %v", err)
	}
	doc, err := io.ReadAll(zr)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Contains(doc, []byte(`"path_conf"`)) {
		t.Errorf("the bundle does not hold the node's snapshot")
	}
	scanLeak(t, "collect bundle", doc, leakValues...)
}

func TestSecretLeak(t *testing.T) {
	t.Run("healthy, keystore password given", func(t *testing.T) {
		n := newLeakNode(t)
		leakRuns(t, n, "--keystore-password-file", n.pwFile)
		// Self-check: the planted values are really read (the snapshot
		// knows the credentials' key id and opens the stores).
		r := runAgent(t, nil, "inspect", "--format", "json", "--path-conf", n.conf, "--keystore-password-file", n.pwFile, "--fingerprint-key-file", n.keyFile)
		for _, want := range []string{`"api_key_id": "leakKeyId0000000000a"`, `"password_ok": true`, `"opened": true`, `"s3.client.default.secret_key"`} {
			if !bytes.Contains(r.stdout, []byte(want)) {
				t.Errorf("snapshot lacks %s: the fixture does not exercise that secret", want)
			}
		}
	})
	t.Run("unkeyed fingerprints", func(t *testing.T) {
		n := newLeakNode(t)
		r := runAgent(t, nil, "inspect", "--format", "json", "--log-level", "debug", "--path-conf", n.conf, "--keystore-password-file", n.pwFile)
		scanLeak(t, "stdout", r.stdout, leakValues...)
		scanLeak(t, "stderr", r.stderr, leakValues...)
	})
	t.Run("wrong keystore password", func(t *testing.T) {
		n := newLeakNode(t)
		leakRuns(t, n, "--keystore-password-file", n.wrongPWFile)
	})
	t.Run("no keystore password", func(t *testing.T) {
		leakRuns(t, newLeakNode(t))
	})
	t.Run("corrupt stores", func(t *testing.T) {
		n := newLeakNode(t)
		for _, rel := range []string{"certs/cross-cluster.p12", "certs/transport.jks", "certs/http.key"} {
			b, err := os.ReadFile(filepath.Join(n.conf, rel))
			if err != nil {
				t.Fatal(err)
			}
			n.write(t, rel, b[:len(b)*2/3])
		}
		leakRuns(t, n, "--keystore-password-file", n.pwFile)
	})
	t.Run("truncated keystore", func(t *testing.T) {
		n := newLeakNode(t)
		n.write(t, "elasticsearch.keystore", n.keystore[:len(n.keystore)-20])
		leakRuns(t, n, "--keystore-password-file", n.pwFile)
	})
	t.Run("wrong PEM passphrase", func(t *testing.T) {
		n := newLeakNode(t)
		lines := append([]string(nil), n.yml...)
		for i, l := range lines {
			lines[i] = strings.Replace(l, leakPEMPassphrase, "CANARY-SECRET-7b5dd31589-wrongp", 1)
		}
		n.writeYML(t, lines)
		leakRuns(t, n, "--keystore-password-file", n.pwFile)
	})
	for name, tail := range map[string][]string{
		"yml duplicate secret key":       {"xpack.security.transport.ssl.keystore.password: CANARY-SECRET-84b2f11338-duplic", "xpack.security.transport.ssl.keystore.password: CANARY-SECRET-26b634a660-duplic"},
		"yml unterminated quote":         {`xpack.security.http.ssl.keystore.password: "CANARY-SECRET-64da6905e7-unterm`},
		"yml tab before a secret":        {"s3:", "\tclient.default.secret_key: CANARY-SECRET-64da6905e7-unterm"},
		"yml unresolved secret":          {"xpack.security.http.ssl.truststore.password: ${CANARY-SECRET-182b053998-inplac}"},
		"yml secret as a map key":        {"CANARY-SECRET-64da6905e7-unterm:", "  - x", "  - : y"},
		"yml secret in a list of maps":   {"cluster.remote.other.seeds:", "  - host: CANARY-SECRET-64da6905e7-unterm"},
		"yml duplicate key across forms": {"xpack.security.remote_cluster_client.ssl:", "  truststore.password: CANARY-SECRET-26b634a660-duplic"},
		"yml values below a secure setting": {"xpack.security.http.ssl.truststore.password: {a: CANARY-SECRET-5d1e2f3a4b-subkey, b: [CANARY-SECRET-6e2f3a4b5c-sublst]}",
			"xpack.security.remote_cluster_server.ssl.keystore.secure_password:", "  nested:", "    deeper: CANARY-SECRET-5d1e2f3a4b-subkey"},
		"yml typos of secure settings": {"xpack.security.transport.ssl.keystore.pasword: CANARY-SECRET-7f3a4b5c6d-typo01",
			"cluster.remote.r1.credential: CANARY-SECRET-8a4b5c6d7e-typo02", "s3.client.default.secret_kye: CANARY-SECRET-9b5c6d7e8f-typo03"},
	} {
		t.Run(name, func(t *testing.T) {
			n := newLeakNode(t)
			n.writeYML(t, append(append([]string(nil), n.yml...), tail...))
			leakRuns(t, n, "--keystore-password-file", n.pwFile)
		})
	}
	t.Run("broken cluster settings", func(t *testing.T) {
		n := newLeakNode(t)
		for _, doc := range []string{
			`{"persistent":{"cluster.remote.leak.credentials":"CANARY-SECRET-0099729bf7-csbrok`,
			`{"persistent":{"cluster.remote.leak.credentials":"CANARY-SECRET-0099729bf7-csbrok"},"persistent":{}}`,
			`{"persistent":{"cluster.remote.leak.credentials":["CANARY-SECRET-0099729bf7-csbrok",{"x":1}]}}`,
			`{"persistent":{"cluster.remote.leak.credentials":CANARY-SECRET-0099729bf7-csbrok}}`,
		} {
			if err := os.WriteFile(n.clusterSettings, []byte(doc), 0o600); err != nil {
				t.Fatal(err)
			}
			leakRuns(t, n, "--keystore-password-file", n.pwFile)
		}
	})
}

// TestSecretLeakFixtures runs the binary over every example node directory
// of agent/inspect (all of them hold planted values) with debug logging.
func TestSecretLeakFixtures(t *testing.T) {
	for _, name := range fixtureNames(t) {
		t.Run(name, func(t *testing.T) {
			dir, c := stageFixture(t, name)
			args, env := fixtureArgs(t, dir, c)
			planted := fixtureSecrets(t, dir)
			for _, format := range []string{"json", "text"} {
				r := runAgent(t, env, append([]string{"inspect", "--format", format, "--log-level", "debug"}, args...)...)
				if r.code != 0 {
					t.Errorf("inspect: %s", r)
				}
				scanLeak(t, format+" stdout", r.stdout, planted...)
				scanLeak(t, format+" stderr", r.stderr, planted...)
			}
			bundle := filepath.Join(t.TempDir(), "b.bundle")
			r := runAgent(t, env, append([]string{"collect", "-o", bundle, "--log-level", "debug"}, args...)...)
			if r.code != 0 {
				t.Fatalf("collect: %s", r)
			}
			scanLeak(t, "collect stderr", r.stderr, planted...)
			raw, err := os.ReadFile(bundle)
			if err != nil {
				t.Fatal(err)
			}
			zr, err := gzip.NewReader(bytes.NewReader(raw))
			if err != nil {
				t.Fatal(err)
			}
			doc, _ := io.ReadAll(zr)
			scanLeak(t, "bundle", doc, planted...)
		})
	}
}

var canaryRE = regexp.MustCompile(`CANARY-SECRET-[^\s"'\]]+`)

// fixtureSecrets collects the planted values readable in a fixture's
// plain-text files (yml, password files, cluster settings); the keystore
// values are covered by the marker scan.
func fixtureSecrets(t *testing.T, dir string) [][]byte {
	t.Helper()
	var out [][]byte
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		switch filepath.Ext(p) {
		case ".yml", ".json", "":
			b, err := os.ReadFile(p)
			if err != nil {
				return err
			}
			for _, m := range canaryRE.FindAll(b, -1) {
				out = append(out, m)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}
