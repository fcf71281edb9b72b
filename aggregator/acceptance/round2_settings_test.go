package acceptance_test

// Round 2: where and how the remote is defined — static per-node yml,
// node roles, ${ENV} substitution, --cluster overrides with ES's default
// cluster name, seeds by node name, IPv6 loopback, proxy server_name.

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/esdoctor/esdoctor/internal/testkit/certgen"
)

// ymlOn defines the alias in the yml of the given local nodes only (the
// guide: "only the nodes with those settings can connect to the remote
// cluster"); the others have neither the definition nor the key.
func ymlOn(tp *topo, seeds []string, names ...string) {
	on := map[string]bool{}
	for _, n := range names {
		on[n] = true
	}
	for _, l := range tp.local {
		l.settings = ""
		if on[l.name] {
			l.set("cluster.remote.my.seeds", "["+quoteAll(seeds)+"]")
		} else {
			delete(l.secure, "cluster.remote.my.credentials")
		}
	}
}

// Static per-node remote: only local-1 (a coordinating node) defines the
// remote in its yml and holds the key; local-2 and local-3 do neither.
// That is a valid setup, not a missing key nor drift.
func TestR2PerNodeStaticRemoteHealthy(t *testing.T) {
	tp := newTopo(t, style{def: "invisible", nLocal: 3})
	ymlOn(tp, tp.seeds(), "local-1")
	expectOrKnown(t, tp.s.analyze(), "a remote defined in the yml of only some nodes (per-node static settings) is reported as a problem on the other nodes")
}

// Static per-node remote, broken: local-1 and local-2 define it in the yml,
// local-2 with the transport port. Only local-2 must change.
func TestR2PerNodeStaticRemoteOneWrong(t *testing.T) {
	tp := newTopo(t, style{def: "invisible", nLocal: 3})
	ymlOn(tp, tp.seeds(), "local-1", "local-2")
	tp.n("local-2").set("cluster.remote.my.seeds", "["+quoteAll([]string{tp.n("remote-1").transportAddr()})+"]")
	expectOrKnown(t, tp.s.analyze(), "per-node static remote: the node with the wrong seeds is not the only one named",
		"transport-port-instead-of-remote-cluster-port [local,remote] alias=my fix=local/local-2")
}

// Dedicated master nodes (node.roles without remote_cluster_client) never
// open remote connections: they need no cross-cluster key. The two
// coordinating/data nodes hold it.
func TestR2DedicatedMastersWithoutKey(t *testing.T) {
	tp := newTopo(t, style{def: "settings-nested", nLocal: 4})
	for _, name := range []string{"local-3", "local-4"} {
		l := tp.n(name)
		l.set("node.roles", "[ master ]")
		delete(l.secure, "cluster.remote.my.credentials")
	}
	expectOrKnown(t, tp.s.analyze(), "node.roles is ignored: dedicated master nodes (no remote_cluster_client role) are told to add the cross-cluster key")
}

// The seeds come from an environment variable (${REMOTE_SEEDS}, ES 8
// substitutes it before parsing, a comma string for a list setting), and
// the variable names the transport ports.
func TestR2SeedsFromEnvironment(t *testing.T) {
	tp := newTopo(t, style{def: "invisible"})
	for _, l := range tp.local {
		l.set("cluster.remote.my.seeds", "${REMOTE_SEEDS}")
	}
	env := tp.n("remote-1").transportAddr() + "," + tp.n("remote-2").transportAddr()
	ds := tp.s.analyzeUTC(collectOpts{env: map[string]string{"REMOTE_SEEDS": env}})
	expect(t, ds, "transport-port-instead-of-remote-cluster-port [local,remote] alias=my fix=local/local-1,local/local-2")
}

// Both clusters keep ES's default cluster.name (elasticsearch, so both log
// to elasticsearch.log); the agents run with --cluster search / --cluster
// logs. local-2 lacks the key and logs the missing header.
func TestR2DefaultClusterNameWithOverride(t *testing.T) {
	tp := newTopo(t, style{def: "settings-nested", nLocal: 3})
	l2, r1 := tp.n("local-2"), tp.n("remote-1")
	delete(l2.secure, "cluster.remote.my.credentials")
	l2.log(handshakeFailed(at(time.Hour), "sniff", "my", "remote-1", r1.ipRC(), causeNoHeader))
	co := collectOpts{cluster: map[string]string{}}
	for _, e := range append(append([]*es{}, tp.local...), tp.remote...) {
		e.unset("cluster.name")
		// ES names the files after the cluster it runs as: elasticsearch.
		e.extraLogs["elasticsearch.log"] = render(e.records, "plain", "elasticsearch", e.name)
		e.records = nil
		name := "search"
		if e.cluster == "remote" {
			name = "logs"
		}
		co.cluster[e.cluster+"/"+e.name] = name
	}
	expect(t, tp.s.analyzeUTC(co), "missing-cross-cluster-credentials [search,logs] alias=my fix=search/local-2")
}

