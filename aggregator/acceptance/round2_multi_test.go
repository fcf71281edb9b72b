package acceptance_test

// Round 2: three or more clusters, links in both directions, two local
// clusters on one remote, two aliases on one cluster, and the same node
// names (node-1, node-2) in every cluster.

import (
	"fmt"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/esdoctor/esdoctor/internal/testkit/certgen"
	"github.com/esdoctor/esdoctor/shared/diagnosis"
)

// mcluster is one cluster of a multi-cluster site: nodes node-1..n at
// 127.0.<octet>.<i>, transport TLS from its own CA, and (when it serves)
// a remote cluster server certificate from its own remote-access CA.
type mcluster struct {
	name  string
	nodes []*es
	tCA   *certgen.Authority
	rcCA  *certgen.Authority
	// defs are the remote definitions saved as cluster settings
	// ("cluster.remote.<alias>.<key>": JSON value).
	defs map[string]string
	// cas are the CA files each node's remote_cluster_client trusts.
	cas []string
}

// multi is a site of several clusters.
type multi struct {
	t  *testing.T
	s  *site
	cs map[string]*mcluster
}

func newMulti(t *testing.T) *multi { return &multi{t: t, s: newSite(t), cs: map[string]*mcluster{}} }

// cluster adds a cluster of n nodes named node-1..node-n.
func (m *multi) cluster(name string, octet, n int) *mcluster {
	t := m.t
	c := &mcluster{name: name, tCA: mustCA(t, "Elasticsearch security auto-configuration transport CA"), defs: map[string]string{}}
	for i := 1; i <= n; i++ {
		nd := m.s.node(name, fmt.Sprintf("node-%d", i))
		ip := fmt.Sprintf("127.0.%d.%d", octet, i)
		e := &es{node: nd, host: ip, ip: ip, transportPort: 9300, rcPort: 9443, httpPort: 9200}
		nd.set("network.host", ip).set("xpack.security.enabled", "true")
		e.transport = mustLeaf(t, c.tCA, nd.name, certgen.DNS(nd.name), certgen.IPs(ip))
		nd.files["certs/transport.p12"] = mustP12(t, transportPW, certgen.KeyEntry("transport", e.transport), certgen.AuthorityEntry("transport_ca", c.tCA))
		nd.secure["xpack.security.transport.ssl.keystore.secure_password"] = transportPW
		nd.secure["xpack.security.transport.ssl.truststore.secure_password"] = transportPW
		nd.block(`xpack.security.transport.ssl:
  enabled: true
  verification_mode: certificate
  keystore.path: certs/transport.p12
  truststore.path: certs/transport.p12`)
		nd.log(startLines(at(0), "8.13.4", name, nd.name, ip, 9300, 9200)...)
		c.nodes = append(c.nodes, e)
	}
	m.cs[name] = c
	return c
}

// serve enables the remote cluster server on every node of c.
func (m *multi) serve(c *mcluster) {
	c.rcCA = mustCA(m.t, c.name+" Remote Access CA")
	for _, e := range c.nodes {
		e.server = mustLeaf(m.t, c.rcCA, e.name, certgen.DNS(e.name), certgen.IPs(e.ip))
		e.files["cross-cluster.p12"] = mustP12(m.t, ccPW, certgen.KeyEntry("instance", e.server), certgen.AuthorityEntry("ca", c.rcCA))
		e.secure["xpack.security.remote_cluster_server.ssl.keystore.secure_password"] = ccPW
		e.set("remote_cluster_server.enabled", "true").set("remote_cluster.host", e.ip)
		e.set("xpack.security.remote_cluster_server.ssl.enabled", "true").set("xpack.security.remote_cluster_server.ssl.keystore.path", "cross-cluster.p12")
	}
}

// connect makes from a local cluster of to under alias with an API key:
// the CA file, the key on every node, and the definition (sniff on every
// node of to, or proxy to its first node) in the saved cluster settings.
func (m *multi) connect(from, to *mcluster, alias, mode string, key apiKey) {
	file := to.name + "-ca.crt"
	from.cas = append(from.cas, file)
	for _, e := range from.nodes {
		e.files[file] = certgen.PEMCerts(to.rcCA.Cert)
		e.secure["cluster.remote."+alias+".credentials"] = key.encoded()
	}
	if mode == "proxy" {
		from.defs["cluster.remote."+alias+".mode"] = `"proxy"`
		from.defs["cluster.remote."+alias+".proxy_address"] = `"` + to.nodes[0].rcAddr() + `"`
		return
	}
	var seeds []string
	for _, e := range to.nodes {
		seeds = append(seeds, e.rcAddr())
	}
	from.defs["cluster.remote."+alias+".seeds"] = "[" + quoteAll(seeds) + "]"
}

