package acceptance_test

import (
	"strings"
	"testing"
	"time"
)

// Accuracy against how Elasticsearch really behaves (issue 10): SSL files
// are hot-reloaded, settings changes that reopen connections, the 8.8+
// proxy-mode NoSeedNodeLeftException, the querying side of a cross-cluster
// search whose remote went away.

// A remote node's CA file was replaced in place with one it cannot read:
// ES logs the reload failure (FileWatcher, the SSL reloader in the stack)
// and keeps the old trust material.
func TestSSLReloadFailureLogged(t *testing.T) {
	tp := newTopo(t, style{def: "yml-nested", layout: "both"})
	tp.n("remote-2").log(rec{t: at(2 * time.Hour), level: "WARN", logger: "org.elasticsearch.watcher.FileWatcher", msg: "cannot notify file changes listener",
		exc: []string{"org.elasticsearch.common.ssl.SslConfigException: not permitted to read the PKCS12 keystore file [/etc/elasticsearch/cross-cluster.p12]",
			"\tat org.elasticsearch.xpack.core.ssl.SSLService.reloadSSLContext(SSLService.java:512) ~[?:?]",
			"\tat org.elasticsearch.xpack.core.ssl.SSLConfigurationReloader$ChangeListener.onFileChanged(SSLConfigurationReloader.java:151) ~[?:?]",
			"\tat org.elasticsearch.watcher.FileWatcher$FileObserver.onFileChanged(FileWatcher.java:325) ~[elasticsearch-8.13.4.jar:?]"}})
	ds := expect(t, tp.s.analyze(), "ssl-reload-failed [remote] alias= fix=remote/remote-2")
	if d := find(ds, "ssl-reload-failed"); d == nil || !strings.Contains(d.Fix.Summary, "in place") || strings.Contains(d.Fix.Summary, "restart it") {
		t.Errorf("fix: %+v", d)
	}
}

// transport.compress of the alias changed through the cluster settings
// API: ES closes the alias's connections once (the ClusterSettings line,
// then the closes). Not an unreliable connection.
func TestCompressChangeClosesOnce(t *testing.T) {
	tp := newTopo(t, style{def: "settings-nested", layout: "ecs"})
	r1 := tp.n("remote-1")
	for _, l := range tp.local {
		l.log(rec{t: at(3 * time.Hour), level: "INFO", logger: "org.elasticsearch.common.settings.ClusterSettings", msg: "updating [cluster.remote.my.transport.compress] from [false] to [true]"},
			closedByRemote(at(3*time.Hour+time.Second), r1.name, r1.host, r1.ipRC()))
	}
	expect(t, tp.s.analyze())
}

// The same closes without a settings change are connection-unreliable.
func TestClosesWithoutSettingsChange(t *testing.T) {
	tp := newTopo(t, style{def: "settings-nested", layout: "ecs"})
	r1 := tp.n("remote-1")
	for _, l := range tp.local {
		l.log(closedByRemote(at(3*time.Hour+time.Second), r1.name, r1.host, r1.ipRC()))
	}
	expect(t, tp.s.analyze(), "connection-unreliable [local,remote] alias=my fix=local/local-1,local/local-2,remote/remote-1")
}

// A cross-cluster search failed because the remote node went away
// mid-request (8.10+ TransportSearchAction WARN, node_disconnected_exception)
// with no restart of that node: the connection is unreliable.
func TestCCSSearchNodeDisconnected(t *testing.T) {
	tp := newTopo(t, style{def: "yml-flat", layout: "plain"})
	r2 := tp.n("remote-2")
	tp.n("local-1").log(rec{t: at(4 * time.Hour), level: "WARN", logger: "org.elasticsearch.action.search.TransportSearchAction",
		msg: `CCS remote cluster failure. Cluster [my]. skip_unavailable: [false]. Error: {"shard":-1,"index":null,"reason":{"type":"node_disconnected_exception","reason":"[remote-2][` + r2.ipRC() + `][indices:data/read/search] disconnected"}}`})
	expect(t, tp.s.analyze(), "connection-unreliable [local,remote] alias=my fix=local/local-1,remote/remote-2")
}

// The alias's seeds (and, in proxy mode, its proxy address) changed
// through the cluster settings API: ES rebuilds the connection strategy
// and closes the old connections once. Not an unreliable connection; the
// same with the 6.x search.remote name.
func TestSeedsChangeClosesOnce(t *testing.T) {
	for _, name := range []string{"cluster.remote.my.seeds", "search.remote.my.seeds"} {
		t.Run(name, func(t *testing.T) {
			tp := newTopo(t, style{def: "settings-nested", layout: "plain"})
			r1, r2 := tp.n("remote-1"), tp.n("remote-2")
			for _, l := range tp.local {
				l.log(rec{t: at(3 * time.Hour), level: "INFO", logger: "org.elasticsearch.common.settings.ClusterSettings",
					msg: `updating [` + name + `] from [["` + r1.rcAddr() + `"]] to [["` + r1.rcAddr() + `","` + r2.rcAddr() + `"]]`},
					closedByRemote(at(3*time.Hour+2*time.Second), r1.name, r1.host, r1.ipRC()))
			}
			ds := expect(t, tp.s.analyze())
			if !t.Failed() {
				tp.s.agreeLive(ds)
			}
		})
	}
}