// The seeds name the remote nodes by a host name that only their node.name
// carries (network.host is an address): remote-2's remote cluster server
// is off. The seed still finds remote-2.
func TestR2SeedsByNodeName(t *testing.T) {
	tp := newTopo(t, style{def: "settings-flat"})
	tp.defineSeeds([]string{"remote-1:9443", "remote-2:9443"})
	r2 := tp.n("remote-2")
	r2.unset("remote_cluster_server.enabled").unset("remote_cluster.host").unset("xpack.security.remote_cluster_server.ssl.enabled").unset("xpack.security.remote_cluster_server.ssl.keystore.path")
	delete(r2.files, "cross-cluster.p12")
	delete(r2.secure, "xpack.security.remote_cluster_server.ssl.keystore.secure_password")
	expect(t, tp.s.analyze(), "remote-server-disabled [local,remote] alias=my fix=remote/remote-2")
}

// One machine, everything on ES's default binding (loopback, IPv4 and
// IPv6), the seed written as the IPv6 loopback [::1]:port: healthy; on the
// remote's transport port: the wrong port, fixed to [::1]:<rc port>.
func TestR2IPv6LoopbackSeeds(t *testing.T) {
	for _, wrong := range []bool{false, true} {
		t.Run(fmt.Sprintf("transport=%v", wrong), func(t *testing.T) {
			tp := newTopo(t, style{def: "settings-nested", hosts: "single", nRemote: 1})
			for _, e := range append(append([]*es{}, tp.local...), tp.remote...) {
				e.unset("network.host")
			}
			r1 := tp.n("remote-1")
			// certutil --ip 127.0.0.1 --ip ::1 --dns localhost
			tp.serverOn(r1, certgen.DNS("remote-1", "localhost"), certgen.IPs("127.0.0.1", "::1"))
			port := r1.rcPort
			if wrong {
				port = r1.transportPort
			}
			tp.defineSeeds([]string{fmt.Sprintf("[::1]:%d", port)})
			if !wrong {
				expect(t, tp.s.analyze())
				return
			}
			ds := expect(t, tp.s.analyze(), "transport-port-instead-of-remote-cluster-port [local,remote] alias=my fix=local/local-1,local/local-2")
			if d := find(ds, "transport-port-instead-of-remote-cluster-port"); d != nil {
				if got := d.Fix.Settings["cluster.remote.my.seeds"]; !strings.Contains(got, fmt.Sprintf("[::1]:%d", r1.rcPort)) {
					t.Errorf("fix seeds %q, want [::1]:%d", got, r1.rcPort)
				}
			}
		})
	}
}

// Proxy mode with server_name: the certificate names the server_name but
// not the proxy address; Java verifies the SNI name, so it is healthy.
// Without server_name it verifies the address: a mismatch on remote-1.
func TestR2ProxyServerName(t *testing.T) {
	for _, withName := range []bool{true, false} {
		t.Run(fmt.Sprintf("server_name=%v", withName), func(t *testing.T) {
			tp := newTopo(t, style{def: "settings-nested", mode: "proxy"})
			r1 := tp.n("remote-1")
			tp.serverOn(r1, certgen.DNS("remote.example.test"))
			if !withName {
				js := fmt.Sprintf(`{"persistent":{"cluster":{"remote":{"my":{"mode":"proxy","proxy_address":"%s"}}}},"transient":{}}`, r1.rcAddr())
				for _, l := range tp.local {
					l.settings = js
				}
				expect(t, tp.s.analyze(), "tls-hostname-mismatch [local,remote] alias=my fix=remote/remote-1")
				return
			}
			expect(t, tp.s.analyze())
		})
	}
}