// finish writes the client settings and the saved cluster settings.
func (m *multi) finish() {
	for _, c := range m.cs {
		if len(c.cas) > 0 {
			for _, e := range c.nodes {
				e.set("xpack.security.remote_cluster_client.ssl.enabled", "true")
				e.set("xpack.security.remote_cluster_client.ssl.certificate_authorities", "[ "+quoteAll(c.cas)+" ]")
			}
		}
		if len(c.defs) > 0 {
			keys := make([]string, 0, len(c.defs))
			for k := range c.defs {
				keys = append(keys, k)
			}
			sort.Strings(keys)
			var parts []string
			for _, k := range keys {
				parts = append(parts, fmt.Sprintf("%q:%s", k, c.defs[k]))
			}
			js := `{"persistent":{` + strings.Join(parts, ",") + `},"transient":{}}`
			for _, e := range c.nodes {
				e.settings = js
			}
		}
	}
}

func (m *multi) analyze() []diagnosis.Diagnosis { m.finish(); return m.s.analyzeUTC(collectOpts{}) }

func (c *mcluster) n(i int) *es { return c.nodes[i-1] }

// refsOf renders cluster/node names for want().
func refsOf(c *mcluster, idx ...int) []string {
	var out []string
	for _, i := range idx {
		out = append(out, c.name+"/"+c.n(i).name)
	}
	return out
}

var (
	keyB = apiKey{"BbBbKeyIdForClusterB", "CANARY-SECRET-key-b"}
	keyC = apiKey{"CcCcKeyIdForClusterC", "CANARY-SECRET-key-c"}
	keyA = apiKey{"AaAaKeyIdForClusterA", "CANARY-SECRET-key-a"}
)

// A → B (sniff) and A → C (proxy); every node of C lacks the remote
// cluster server (never enabled after an upgrade). Only the A → C link is
// diagnosed; B is fine.
func TestR2ThreeClustersOneRemoteServerOff(t *testing.T) {
	m := newMulti(t)
	a, b, c := m.cluster("search", 30, 2), m.cluster("logs", 31, 2), m.cluster("metrics", 32, 2)
	m.serve(b)
	m.serve(c)
	m.connect(a, b, "logs", "sniff", keyB)
	m.connect(a, c, "metrics", "proxy", keyC)
	for _, e := range c.nodes {
		e.unset("remote_cluster_server.enabled").unset("remote_cluster.host").unset("xpack.security.remote_cluster_server.ssl.enabled").unset("xpack.security.remote_cluster_server.ssl.keystore.path")
		delete(e.files, "cross-cluster.p12")
		delete(e.secure, "xpack.security.remote_cluster_server.ssl.keystore.secure_password")
	}
	a.n(2).log(connectFailed(at(time.Hour), "proxy", "metrics", c.n(1).ipRC()))
	expect(t, m.analyze(), want("remote-server-disabled", []string{"search", "metrics"}, "metrics", refsOf(c, 1, 2)...))
}

// Two local clusters on one remote: "search" is fine, "reporting" lost the
// key on node-2 (identical node names in all three clusters).
func TestR2TwoLocalsOneRemote(t *testing.T) {
	m := newMulti(t)
	a, r, rep := m.cluster("search", 30, 2), m.cluster("logs", 31, 3), m.cluster("reporting", 33, 2)
	m.serve(r)
	m.connect(a, r, "logs", "sniff", keyB)
	m.connect(rep, r, "logs", "sniff", apiKey{"RepKeyIdForReporting", "CANARY-SECRET-rep"})
	delete(rep.n(2).secure, "cluster.remote.logs.credentials")
	expect(t, m.analyze(), want("missing-cross-cluster-credentials", []string{"reporting", "logs"}, "logs", refsOf(rep, 2)...))
}

