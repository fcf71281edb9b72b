package acceptance_test

import (
	"fmt"
	"path/filepath"
	"testing"
	"time"
)

// recentTopo is a healthy site whose nodes started three hours ago (logs
// dated now), with every file dated a day before that start, as on a real
// installation.
func recentTopo(t *testing.T, st style) (*topo, time.Time) {
	st.noStart = true
	tp := newTopo(t, st)
	start := time.Now().UTC().Add(-3 * time.Hour).Truncate(time.Second)
	for _, e := range append(append([]*es{}, tp.local...), tp.remote...) {
		e.log(startLines(start, "8.13.4", e.cluster, e.name, e.ip, e.transportPort, e.httpPort)...)
		e.log(rec{t: time.Now().UTC().Add(-10 * time.Minute), level: "INFO", logger: "org.elasticsearch.cluster.routing.allocation.AllocationService", msg: `current.health="GREEN" message="Cluster health status changed from [YELLOW] to [GREEN]."`})
		old := start.Add(-24 * time.Hour)
		e.mtimes["elasticsearch.yml"] = old
		e.mtimes["elasticsearch.keystore"] = old
		for rel := range e.files {
			e.mtimes[rel] = old
		}
	}
	return tp, start
}

// config-changed-since-start, logs + files: local-2's yml was edited an
// hour after the node started, and the node kept logging afterwards.
func TestConfigChangedYmlAfterStart(t *testing.T) {
	tp, start := recentTopo(t, style{def: "yml-flat", layout: "plain"})
	tp.n("local-2").mtimes["elasticsearch.yml"] = start.Add(time.Hour)
	expect(t, tp.s.analyze(), "config-changed-since-start [local] alias= fix=local/local-2")
}

// config-changed-since-start, ECS logs: remote-1's keystore and remote-2's
// cross-cluster.p12 were replaced while the nodes ran. The certificate file
// is not a change needing a restart: ES reloads ssl files itself.
func TestConfigChangedKeystoreAndCertECS(t *testing.T) {
	tp, start := recentTopo(t, style{def: "settings-nested", layout: "ecs"})
	tp.n("remote-1").mtimes["elasticsearch.keystore"] = start.Add(30 * time.Minute)
	tp.n("remote-2").mtimes["cross-cluster.p12"] = start.Add(90 * time.Minute)
	expect(t, tp.s.analyze(),
		"config-changed-since-start [remote] alias= fix=remote/remote-1")
}

// config-changed-since-start, start known from the log only: the nodes
// logged their start and nothing since (a quiet healthy node), local-1's
// yml was edited an hour later. No stop or restart is logged after the
// change, so the running node still uses the old yml.
func TestConfigChangedNoRestartLoggedSinceChange(t *testing.T) {
	tp, start := recentTopo(t, style{def: "yml-nested", layout: "plain"})
	for _, e := range append(append([]*es{}, tp.local...), tp.remote...) {
		e.records = e.records[:len(e.records)-1] // only the start lines
	}
	tp.n("local-1").mtimes["elasticsearch.yml"] = start.Add(time.Hour)
	expect(t, tp.s.analyze(), "config-changed-since-start [local] alias= fix=local/local-1")
}

// The same, but local-1 logged its stop before the edit: it is not running
// the old file; the log says nothing about the present.
func TestConfigChangedAfterLoggedStop(t *testing.T) {
	tp, start := recentTopo(t, style{def: "yml-nested", layout: "ecs"})
	l1 := tp.n("local-1")
	l1.records = l1.records[:len(l1.records)-1]
	l1.log(stopLines(start.Add(30 * time.Minute))...)
	l1.mtimes["elasticsearch.yml"] = start.Add(time.Hour)
	expect(t, tp.s.analyze())
}

// A certificate renewed in place (same name) on every node while they ran:
// ES reloads it within seconds; nothing to restart.
func TestCertificatesRenewedInPlaceHealthy(t *testing.T) {
	tp, start := recentTopo(t, style{def: "settings-flat", layout: "plain"})
	for _, e := range append(append([]*es{}, tp.local...), tp.remote...) {
		for rel := range e.files {
			e.mtimes[rel] = start.Add(time.Hour)
		}
	}
	expect(t, tp.s.analyze())
}

// config-drift, configuration alone: local-3 verifies transport hostnames
// (full) while the others use the auto-configured "certificate".
func TestDriftTransportVerificationMode(t *testing.T) {
	tp := newTopo(t, style{def: "settings-nested", nLocal: 3})
	l3 := tp.n("local-3")
	l3.block("xpack.security.transport.ssl.verification_mode: full")
	// the auto-configuration block already sets it: replace the block's line
	for i, b := range l3.yml {
		if len(b) > 200 {
			l3.yml[i] = replaceOnce(b, "  verification_mode: certificate\n", "")
		}
	}
	expect(t, tp.s.analyze(), "config-drift [local] alias= fix=local/local-3")
}

