package rules_test

import (
	"strings"
	"testing"

	"github.com/esdoctor/esdoctor/internal/testkit/scenario"
)

// A CA file replaced in place with one the node cannot read: the 8.x
// FileWatcher WARN with the SSL reloader in the stack.
func TestSSLReloadFailed(t *testing.T) {
	w := scenario.New(t)
	c := w.Cluster("prod", "node-1@127.0.2.1", "node-2@127.0.2.2")
	c.Node("node-2").Log(
		"[2024-05-01T12:00:00,000][WARN ][o.e.w.FileWatcher        ] [node-2] cannot notify file changes listener",
		"org.elasticsearch.common.ssl.SslConfigException: not permitted to read the PEM certificate_authorities file [/etc/elasticsearch/certs/ca.crt]",
		"\tat org.elasticsearch.xpack.core.ssl.SSLService.reloadSSLContext(SSLService.java:512) ~[?:?]",
		"\tat org.elasticsearch.xpack.core.ssl.SSLConfigurationReloader$ChangeListener.onFileChanged(SSLConfigurationReloader.java:151) ~[?:?]")
	ds := w.Analyze()
	expectExactly(t, ds, "ssl-reload-failed [prod] alias= fix=prod/node-2")
	if s := ds[0].Fix.Summary; !strings.Contains(s, "/etc/elasticsearch/certs/ca.crt") || !strings.Contains(s, "in place") {
		t.Errorf("fix: %s", s)
	}
}

// A restart after the failed reload loads the files afresh.
func TestSSLReloadFailedThenRestart(t *testing.T) {
	w := scenario.New(t)
	c := w.Cluster("prod", "node-1@127.0.2.1")
	c.Node("node-1").Log(
		"[2024-05-01T12:00:00,000][WARN ][o.e.w.FileWatcher        ] [node-1] cannot notify file changes listener",
		"org.elasticsearch.ElasticsearchException: failed to initialize SSL TrustManager",
		"\tat org.elasticsearch.xpack.core.ssl.SSLConfigurationReloader$ChangeListener.onFileChanged(SSLConfigurationReloader.java:121) ~[?:?]",
		"[2024-05-01T13:00:00,000][INFO ][o.e.n.Node               ] [node-1] starting ...",
		"[2024-05-01T13:00:05,000][INFO ][o.e.n.Node               ] [node-1] started")
	expectExactly(t, w.Analyze())
}

// The same in the ECS JSON server log (8.x), naming the key file.
func TestSSLReloadFailedECS(t *testing.T) {
	w := scenario.New(t)
	c := w.Cluster("prod", "node-1@127.0.2.1")
	c.Node("node-1").LogFile("prod_server.json").Log(
		`{"@timestamp":"2024-05-01T12:00:00.000Z", "log.level": "WARN", "message":"cannot notify file changes listener", "ecs.version": "1.2.0","service.name":"ES_ECS","event.dataset":"elasticsearch.server","process.thread.name":"elasticsearch[node-1][generic][T#3]","log.logger":"org.elasticsearch.watcher.FileWatcher","elasticsearch.node.name":"node-1","elasticsearch.cluster.name":"prod","error.type":"org.elasticsearch.common.ssl.SslConfigException","error.message":"cannot load PEM private key from [/etc/elasticsearch/certs/node.key]","error.stack_trace":"org.elasticsearch.common.ssl.SslConfigException: cannot load PEM private key from [/etc/elasticsearch/certs/node.key]\n\tat org.elasticsearch.xpack.core.ssl.SSLConfigurationReloader$ChangeListener.onFileChanged(SSLConfigurationReloader.java:151) ~[?:?]\n"}`)
	expectExactly(t, w.Analyze(), "ssl-reload-failed [prod] alias= fix=prod/node-1")
}