// Two local clusters on one remote, logs: "reporting"'s node-1 logs the
// invalid key and the remote logs the rejection of that key id; "search"
// holds another key and is fine.
func TestR2TwoLocalsOneRemoteInvalidKey(t *testing.T) {
	m := newMulti(t)
	a, r, rep := m.cluster("search", 30, 2), m.cluster("logs", 31, 2), m.cluster("reporting", 33, 2)
	m.serve(r)
	repKey := apiKey{"RepKeyIdForReporting", "CANARY-SECRET-rep"}
	m.connect(a, r, "logs", "sniff", keyB)
	m.connect(rep, r, "logs", "proxy", repKey)
	rep.n(1).log(handshakeFailed(at(time.Hour), "proxy", "logs", "node-1", r.n(1).ipRC(), fmt.Sprintf(unableToAuthCause, repKey.id)))
	r.n(1).log(invalidCredentials(at(time.Hour), repKey.id))
	expect(t, m.analyze(), want("invalid-api-key", []string{"reporting", "logs"}, "logs", refsOf(rep, 1, 2)...))
}

// Two aliases of one cluster on the same remote: "logs" (sniff, fine) and
// "logs-ccr" (proxy) whose address is the remote's transport port.
func TestR2TwoAliasesSameRemoteOneOnTransportPort(t *testing.T) {
	m := newMulti(t)
	a, r := m.cluster("search", 30, 2), m.cluster("logs", 31, 2)
	m.serve(r)
	m.connect(a, r, "logs", "sniff", keyB)
	m.connect(a, r, "logs-ccr", "proxy", apiKey{"CcrKeyIdForLogsCcr01", "CANARY-SECRET-ccr"})
	a.defs["cluster.remote.logs-ccr.proxy_address"] = `"` + r.n(1).transportAddr() + `"`
	a.n(1).log(handshakeFailed(at(time.Hour), "proxy", "logs-ccr", "node-1", r.n(1).ipTransport(), causeMissingAuth))
	ds := expect(t, m.analyze(), want("transport-port-instead-of-remote-cluster-port", []string{"search", "logs"}, "logs-ccr", refsOf(a, 1, 2)...))
	if d := find(ds, "transport-port-instead-of-remote-cluster-port"); d != nil && d.Fix.Settings["cluster.remote.logs-ccr.proxy_address"] != r.n(1).rcAddr() {
		t.Errorf("fix %v, want cluster.remote.logs-ccr.proxy_address %s", d.Fix.Settings, r.n(1).rcAddr())
	}
}

// Two aliases of one cluster on the same remote, one key missing on one
// node for the second alias only.
func TestR2TwoAliasesSameRemoteOneKeyMissing(t *testing.T) {
	m := newMulti(t)
	a, r := m.cluster("search", 30, 3), m.cluster("logs", 31, 2)
	m.serve(r)
	m.connect(a, r, "logs", "sniff", keyB)
	m.connect(a, r, "logs-ccr", "sniff", apiKey{"CcrKeyIdForLogsCcr01", "CANARY-SECRET-ccr"})
	delete(a.n(3).secure, "cluster.remote.logs-ccr.credentials")
	expect(t, m.analyze(), want("missing-cross-cluster-credentials", []string{"search", "logs"}, "logs-ccr", refsOf(a, 3)...))
}

// Bidirectional CCR: search → logs is fine; logs → search (alias
// "search") names search's transport port, and logs' nodes log the
// handshake errors. Only that direction is diagnosed, with logs as the
// local side.
func TestR2BidirectionalReverseOnTransportPort(t *testing.T) {
	m := newMulti(t)
	a, b := m.cluster("search", 30, 2), m.cluster("logs", 31, 2)
	m.serve(a)
	m.serve(b)
	m.connect(a, b, "logs", "sniff", keyB)
	m.connect(b, a, "search", "sniff", keyA)
	b.defs["cluster.remote.search.seeds"] = "[" + quoteAll([]string{a.n(1).transportAddr(), a.n(2).transportAddr()}) + "]"
	b.n(2).log(handshakeFailed(at(time.Hour), "sniff", "search", "node-1", a.n(1).ipTransport(), causeProfile))
	expect(t, m.analyze(), want("transport-port-instead-of-remote-cluster-port", []string{"logs", "search"}, "search", refsOf(b, 1, 2)...))
}

