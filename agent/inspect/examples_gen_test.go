package inspect_test

import (
	"context"
	"crypto/sha1"
	"crypto/x509"
	"encoding/base64"
	"encoding/hex"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/esdoctor/esdoctor/agent/collector/keystore"
	"github.com/esdoctor/esdoctor/agent/inspect"
	"github.com/esdoctor/esdoctor/internal/testkit/certgen"
)

// examples/nodes holds two small clusters for `make demo`, made once with
//
//	go test ./agent/inspect -run TestGenerateExamples -gen-examples
//
// and committed: local-cluster (local-1 on 127.0.0.1, local-2 on
// 127.0.0.2) connects to remote-cluster (remote-1 on 127.0.0.3, remote-2 on
// 127.0.0.4) with a cross-cluster API key, but its saved _cluster/settings
// seeds the remote's transport port 9300 instead of the remote cluster
// port 9443 (seed 001, "Connecting to transport port when using API key
// authentication", symptom 1: different CAs on the two interfaces).
var genExamples = flag.Bool("gen-examples", false, "regenerate examples/nodes")

const examplesDir = "../../examples/nodes"

type exampleNode struct {
	cluster, name, host, id string
	pid                     int
	transport               *certgen.Leaf
	rcs                     *certgen.Leaf
}

func TestGenerateExamples(t *testing.T) {
	if !*genExamples {
		t.Skip("examples are committed; pass -gen-examples to regenerate them")
	}
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	if err := os.RemoveAll(examplesDir); err != nil {
		t.Fatal(err)
	}
	write := func(rel string, data []byte) {
		p := filepath.Join(examplesDir, rel)
		must(os.MkdirAll(filepath.Dir(p), 0o755))
		must(os.WriteFile(p, data, 0o644))
	}
	from := time.Date(2026, 9, 1, 0, 0, 0, 0, time.UTC)
	to := from.AddDate(50, 0, 0)
	ca := func(cn string) *certgen.Authority {
		a, err := certgen.NewCA(cn, certgen.Validity(from, to))
		must(err)
		return a
	}
	issue := func(a *certgen.Authority, n *exampleNode) *certgen.Leaf {
		l, err := a.Issue(n.name, certgen.Validity(from, to), certgen.DNS(n.name, "localhost"), certgen.IPs(n.host))
		must(err)
		return l
	}
	const (
		transportPW = "changeme-transport"
		rcsPW       = "changeme-cross-cluster"
		keyID       = "VuaCfGcBCdbkQm-e5aOx"
		alias       = "my_remote"
	)
	localCA, remoteTransportCA, remoteRCSCA := ca("Elastic Auto Transport CA local-cluster"), ca("Elastic Auto Transport CA"), ca("Elastic Auto RemoteCluster CA")
	locals := []*exampleNode{{cluster: "local-cluster", name: "local-1", host: "127.0.0.1", id: "L1nOdEiDaaaaaaaaaaaaaA", pid: 2101},
		{cluster: "local-cluster", name: "local-2", host: "127.0.0.2", id: "L2nOdEiDaaaaaaaaaaaaaA", pid: 2102}}
	remotes := []*exampleNode{{cluster: "remote-cluster", name: "remote-1", host: "127.0.0.3", id: "R1nOdEiDaaaaaaaaaaaaaA", pid: 3101},
		{cluster: "remote-cluster", name: "remote-2", host: "127.0.0.4", id: "R2nOdEiDaaaaaaaaaaaaaA", pid: 3102}}
	start := time.Date(2026, 10, 28, 7, 12, 3, 0, time.UTC)
	fail := time.Date(2026, 10, 28, 7, 20, 11, 575e6, time.UTC)

	nodeFiles := func(n *exampleNode, transportCA *certgen.Authority, yml []string, secure map[string]string) {
		n.transport = issue(transportCA, n)
		p12, err := certgen.EncodePKCS12(transportPW, certgen.KeyEntry("transport", n.transport), certgen.TrustedEntry("transport_ca", transportCA.Cert))
		must(err)
		base := filepath.Join(n.cluster, n.name, "config")
		write(filepath.Join(base, "certs", "transport.p12"), p12)
		m := map[string][]byte{
			"keystore.seed": []byte("example-seed-" + n.name),
			"xpack.security.transport.ssl.keystore.secure_password":   []byte(transportPW),
			"xpack.security.transport.ssl.truststore.secure_password": []byte(transportPW),
		}
		for k, v := range secure {
			m[k] = []byte(v)
		}
		ks, err := keystore.Encode(5, "", m)
		must(err)
		write(filepath.Join(base, "elasticsearch.keystore"), ks)
		head := []string{
			"cluster.name: " + n.cluster,
			"node.name: " + n.name,
			"network.host: " + n.host,
			"transport.port: 9300",
			"http.port: 9200",
			"",
			"xpack.security.enabled: true",
			"xpack.security.transport.ssl:",
			"  enabled: true",
			"  verification_mode: certificate",
			"  keystore.path: certs/transport.p12",
			"  truststore.path: certs/transport.p12",
			"",
		}
		write(filepath.Join(base, "elasticsearch.yml"), []byte(strings.Join(append(head, yml...), "\n")+"\n"))
	}

	for _, n := range remotes {
		n.rcs = issue(remoteRCSCA, n)
		p12, err := certgen.EncodePKCS12(rcsPW, certgen.KeyEntry("instance", n.rcs), certgen.TrustedEntry("ca", remoteRCSCA.Cert))
		must(err)
		write(filepath.Join(n.cluster, n.name, "config", "cross-cluster.p12"), p12)
		nodeFiles(n, remoteTransportCA, []string{
			"# Remote cluster server (API-key model, guide 003).",
			"remote_cluster_server.enabled: true",
			"remote_cluster.host: " + n.host,
			"remote_cluster.port: 9443",
			"xpack.security.remote_cluster_server.ssl.enabled: true",
			"xpack.security.remote_cluster_server.ssl.keystore.path: cross-cluster.p12",
		}, map[string]string{"xpack.security.remote_cluster_server.ssl.keystore.secure_password": rcsPW})
	}
	cred := "example-not-a-real-key"
	for _, n := range locals {
		write(filepath.Join(n.cluster, n.name, "config", "remote-cluster-ca.crt"), certgen.PEMCerts(remoteRCSCA.Cert))
		nodeFiles(n, localCA, []string{
			"# Client side of guide 003: trust the remote cluster server's CA.",
			"xpack.security.remote_cluster_client.ssl.enabled: true",
			`xpack.security.remote_cluster_client.ssl.certificate_authorities: [ "remote-cluster-ca.crt" ]`,
		}, map[string]string{"cluster.remote." + alias + ".credentials": b64(keyID + ":" + cred)})
	}
	// The fault: the remote was added with its transport port.
	write(filepath.Join("local-cluster", "cluster-settings.json"), []byte(`{
  "persistent" : {
    "cluster" : {
      "remote" : {
        "`+alias+`" : {
          "seeds" : [
            "127.0.0.3:9300",
            "127.0.0.4:9300"
          ]
        }
      }
    }
  },
  "transient" : { }
}
`))

	// Logs: each node's start, then the two sides of the failure.
	logs := map[*exampleNode]*strings.Builder{}
	for _, n := range append(append([]*exampleNode{}, locals...), remotes...) {
		s := startInfo{at: start, node: n.name, cluster: n.cluster, version: "8.15.3", pid: n.pid, nodeID: n.id,
			transport: n.host + ":9300", http: n.host + ":9200"}
		if n.rcs != nil {
			s.rcs = n.host + ":9443"
		}
		logs[n] = &strings.Builder{}
		logs[n].WriteString(s.plain())
	}
	port := 60810
	for round := 0; round < 2; round++ {
		at := fail.Add(time.Duration(round) * 30 * time.Second)
		for li, l := range locals {
			for ri, r := range remotes {
				t0 := at.Add(time.Duration(li*2+ri) * 7 * time.Millisecond)
				logs[l].WriteString(trustFailure(t0, l.name, r, remoteTransportCA, remoteRCSCA.Cert))
				port++
				logs[r].WriteString(plainLine(t0.Add(9*time.Millisecond), "WARN", "o.e.x.c.s.t.n.SecurityNetty4Transport", r.name,
					fmt.Sprintf("client did not trust this server's certificate, closing connection Netty4TcpChannel{localAddress=/%s:9300, remoteAddress=/%s:%d, profile=default}",
						r.host, l.host, port)))
			}
		}
	}
	for n, b := range logs {
		write(filepath.Join(n.cluster, n.name, "logs", n.cluster+".log"), []byte(b.String()))
	}
	write("README.md", []byte(examplesReadme))
}