// config-drift, configuration alone: the alias is defined in every local
// yml, but local-2's seeds list only remote-1.
func TestDriftSeedsInYml(t *testing.T) {
	tp := newTopo(t, style{def: "yml-flat", nLocal: 3})
	tp.n("local-2").set("cluster.remote.my.seeds", fmt.Sprintf(`["%s"]`, tp.n("remote-1").rcAddr()))
	expect(t, tp.s.analyze(), "config-drift [local] alias= fix=local/local-2")
}

// s3-stale-keystore-credentials, logs (ECS, AWS SDK v2 text): the snapshot
// fails on remote-2, the only node of three with s3.client.default keys.
func TestS3StaleKeysSDKv2Logs(t *testing.T) {
	tp := newTopo(t, style{def: "settings-nested", nRemote: 3, layout: "ecs"})
	r2 := tp.n("remote-2")
	r2.secure["s3.client.default.access_key"] = "CANARY-SECRET-AKIAOLDKEY"
	r2.secure["s3.client.default.secret_key"] = "CANARY-SECRET-oldsecret"
	tp.n("remote-1").log(restFailure(at(5*time.Hour), "/_snapshot/s3_repo/nightly-2023.06.28",
		fmt.Sprintf("org.elasticsearch.transport.RemoteTransportException: [remote-2][%s][cluster:admin/snapshot/create]", r2.ipTransport()),
		"Caused by: software.amazon.awssdk.services.s3.model.S3Exception: The AWS Access Key Id you provided does not exist in our records. (Service: S3, Status Code: 403, Request ID: 0JZQ2B1S7P9WQ3KD, Extended Request ID: XzC9x1q8W2h5Zl3c9Kp0vB7nT4sR6yQ1uM8oE2iA5dF0gH3jL6kN9pS2tV5wY8z=) (SDK Attempt Count: 1)",
		"\tat software.amazon.awssdk.services.s3.model.S3Exception$BuilderImpl.build(S3Exception.java:104) ~[?:?]"))
	expect(t, tp.s.analyze(), "s3-stale-keystore-credentials [remote] alias= fix=remote/remote-2")
}

// s3-stale-keystore-credentials, configuration alone: two of three local
// nodes still hold keys of the "backup" client; the third uses the role.
func TestS3StaleKeysTwoNodesConfig(t *testing.T) {
	tp := newTopo(t, style{def: "yml-flat", nLocal: 3})
	for _, n := range []string{"local-1", "local-3"} {
		tp.n(n).secure["s3.client.backup.access_key"] = "CANARY-SECRET-AKIA"
		tp.n(n).secure["s3.client.backup.secret_key"] = "CANARY-SECRET-s3"
	}
	expect(t, tp.s.analyze(), "s3-stale-keystore-credentials [local] alias= fix=local/local-1,local/local-3")
}

// keystore-unreadable: local-2's keystore is password-protected and the
// password file given to the agent holds another password.
func TestKeystoreWrongPassword(t *testing.T) {
	tp := newTopo(t, style{def: "settings-nested"})
	l2 := tp.n("local-2")
	l2.ksPassword = "CANARY-SECRET-keystore-pw"
	wrong := "CANARY-SECRET-not-it"
	l2.agentPassword = &wrong
	expect(t, tp.s.analyze(), "keystore-unreadable [local] alias= fix=local/local-2")
}

// keystore-unreadable: remote-1's keystore was truncated (a full disk
// during elasticsearch-keystore add). Nothing else is inferred from it.
func TestKeystoreTruncated(t *testing.T) {
	tp := newTopo(t, style{def: "yml-nested"})
	tp.s.build()
	r1 := tp.n("remote-1")
	data := readFile(t, filepath.Join(r1.conf, "elasticsearch.keystore"))
	r1.rawKeystore = data[:len(data)/2]
	r1.build()
	expect(t, tp.s.analyze(), "keystore-unreadable [remote] alias= fix=remote/remote-1")
}

// A password-protected keystore opened with the right password: healthy.
func TestKeystoreWithPasswordHealthy(t *testing.T) {
	tp := newTopo(t, style{def: "settings-flat"})
	for _, e := range tp.local {
		e.ksPassword = "CANARY-SECRET-keystore-pw"
	}
	expect(t, tp.s.analyze())
}

// connection-unreliable, logs: local-1 keeps losing its connection to
// remote-1 over hours (8.x node description with a host name); remote-1
// did not restart.
func TestUnreliableClosedByRemoteRepeated(t *testing.T) {
	tp := newTopo(t, style{def: "yml-flat", hosts: "names", nLocal: 3})
	r1 := tp.n("remote-1")
	for i := 0; i < 4; i++ {
		tp.n("local-1").log(closedByRemote(at(2*time.Hour+time.Duration(i)*47*time.Minute), "remote-1", r1.host, r1.ipRC()))
	}
	expect(t, tp.s.analyze(), "connection-unreliable [local,remote] alias=my fix=local/local-1,remote/remote-1")
}