// Bidirectional CCR with a trust failure in one direction, logs on both
// sides: logs' nodes trust the wrong CA for search (their own); node-1 of
// logs fails against node-2 of search, which logs the distrust. Every node
// name exists in both clusters.
func TestR2BidirectionalReverseUntrusted(t *testing.T) {
	m := newMulti(t)
	a, b := m.cluster("search", 30, 2), m.cluster("logs", 31, 2)
	m.serve(a)
	m.serve(b)
	m.connect(a, b, "logs", "sniff", keyB)
	m.connect(b, a, "search", "sniff", keyA)
	for _, e := range b.nodes {
		e.files["search-ca.crt"] = certgen.PEMCerts(b.rcCA.Cert) // the wrong file
	}
	b1, a2 := b.n(1), a.n(2)
	tr := serverTrust(a2, a2.server, a2.ip, "xpack.security.remote_cluster_client.ssl (with trust configuration: PEM-trust{/etc/elasticsearch/search-ca.crt})",
		fmt.Sprintf("is not configured to trust that issuer, it only trusts the issuer [%s] with fingerprint [%s]", b.rcCA.Cert.Subject, sha1Hex(b.rcCA.Cert)))
	b1.log(tr.rec(at(time.Hour)))
	a2.log(clientDidNotTrust(at(time.Hour), a2.ipRC(), b1.ip+":50222", "_remote_cluster"))
	ds := expect(t, m.analyze(), want("tls-untrusted-ca", []string{"logs", "search"}, "search", refsOf(b, 1, 2)...))
	if s := sides(find(ds, "tls-untrusted-ca")); !s["local:logs/node-1"] || !s["remote:search/node-2"] {
		t.Errorf("evidence must pair logs/node-1 with search/node-2: %v", s)
	}
}

// Bidirectional CCR, closed connections: search's node-1 keeps losing its
// connection to logs' node-2 (no restart). Reported once, for the
// search → logs direction (logs' node-2 is also a client of search, which
// must not make it a second, reversed diagnosis).
func TestR2BidirectionalUnreliableOneDirection(t *testing.T) {
	m := newMulti(t)
	a, b := m.cluster("search", 30, 2), m.cluster("logs", 31, 2)
	m.serve(a)
	m.serve(b)
	m.connect(a, b, "logs", "sniff", keyB)
	m.connect(b, a, "search", "sniff", keyA)
	b2 := b.n(2)
	for i := 0; i < 3; i++ {
		a.n(1).log(closedByRemote(at(2*time.Hour+time.Duration(i)*time.Hour), "node-2", b2.ip, b2.ipRC()))
	}
	expect(t, m.analyze(), want("connection-unreliable", []string{"search", "logs"}, "logs", "search/node-1", "logs/node-2"))
}

// Two local clusters whose nodes share machines (search/node-1 and
// reporting/node-1 both on 127.0.30.1, reporting on other ports). search
// uses the remote's transport port; the remote logs the distrust from
// 127.0.30.1 on profile default. reporting, on the same hosts, is fine.
func TestR2ColocatedLocalsOneOnTransportPort(t *testing.T) {
	m := newMulti(t)
	a, r, rep := m.cluster("search", 30, 2), m.cluster("logs", 31, 2), m.cluster("reporting", 33, 2)
	m.serve(r)
	m.connect(a, r, "logs", "sniff", keyB)
	m.connect(rep, r, "logs", "sniff", apiKey{"RepKeyIdForReporting", "CANARY-SECRET-rep"})
	for i, e := range rep.nodes {
		e.ip, e.host, e.transportPort, e.httpPort = a.nodes[i].ip, a.nodes[i].ip, 9301, 9201
		e.set("network.host", e.ip).set("transport.port", "9301").set("http.port", "9201")
		e.records = nil
		e.log(startLines(at(0), "8.13.4", "reporting", e.name, e.ip, 9301, 9201)...)
	}
	a.defs["cluster.remote.logs.seeds"] = "[" + quoteAll([]string{r.n(1).transportAddr(), r.n(2).transportAddr()}) + "]"
	a1, r1 := a.n(1), r.n(1)
	tr := serverTrust(r1, r1.transport, r1.ip, "xpack.security.remote_cluster_client.ssl (with trust configuration: PEM-trust{/etc/elasticsearch/logs-ca.crt})",
		fmt.Sprintf("is not configured to trust that issuer, it only trusts the issuer [%s] with fingerprint [%s]", r.rcCA.Cert.Subject, sha1Hex(r.rcCA.Cert)))
	a1.log(tr.rec(at(time.Hour)))
	r1.log(clientDidNotTrust(at(time.Hour), r1.ipTransport(), a1.ip+":60810", "default"))
	expectOrKnown(t, m.analyze(), "the remote's line from a shared host is paired with every local cluster on that host",
		want("transport-port-instead-of-remote-cluster-port", []string{"search", "logs"}, "logs", refsOf(a, 1, 2)...))
}

