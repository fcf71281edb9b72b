package acceptance_test

// Issue 10, item 3: a fault on a remote node (wrong SANs, remote cluster
// server disabled, bound to loopback) is a fault of the connection
// local -> remote (alias) of every local cluster whose connection reaches
// that node, reported from the configuration alone (before any traffic is
// logged), with the remote node in the fix. A node the connection never
// reaches is not that connection's fault.

import (
	"testing"
	"time"

	"github.com/esdoctor/esdoctor/internal/testkit/certgen"
)

// twoLocalsOneRemote: search (127.0.30.x) and reporting (127.0.33.x) both
// connect to logs (127.0.31.1-3, every node runs the server) in sniff mode
// with their own keys. seeds: the logs nodes each local cluster lists.
func twoLocalsOneRemote(t *testing.T, seeds ...int) (*multi, *mcluster, *mcluster, *mcluster) {
	m := newMulti(t)
	a, r, rep := m.cluster("search", 30, 2), m.cluster("logs", 31, 3), m.cluster("reporting", 33, 2)
	m.serve(r)
	m.connect(a, r, "logs", "sniff", keyB)
	m.connect(rep, r, "logs-dr", "sniff", apiKey{"RepKeyIdForReporting", "CANARY-SECRET-rep"})
	if len(seeds) > 0 {
		var addrs []string
		for _, i := range seeds {
			addrs = append(addrs, r.n(i).rcAddr())
		}
		a.defs["cluster.remote.logs.seeds"] = "[" + quoteAll(addrs) + "]"
		rep.defs["cluster.remote.logs-dr.seeds"] = "[" + quoteAll(addrs) + "]"
	}
	return m, a, r, rep
}

// Wrong SANs on a seed: logs/node-2's remote cluster server certificate
// names only an internal DNS name; both local clusters connect to its IP
// (verification_mode full, the remote_cluster_client default).
func TestR3WrongSANsOnSeedTwoLocals(t *testing.T) {
	m, _, r, _ := twoLocalsOneRemote(t)
	r2 := r.n(2)
	r2.server = mustLeaf(t, r.rcCA, r2.name, certgen.DNS("node-2.logs.internal"))
	r2.files["cross-cluster.p12"] = mustP12(t, ccPW, certgen.KeyEntry("instance", r2.server), certgen.AuthorityEntry("ca", r.rcCA))
	both(t, m,
		want("tls-hostname-mismatch", []string{"search", "logs"}, "logs", "logs/node-2"),
		want("tls-hostname-mismatch", []string{"reporting", "logs"}, "logs-dr", "logs/node-2"))
}

// Wrong SANs on a node that is no seed: the seeds (node-1) report every
// node running the remote cluster server, and the local cluster connects
// to node-3 at its published remote cluster address (an IP its
// certificate lacks).
func TestR3WrongSANsOnSniffedNode(t *testing.T) {
	m, _, r, _ := twoLocalsOneRemote(t, 1)
	r3 := r.n(3)
	r3.server = mustLeaf(t, r.rcCA, r3.name, certgen.DNS("node-3"))
	r3.files["cross-cluster.p12"] = mustP12(t, ccPW, certgen.KeyEntry("instance", r3.server), certgen.AuthorityEntry("ca", r.rcCA))
	both(t, m,
		want("tls-hostname-mismatch", []string{"search", "logs"}, "logs", "logs/node-3"),
		want("tls-hostname-mismatch", []string{"reporting", "logs"}, "logs-dr", "logs/node-3"))
}

// Wrong SANs on a node no connection reaches (proxy mode to node-1): no
// connection fault.
func TestR3WrongSANsBehindNoProxy(t *testing.T) {
	m := newMulti(t)
	a, r := m.cluster("search", 30, 2), m.cluster("logs", 31, 2)
	m.serve(r)
	m.connect(a, r, "logs", "proxy", keyB)
	r2 := r.n(2)
	r2.server = mustLeaf(t, r.rcCA, r2.name, certgen.DNS("node-2.logs.internal"))
	r2.files["cross-cluster.p12"] = mustP12(t, ccPW, certgen.KeyEntry("instance", r2.server), certgen.AuthorityEntry("ca", r.rcCA))
	both(t, m)
}

// Server disabled on a seed of both local clusters: one diagnosis per
// connection, logs/node-3 in each fix.
func TestR3ServerDisabledOnSeedTwoLocals(t *testing.T) {
	m, _, r, _ := twoLocalsOneRemote(t)
	r3 := r.n(3)
	r3.unset("remote_cluster_server.enabled").unset("remote_cluster.host").unset("xpack.security.remote_cluster_server.ssl.enabled").unset("xpack.security.remote_cluster_server.ssl.keystore.path")
	delete(r3.files, "cross-cluster.p12")
	delete(r3.secure, "xpack.security.remote_cluster_server.ssl.keystore.secure_password")
	both(t, m,
		want("remote-server-disabled", []string{"search", "logs"}, "logs", "logs/node-3"),
		want("remote-server-disabled", []string{"reporting", "logs"}, "logs-dr", "logs/node-3"))
}

