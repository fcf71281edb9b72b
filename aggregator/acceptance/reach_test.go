package acceptance_test

import (
	"testing"
	"time"
)

// remote-unreachable, logs: the configuration says the remote cluster
// server listens at the address the local node fails to connect to, so
// something between the clusters drops it (a firewall). There is no
// setting to change on either cluster.
func TestUnreachableFirewallLogs(t *testing.T) {
	tp := newTopo(t, style{def: "yml-flat", mode: "sniff", nLocal: 3})
	r1 := tp.n("remote-1")
	for i := 0; i < 3; i++ {
		tp.n("local-2").log(connectFailed(at(2*time.Hour+time.Duration(i)*30*time.Second), "sniff", "my", r1.ipRC()))
	}
	expect(t, tp.s.analyze(), "remote-unreachable [local,remote] alias=my fix=")
}

// remote-unreachable, logs in ECS JSON, proxy mode defined in the yml:
// the proxy_address names a port where nothing of the remote listens.
// Both local nodes define it, both must change.
func TestUnreachableWrongProxyPortECS(t *testing.T) {
	tp := newTopo(t, style{def: "yml-nested", mode: "proxy", layout: "ecs"})
	tp.defineSeeds([]string{"127.0.20.1:9400"})
	for _, e := range tp.local {
		e.log(connectFailed(at(time.Hour), "proxy", "my", "127.0.20.1:9400"))
	}
	d := find(expect(t, tp.s.analyze(), "remote-unreachable [local,remote] alias=my fix=local/local-1,local/local-2"), "remote-unreachable")
	if d != nil && d.Fix.Settings["cluster.remote.my.proxy_address"] != "127.0.20.1:9443" {
		t.Errorf("fix settings %v: want cluster.remote.my.proxy_address 127.0.20.1:9443", d.Fix.Settings)
	}
}

// remote-unreachable, configuration alone: the saved cluster settings point
// the seeds at a port where no remote node listens (9301: neither the
// transport port nor the remote cluster port of any remote node).
func TestUnreachablePredictedWrongPort(t *testing.T) {
	tp := newTopo(t, style{def: "settings-flat", hosts: "multi", nLocal: 2, nRemote: 2})
	tp.defineSeeds([]string{"127.0.20.1:9301", "127.0.20.2:9301"})
	expect(t, tp.s.analyze(), "remote-unreachable [local,remote] alias=my fix=local/local-1,local/local-2")
}

// Configuration alone: remote-3 of three never got
// remote_cluster_server.enabled (nor its certificate). With a cross-cluster
// API key, sniff mode contacts the seeds (remote-1, remote-2) and then only
// the nodes a seed reports as running the remote cluster server
// (cluster:internal/remote_cluster/nodes): remote-3 is never contacted.
// Nothing fails; it is config-drift (warning) on remote-3, not an error.
func TestServerDisabledOnOneNodeConfig(t *testing.T) {
	tp := newTopo(t, style{def: "yml-nested", nRemote: 3})
	r3 := tp.n("remote-3")
	r3.unset("remote_cluster_server.enabled").unset("remote_cluster.host").unset("xpack.security.remote_cluster_server.ssl.enabled").unset("xpack.security.remote_cluster_server.ssl.keystore.path")
	delete(r3.secure, "xpack.security.remote_cluster_server.ssl.keystore.secure_password")
	delete(r3.files, "cross-cluster.p12")
	tp.defineSeeds([]string{tp.n("remote-1").rcAddr(), tp.n("remote-2").rcAddr()})
	ds := expect(t, tp.s.analyze(), "config-drift [remote] alias= fix=remote/remote-3")
	if d := find(ds, "config-drift"); d == nil || d.Severity != "warning" {
		t.Errorf("want a warning, got %+v", d)
	}
}