// connection-unreliable, ECS logs with the guide's description form: in
// proxy mode ES names the connection {<alias>#<proxy address>}. local-2
// loses remote-2 (the proxy address) twice; remote-2 logs nothing.
func TestUnreliableGuideFormECS(t *testing.T) {
	tp := newTopo(t, style{def: "settings-nested", mode: "proxy", layout: "ecs"})
	tp.defineSeeds([]string{tp.n("remote-2").rcAddr()})
	r2 := tp.n("remote-2")
	for _, d := range []time.Duration{time.Hour, 5 * time.Hour} {
		tp.n("local-2").log(rec{t: at(d), level: "INFO", logger: lConnMgr, msg: fmt.Sprintf("transport connection to [{my#%s}{...}] closed by remote", r2.ipRC())})
	}
	expect(t, tp.s.analyze(), "connection-unreliable [local,remote] alias=my fix=local/local-2,remote/remote-2")
}

// insufficient-remote-privileges and no-remote-indices-privileges, logs:
// search failures relayed by the local cluster (rest.suppressed), in the
// plain and the ECS layout. Nothing to change on a node: roles and keys.
func TestPrivilegeFailures(t *testing.T) {
	tp := newTopo(t, style{def: "settings-nested", layout: "both"})
	tp.n("local-1").log(restFailure(at(2*time.Hour), "/my:logs-*/_search",
		"org.elasticsearch.ElasticsearchSecurityException: action [indices:data/read/search] towards remote cluster is unauthorized for user [analyst] with assigned roles [analyst-role] authenticated by API key id ["+tp.key.id+"] of user [elastic-admin] on indices [logs-2023.06.28], this action is granted by the index privileges [read,all]",
		"\tat org.elasticsearch.xpack.core.security.support.Exceptions.authorizationError(Exceptions.java:36) ~[?:?]"))
	tp.n("local-2").log(restFailure(at(3*time.Hour), "/my:metrics-*/_search",
		"org.elasticsearch.ElasticsearchSecurityException: action [indices:data/read/search] towards remote cluster [my] is unauthorized for user [viewer] with effective roles [] (assigned roles [viewer-role] were not found) because no remote indices privileges apply for the target cluster",
		"\tat org.elasticsearch.xpack.core.security.support.Exceptions.authorizationError(Exceptions.java:36) ~[?:?]"))
	expect(t, tp.s.analyze(),
		"insufficient-remote-privileges [local,remote] alias=my fix=",
		"no-remote-indices-privileges [local,remote] alias=my fix=")
}

// The same privilege failures with the remote defined through the API and
// logged in ECS JSON only; the alias is the one in the request. Nothing
// names the remote cluster (no address, no remote-side line), so the
// diagnosis can only name the local cluster.
func TestPrivilegeFailuresInvisibleECS(t *testing.T) {
	tp := newTopo(t, style{def: "invisible", layout: "ecs"})
	tp.n("local-2").log(restFailure(at(2*time.Hour), "/my:cd/_search",
		"org.elasticsearch.ElasticsearchSecurityException: action [indices:data/read/search] towards remote cluster [my] is unauthorized for user [foo] with effective roles [] (assigned roles [foo-role] were not found) because no remote indices privileges apply for the target cluster"))
	tp.n("local-1").log(restFailure(at(2*time.Hour), "/my:cd/_search",
		"org.elasticsearch.ElasticsearchSecurityException: action [indices:data/read/search] towards remote cluster is unauthorized for user [bar] with assigned roles [bar-role] authenticated by API key id ["+tp.key.id+"] of user [elastic-admin] on indices [cd], this action is granted by the index privileges [read,all]"))
	expect(t, tp.s.analyze(),
		"insufficient-remote-privileges [local] alias=my fix=",
		"no-remote-indices-privileges [local] alias=my fix=")
}

// keystore-unreadable in the certificate model: local-2's keystore cannot
// be opened, so the password of its transport.p12 is unknown. Nothing may
// be concluded about its trust (no tls-untrusted-ca, no config-drift).
func TestKeystoreUnreadableCertificateModel(t *testing.T) {
	tp := newTopo(t, style{def: "settings-flat", certModel: true, alias: "legacy"})
	l2 := tp.n("local-2")
	l2.ksPassword = "CANARY-SECRET-keystore-pw"
	wrong := "CANARY-SECRET-not-it"
	l2.agentPassword = &wrong
	expect(t, tp.s.analyze(), "keystore-unreadable [local] alias= fix=local/local-2")
}

// A password-protected keystore while the agent was given no password
// (ES itself gets it from ES_KEYSTORE_PASSPHRASE_FILE): the node is fine;
// the agent merely cannot look inside. No error diagnosis about the node,
// and nothing inferred from the entries it could not read.
func TestKeystoreProtectedNoPasswordGiven(t *testing.T) {
	tp := newTopo(t, style{def: "settings-nested"})
	l1 := tp.n("local-1")
	l1.ksPassword = "CANARY-SECRET-keystore-pw"
	none := ""
	l1.agentPassword = &none
	ds := tp.s.analyze()
	for _, d := range ds {
		if d.Severity == "error" || d.Severity == "critical" || d.Code == "config-drift" {
			t.Errorf("unexpected %s (%s)", line(d), d.Severity)
		}
	}
	if t.Failed() {
		dump(t, ds)
	}
}