// Server disabled on a node that is only a seed of reporting: search
// (seeds node-1, node-2) never contacts it (the seeds report only nodes
// running the server), reporting does.
func TestR3ServerDisabledOnOneLocalsSeed(t *testing.T) {
	m, _, r, rep := twoLocalsOneRemote(t, 1, 2)
	rep.defs["cluster.remote.logs-dr.seeds"] = "[" + quoteAll([]string{r.n(3).rcAddr()}) + "]"
	r3 := r.n(3)
	r3.set("remote_cluster_server.enabled", "false")
	both(t, m,
		want("remote-server-disabled", []string{"reporting", "logs"}, "logs-dr", "logs/node-3"))
}

// Bound to loopback: logs/node-2 enables the server but sets
// remote_cluster.host: localhost; both local clusters list it as a seed
// by its address.
func TestR3BoundToLoopbackTwoLocals(t *testing.T) {
	m, _, r, _ := twoLocalsOneRemote(t)
	r.n(2).set("remote_cluster.host", "localhost")
	both(t, m,
		want("remote-server-bound-to-loopback", []string{"search", "logs"}, "logs", "logs/node-2"),
		want("remote-server-bound-to-loopback", []string{"reporting", "logs"}, "logs-dr", "logs/node-2"))
}

// Bound to loopback through the transport chain (remote_cluster.host
// unset, transport.host: _local_) on a node the seeds do not list: sniff
// still connects to it.
func TestR3BoundToLoopbackSniffedNode(t *testing.T) {
	m, _, r, _ := twoLocalsOneRemote(t, 1)
	r.n(3).unset("remote_cluster.host").set("transport.host", "_local_")
	both(t, m,
		want("remote-server-bound-to-loopback", []string{"search", "logs"}, "logs", "logs/node-3"),
		want("remote-server-bound-to-loopback", []string{"reporting", "logs"}, "logs-dr", "logs/node-3"))
}

// Bound to loopback on a node behind no proxy address: not the connection's fault.
func TestR3BoundToLoopbackBehindNoProxy(t *testing.T) {
	m := newMulti(t)
	a, r := m.cluster("search", 30, 2), m.cluster("logs", 31, 2)
	m.serve(r)
	m.connect(a, r, "logs", "proxy", keyB)
	r.n(2).set("remote_cluster.host", "localhost")
	both(t, m)
}

// both checks the diagnoses of esdoctor analyze, then that the live system
// (agent daemons, NATS, aggregator) on the same node directories agrees.
func both(t *testing.T, m *multi, want ...string) {
	t.Helper()
	ds := expect(t, m.analyze(), want...)
	if !t.Failed() {
		m.s.agreeLive(ds)
	}
}

// Expired remote cluster server certificate on a node only sniffing
// reaches (seeds: node-1): a fault of both connections, node-3 in the fix.
func TestR3ExpiredOnSniffedNodeTwoLocals(t *testing.T) {
	m, _, r, _ := twoLocalsOneRemote(t, 1)
	r3 := r.n(3)
	r3.server = mustLeaf(t, r.rcCA, r3.name, certgen.DNS(r3.name), certgen.IPs(r3.ip), certgen.Validity(time.Now().Add(-400*24*time.Hour), time.Now().Add(-24*time.Hour)))
	r3.files["cross-cluster.p12"] = mustP12(t, ccPW, certgen.KeyEntry("instance", r3.server), certgen.AuthorityEntry("ca", r.rcCA))
	both(t, m,
		want("tls-certificate-expired", []string{"search", "logs"}, "logs", "logs/node-3"),
		want("tls-certificate-expired", []string{"reporting", "logs"}, "logs-dr", "logs/node-3"))
}

// Look-alikes of the cross-cluster API-key failure (issue 10, item 10):
// HTTP clients' REST keys failing on either cluster (APM Server's deleted
// key, Beats' malformed header, an expired key) while the cross-cluster
// link is healthy: no diagnosis. The same texts naming the key id that
// the local cluster holds are the invalid key (variants_test.go).
func TestR3RESTKeyFailuresOfHTTPClients(t *testing.T) {
	tp := newTopo(t, style{def: "yml-flat", layout: "ecs"})
	for i, e := range append(append([]*es{}, tp.local...), tp.remote...) {
		tm := at(time.Hour + time.Duration(i)*time.Minute)
		e.log(rec{t: tm, level: "WARN", logger: lApiKey, msg: "Authentication using apikey failed - unable to find apikey with id _xv4qYMBEPciG7IXzKb4"},
			rec{t: tm.Add(time.Second), level: "WARN", logger: lApiKey, msg: "Authentication using apikey failed - Illegal base64 character 3a"},
			rec{t: tm.Add(2 * time.Second), level: "WARN", logger: lApiKey, msg: "Authentication using apikey failed - api key is expired"},
			rec{t: tm.Add(3 * time.Second), level: "WARN", logger: lApiKey, msg: "Authentication using apikey failed - invalid credentials for API key [VuaCfGcBCdbkQm-e5aOx]"})
	}
	ds := expect(t, tp.s.analyze())
	if !t.Failed() {
		tp.s.agreeLive(ds)
	}
}