func b64(s string) string { return base64.StdEncoding.EncodeToString([]byte(s)) }

// trustFailure is DiagnosticTrustManager's line on a local node whose
// remote_cluster_client context met the remote's transport certificate.
func trustFailure(at time.Time, local string, r *exampleNode, transportCA *certgen.Authority, trusted *x509.Certificate) string {
	c := r.transport.Cert
	msg := fmt.Sprintf("failed to establish trust with server at [%s]; the server provided a certificate with subject name [CN=%s], fingerprint [%s], "+
		"keyUsage [digitalSignature, keyEncipherment] and extendedKeyUsage [serverAuth, clientAuth]; the certificate is valid between [%s] and [%s] "+
		"(current time is [%s], certificate dates are valid); the session uses cipher suite [TLS_AES_256_GCM_SHA384] and protocol [TLSv1.3]; "+
		"the certificate has subject alternative names [DNS:localhost,DNS:%s,IP:%s]; the certificate is issued by [CN=%s] "+
		"but the server did not provide a copy of the issuing certificate in the certificate chain; "+
		"this ssl context ([xpack.security.remote_cluster_client.ssl (with trust configuration: PEM-trust{/etc/elasticsearch/remote-cluster-ca.crt})]) "+
		"is not configured to trust that issuer, it only trusts the issuer [CN=%s] with fingerprint [%s]",
		r.host, r.name, sha1hex(c), c.NotBefore.UTC().Format(time.RFC3339), c.NotAfter.UTC().Format(time.RFC3339),
		at.UTC().Format("2006-01-02T15:04:05.000000Z"), r.name, r.host, transportCA.Cert.Subject.CommonName,
		trusted.Subject.CommonName, sha1hex(trusted))
	return plainLine(at, "WARN", "o.e.c.s.DiagnosticTrustManager", local, msg,
		"sun.security.validator.ValidatorException: PKIX path building failed: sun.security.provider.certpath.SunCertPathBuilderException: unable to find valid certification path to requested target")
}