// The same alias name ("dr") in two local clusters, each for its own
// remote: search → logs (server off on logs), reporting → metrics (fine).
func TestR2SameAliasInTwoClusters(t *testing.T) {
	m := newMulti(t)
	a, r, rep, met := m.cluster("search", 30, 2), m.cluster("logs", 31, 2), m.cluster("reporting", 33, 2), m.cluster("metrics", 34, 2)
	m.serve(r)
	m.serve(met)
	m.connect(a, r, "dr", "proxy", keyB)
	m.connect(rep, met, "dr", "proxy", keyC)
	r1 := r.n(1)
	r1.unset("remote_cluster_server.enabled")
	a.n(1).log(connectFailed(at(time.Hour), "proxy", "dr", r1.ipRC()))
	rep.n(2).log(closedByRemote(at(3*time.Hour), "node-1", met.n(1).ip, met.n(1).ipRC()))
	met.n(1).log(stopLines(at(3 * time.Hour))...)
	met.n(1).log(startLines(at(3*time.Hour+time.Minute), "8.13.4", "metrics", "node-1", met.n(1).ip, 9300, 9200)...)
	expect(t, m.analyze(), want("remote-server-disabled", []string{"search", "logs"}, "dr", "logs/node-1"))
}

// One local cluster, two models: "logs" through an API key (8.13) and
// "legacy" through the certificate model (a 7.17 cluster on the transport
// port, transport certificates from search's CA, no remote cluster server,
// no key). Both healthy.
func TestR2MixedModelsHealthy(t *testing.T) {
	m := newMulti(t)
	a, r, old := m.cluster("search", 30, 2), m.cluster("logs", 31, 2), m.cluster("legacy", 35, 2)
	m.serve(r)
	m.connect(a, r, "logs", "sniff", keyB)
	for _, e := range old.nodes {
		e.transport = mustLeaf(t, a.tCA, e.name, certgen.DNS(e.name), certgen.IPs(e.ip))
		e.files["certs/transport.p12"] = mustP12(t, transportPW, p12Transport(e.transport, a.tCA)...)
		e.records = nil
		e.log(startLines(at(0), "7.17.9", "legacy", e.name, e.ip, 9300, 9200)...)
	}
	a.defs["cluster.remote.legacy.seeds"] = "[" + quoteAll([]string{old.n(1).transportAddr(), old.n(2).transportAddr()}) + "]"
	expect(t, m.analyze())
}

// The remote cluster interface without TLS on both ends
// (remote_cluster_server.ssl.enabled: false on the remote,
// remote_cluster_client.ssl.enabled: false on the local side): allowed,
// healthy.
func TestR2PlaintextRemoteClusterInterface(t *testing.T) {
	m := newMulti(t)
	a, r := m.cluster("search", 30, 2), m.cluster("logs", 31, 2)
	m.serve(r)
	m.connect(a, r, "logs", "proxy", keyB)
	for _, e := range r.nodes {
		e.set("xpack.security.remote_cluster_server.ssl.enabled", "false").unset("xpack.security.remote_cluster_server.ssl.keystore.path")
		delete(e.files, "cross-cluster.p12")
		delete(e.secure, "xpack.security.remote_cluster_server.ssl.keystore.secure_password")
	}
	m.finish()
	for _, e := range a.nodes {
		e.set("xpack.security.remote_cluster_client.ssl.enabled", "false").unset("xpack.security.remote_cluster_client.ssl.certificate_authorities")
	}
	expect(t, m.s.analyzeUTC(collectOpts{}))
}