// The same node is a seed: the connection contacts it on its remote
// cluster port, where nothing listens. That is the error, on remote-3.
func TestServerDisabledOnASeedNodeConfig(t *testing.T) {
	tp := newTopo(t, style{def: "yml-flat", nRemote: 3})
	r3 := tp.n("remote-3")
	r3.unset("remote_cluster_server.enabled").unset("remote_cluster.host").unset("xpack.security.remote_cluster_server.ssl.enabled").unset("xpack.security.remote_cluster_server.ssl.keystore.path")
	delete(r3.secure, "xpack.security.remote_cluster_server.ssl.keystore.secure_password")
	delete(r3.files, "cross-cluster.p12")
	tp.defineSeeds([]string{tp.n("remote-1").rcAddr(), r3.rcAddr()})
	expect(t, tp.s.analyze(), "remote-server-disabled [local,remote] alias=my fix=remote/remote-3")
}

// Proxy mode: the local cluster connects only to the proxy address
// (remote-1). remote-2, behind no address the local side uses, has the
// server off: not an error of the connection; config-drift on remote-2.
func TestServerDisabledBehindNoProxyAddress(t *testing.T) {
	tp := newTopo(t, style{def: "settings-flat", mode: "proxy", layout: "plain", nRemote: 3})
	r2 := tp.n("remote-2")
	r2.unset("remote_cluster_server.enabled").unset("remote_cluster.host").unset("xpack.security.remote_cluster_server.ssl.enabled").unset("xpack.security.remote_cluster_server.ssl.keystore.path")
	delete(r2.secure, "xpack.security.remote_cluster_server.ssl.keystore.secure_password")
	delete(r2.files, "cross-cluster.p12")
	ds := expect(t, tp.s.analyze(), "config-drift [remote] alias= fix=remote/remote-2")
	if d := find(ds, "config-drift"); d == nil || d.Severity != "warning" {
		t.Errorf("want a warning, got %+v", d)
	}
}

// remote-server-disabled, logs: proxy mode by host name; remote-1 (the
// proxy address) has the server explicitly turned off and the local nodes
// log connect_exception to its address (ES logs the resolved IP).
func TestServerDisabledProxyByNameLogs(t *testing.T) {
	tp := newTopo(t, style{def: "settings-nested", mode: "proxy", hosts: "names", layout: "both"})
	r1 := tp.n("remote-1")
	r1.set("remote_cluster_server.enabled", "false")
	for _, e := range tp.local {
		e.log(connectFailed(at(3*time.Hour), "proxy", "my", r1.ipRC()), connectFailed(at(3*time.Hour+time.Minute), "proxy", "my", r1.ipRC()))
	}
	ds := expect(t, tp.s.analyze(), "remote-server-disabled [local,remote] alias=my fix=remote/remote-1")
	if s := sides(find(ds, "remote-server-disabled")); !s["local"] || !s["config"] {
		t.Errorf("want local and config evidence, got %v", s)
	}
}

// remote-server-bound-to-loopback, configuration alone: remote-2 publishes
// a routable address but binds the remote cluster server to localhost.
func TestBoundToLoopbackBindHostConfig(t *testing.T) {
	tp := newTopo(t, style{def: "settings-nested", nRemote: 3})
	r2 := tp.n("remote-2")
	r2.unset("remote_cluster.host").set("remote_cluster.bind_host", "localhost").set("remote_cluster.publish_host", r2.ip)
	expect(t, tp.s.analyze(), "remote-server-bound-to-loopback [local,remote] alias=my fix=remote/remote-2")
}

// remote-server-bound-to-loopback, logs: remote-1 sets remote_cluster.host
// to 127.0.0.1 (every other address of it is routable); the local nodes
// fail to connect to its routable address. One diagnosis, not also
// remote-unreachable.
func TestBoundToLoopbackExplainsConnectException(t *testing.T) {
	tp := newTopo(t, style{def: "yml-flat", layout: "ecs"})
	r1 := tp.n("remote-1")
	r1.set("remote_cluster.host", "127.0.0.1")
	tp.n("local-1").log(connectFailed(at(time.Hour), "sniff", "my", r1.ipRC()))
	tp.n("local-2").log(connectFailed(at(time.Hour), "sniff", "my", r1.ipRC()))
	expect(t, tp.s.analyze(), "remote-server-bound-to-loopback [local,remote] alias=my fix=remote/remote-1")
}