func sha1hex(c *x509.Certificate) string {
	s := sha1.Sum(c.Raw)
	return hex.EncodeToString(s[:])
}

const examplesReadme = `# Example node directories

Two small Elasticsearch 8.15 clusters in the real on-disk formats, for
` + "`make demo`" + ` and for trying the commands by hand. Hosts are loopback
addresses: a node whose yml says ` + "`network.host: 127.0.0.3`" + ` stands for host 127.0.0.3.

| cluster | node | host | what it has |
|---|---|---|---|
| local-cluster | local-1, local-2 | 127.0.0.1, 127.0.0.2 | remote_cluster_client TLS trusting ` + "`remote-cluster-ca.crt`" + `, a cross-cluster API key ` + "`cluster.remote.my_remote.credentials`" + ` in the keystore |
| remote-cluster | remote-1, remote-2 | 127.0.0.3, 127.0.0.4 | transport TLS (` + "`certs/transport.p12`" + `), remote cluster server on 9443 with ` + "`cross-cluster.p12`" + ` from a different CA |

The fault: ` + "`local-cluster/cluster-settings.json`" + ` (a saved ` + "`GET _cluster/settings`" + `)
seeds the remote on its transport port 9300, not on the remote cluster port
9443. The local nodes log DiagnosticTrustManager's "failed to establish trust
with server" (the remote's transport certificate, issued by the transport CA,
is not trusted by the remote_cluster_client context) and the remote nodes log
"client did not trust this server's certificate" on profile ` + "`default`" + `: the
diagnosis ` + "`transport-port-instead-of-remote-cluster-port`" + `.

    esdoctor-agent inspect --path-conf local-cluster/local-1/config \
        --path-logs local-cluster/local-1/logs --cluster-settings local-cluster/cluster-settings.json
    esdoctor-agent scan */*/logs/*.log
    esdoctor-agent collect --path-conf remote-cluster/remote-1/config --path-logs remote-cluster/remote-1/logs -o remote-1.bundle

The keystores have no password; the passwords and the API key here are
examples, not secrets. Made by ` + "`go test ./agent/inspect -run TestGenerateExamples -gen-examples`" + `.
`

// TestExamples inspects every example node: no unreadable input, the hosts
// and ports the demo relies on, and the fault visible in the facts.
func TestExamples(t *testing.T) {
	nodes, _ := filepath.Glob(filepath.Join(examplesDir, "*", "*", "config"))
	if len(nodes) != 4 {
		t.Fatalf("want 4 example nodes, found %d (generate them with -gen-examples)", len(nodes))
	}
	for _, conf := range nodes {
		node := filepath.Dir(conf)
		t.Run(filepath.Base(node), func(t *testing.T) {
			o := inspect.Options{PathConf: conf, PathLogs: filepath.Join(node, "logs"), NoProcess: true, Hostname: "example",
				Now: func() time.Time { return fixtureNow }, LogStart: inspect.LogStart, Location: time.UTC}
			if cs := filepath.Join(filepath.Dir(node), "cluster-settings.json"); fileExists(cs) {
				o.ClusterSettings = cs
			}
			res, err := inspect.Inspect(context.Background(), o)
			if err != nil {
				t.Fatal(err)
			}
			s := res.Snapshot
			if len(s.Errors) != 0 || len(s.Problems) != 0 {
				t.Errorf("errors %+v problems %+v", s.Errors, s.Problems)
			}
			if s.ESVersion != "8.15.3" || s.StartedAt == nil || !strings.HasPrefix(s.Host, "127.0.0.") {
				t.Errorf("version %q start %v host %q", s.ESVersion, s.StartedAt, s.Host)
			}
			for _, f := range s.Certificates {
				if f.PasswordOK != nil && !*f.PasswordOK {
					t.Errorf("%s does not open", f.Path)
				}
			}
			switch s.Cluster {
			case "local-cluster":
				if len(s.Remotes) != 1 || s.Remotes[0].Alias != "my_remote" || !s.Remotes[0].HasCredentials ||
					strings.Join(s.Remotes[0].Seeds, ",") != "127.0.0.3:9300,127.0.0.4:9300" {
					t.Errorf("remotes %+v", s.Remotes)
				}
			case "remote-cluster":
				if s.Settings["remote_cluster_server.enabled"].Value != "true" || s.Settings["transport.port"].Value != "9300" ||
					s.Settings["remote_cluster.port"].Value != "9443" {
					t.Errorf("remote cluster server settings: %+v", s.Settings)
				}
			default:
				t.Errorf("cluster %q", s.Cluster)
			}
		})
	}
}

func fileExists(p string) bool {
	_, err := os.Stat(p)
	return err == nil
}