// A stale static definition in one node's yml is shadowed by the cluster
// settings (which take precedence); but a *transient* setting, newer than
// both, sends every node to a port where nothing listens.
func TestR2TransientOverridesPersistentWrongPort(t *testing.T) {
	tp := newTopo(t, style{def: "settings-nested"})
	js := fmt.Sprintf(`{"persistent":{"cluster":{"remote":{"my":{"seeds":["%s"]}}}},"transient":{"cluster":{"remote":{"my":{"seeds":["127.0.20.1:9444"]}}}}}`, tp.n("remote-1").rcAddr())
	for _, l := range tp.local {
		l.settings = js
	}
	tp.n("local-1").set("cluster.remote.my.seeds", `["127.0.20.9:9300"]`)
	d := find(expect(t, tp.s.analyze(), "remote-unreachable [local,remote] alias=my fix=local/local-1,local/local-2"), "remote-unreachable")
	if d != nil {
		if got := d.Fix.Settings["cluster.remote.my.seeds"]; got != "[127.0.20.1:9443]" {
			t.Errorf("fix seeds %q, want [127.0.20.1:9443]", got)
		}
		cmds := strings.Join(d.Fix.Commands, "\n")
		known(t, "the fix command writes a persistent setting while the wrong value is transient (which wins): "+cmds, strings.Contains(cmds, "transient"))
	}
}

// Sniff mode reaches every remote node at its published remote cluster
// address, not only the seeds: remote-3 (not a seed) binds its remote
// cluster server to localhost. In proxy mode only the proxy address is
// used: then remote-3 does not matter.
func TestR2SniffReachesNonSeedLoopback(t *testing.T) {
	for _, mode := range []string{"sniff", "proxy"} {
		t.Run(mode, func(t *testing.T) {
			tp := newTopo(t, style{def: "settings-nested", mode: mode, nRemote: 3})
			tp.defineSeeds([]string{tp.n("remote-1").rcAddr(), tp.n("remote-2").rcAddr()})
			tp.n("remote-3").set("remote_cluster.host", "127.0.0.1")
			if mode == "proxy" {
				expect(t, tp.s.analyze())
				return
			}
			expectOrKnown(t, tp.s.analyze(), "sniff mode: a non-seed remote node bound to loopback is not found (only seed targets are checked)",
				"remote-server-bound-to-loopback [local,remote] alias=my fix=remote/remote-3")
		})
	}
}

// The remote swapped its ports (transport.port 9443, remote_cluster.port
// 9300): seeds on 9443 are its transport port.
func TestR2SwappedPorts(t *testing.T) {
	tp := newTopo(t, style{def: "settings-nested"})
	for _, r := range tp.remote {
		r.set("transport.port", "9443").set("remote_cluster.port", "9300")
		r.transportPort, r.rcPort = 9443, 9300
		r.records = nil
		r.log(startLines(at(0), "8.13.4", "remote", r.name, r.ip, 9443, 9200)...)
	}
	tp.defineSeeds([]string{"127.0.20.1:9443", "127.0.20.2:9443"})
	d := find(expect(t, tp.s.analyze(), "transport-port-instead-of-remote-cluster-port [local,remote] alias=my fix=local/local-1,local/local-2"), "transport-port-instead-of-remote-cluster-port")
	if d != nil && d.Fix.Settings["cluster.remote.my.seeds"] != "[127.0.20.1:9300, 127.0.20.2:9300]" {
		t.Errorf("fix %v, want seeds on 9300", d.Fix.Settings)
	}
}

// The node was started with -E node.name=es-data-02 (invisible to the
// agent, which reads node.name: local-2 from the yml): its logs, plain and
// ECS, name es-data-02. The diagnosis names the node as the agent knows it.
func TestR2LogNodeNameDiffersFromYml(t *testing.T) {
	tp := newTopo(t, style{def: "settings-nested", nLocal: 3, layout: "both"})
	l2, r1 := tp.n("local-2"), tp.n("remote-1")
	delete(l2.secure, "cluster.remote.my.credentials")
	l2.log(handshakeFailed(at(time.Hour), "sniff", "my", "remote-1", r1.ipRC(), causeNoHeader))
	l2.extraLogs["local.log"] = render(l2.records, "plain", "local", "es-data-02")
	l2.extraLogs["local_server.json"] = render(l2.records, "ecs", "local", "es-data-02")
	l2.records = nil
	ds := expect(t, tp.s.analyzeUTC(collectOpts{}), "missing-cross-cluster-credentials [local,remote] alias=my fix=local/local-2")
	if s := sides(find(ds, "missing-cross-cluster-credentials")); !s["local:local/local-2"] {
		t.Errorf("the line logged as es-data-02 is local-2's evidence: %v", s)
	}
}
