package acceptance_test

// Round 2: evidence over time and from one side only — a fault fixed on the
// remote side (remote restart) while the local node kept running, the same
// node collected twice, two clusters' nodes sharing a log directory, and
// sites where only the local cluster runs agents (the remote cluster
// belongs to other people).

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/esdoctor/esdoctor/agent/collect"
	"github.com/esdoctor/esdoctor/aggregator/analyze"
	"github.com/esdoctor/esdoctor/internal/testkit/certgen"
	"github.com/esdoctor/esdoctor/shared/bundle"
	"github.com/esdoctor/esdoctor/shared/diagnosis"
)

// routine is an ordinary INFO line.
func routine(d time.Duration) rec {
	return rec{t: at(d), level: "INFO", logger: "org.elasticsearch.cluster.metadata.MetadataCreateIndexService", msg: "[logs-2023.06.29] creating index, cause [auto(bulk api)], templates [logs], shards [1]/[1]"}
}

// The remote admin fixed the certificate: remote-1 got a certificate from
// the CA the local nodes trust and restarted at 2h. local-1 logged trust
// failures (and remote-1 its distrust) before that, nothing since (the
// local node did not restart and kept logging routine lines). Today's
// configuration is consistent: nothing is open.
func TestR2FixedOnRemoteSideTrust(t *testing.T) {
	tp := newTopo(t, style{def: "settings-nested", layout: "both"})
	l1, r1 := tp.n("local-1"), tp.n("remote-1")
	wrongCA := mustCA(t, "Old Remote CA")
	old := mustLeaf(t, wrongCA, "remote-1", certgen.IPs(r1.ip))
	tr := serverTrust(r1, old, r1.ip, clientCtx, fmt.Sprintf("is not configured to trust that issuer, it only trusts the issuer [%s] with fingerprint [%s]", tp.remoteCA.Cert.Subject, sha1Hex(tp.remoteCA.Cert)))
	for i := 0; i < 5; i++ {
		tm := at(time.Hour + time.Duration(i)*10*time.Minute)
		l1.log(tr.rec(tm))
		r1.log(clientDidNotTrust(tm, r1.ipRC(), fmt.Sprintf("%s:%d", l1.ip, 50100+i), "_remote_cluster"))
	}
	r1.log(stopLines(at(2 * time.Hour))...)
	r1.log(startLines(at(2*time.Hour+time.Minute), "8.13.4", "remote", "remote-1", r1.ip, 9300, 9200)...)
	l1.log(routine(5 * time.Hour))
	expectOrKnown(t, tp.s.analyze(), "a trust failure that stopped when the remote node restarted with a trusted certificate stays open (only the local node's own restarts end its history)")
}

// The remote admin enabled the remote cluster server on remote-1 and
// restarted it at 2h; before that the local nodes logged connect_exception
// to it for an hour. Nothing failed since; the configuration is right.
func TestR2FixedOnRemoteSideServerEnabled(t *testing.T) {
	tp := newTopo(t, style{def: "settings-nested"})
	r1 := tp.n("remote-1")
	for _, l := range tp.local {
		for i := 0; i < 12; i++ {
			l.log(connectFailed(at(time.Hour+time.Duration(i)*5*time.Minute), "sniff", "my", r1.ipRC()))
		}
		l.log(routine(5 * time.Hour))
	}
	r1.log(stopLines(at(2 * time.Hour))...)
	r1.log(startLines(at(2*time.Hour+time.Minute), "8.13.4", "remote", "remote-1", r1.ip, 9300, 9200)...)
	expectOrKnown(t, tp.s.analyze(), "connect_exception that stopped an hour before the remote node's restart (which enabled the server) is reported as a firewall problem")
}

// A support case: the same local node collected twice, yesterday and
// today (the second bundle holds the first one's lines and two more). The
// invalid key is counted once per line.
func TestR2SameNodeCollectedTwice(t *testing.T) {
	tp := newTopo(t, style{def: "yml-flat"})
	l1, r1 := tp.n("local-1"), tp.n("remote-1")
	for i := 0; i < 3; i++ {
		l1.log(handshakeFailed(at(time.Hour+time.Duration(i)*time.Minute), "sniff", "my", "remote-1", r1.ipRC(), fmt.Sprintf(unableToAuthCause, tp.key.id)))
	}
	tp.s.build()
	ctx := context.Background()
	first, err := collect.Collect(ctx, collect.Options{Inspect: l1.options(), Location: time.UTC, Agent: "esdoctor-agent@local-1"})
	if err != nil {
		t.Fatal(err)
	}
	for i := 3; i < 5; i++ {
		l1.log(handshakeFailed(at(time.Hour+time.Duration(i)*time.Minute), "sniff", "my", "remote-1", r1.ipRC(), fmt.Sprintf(unableToAuthCause, tp.key.id)))
	}
	l1.build()
	var bs []*bundle.Bundle
	dir := t.TempDir()
	for _, p := range tp.s.bundles(dir, collectOpts{}) {
		b, err := bundle.Read(p)
		if err != nil {
			t.Fatal(err)
		}
		bs = append(bs, b)
	}
	bs = append(bs, first)
	ds, _ := analyze.Bundles(ctx, bs, analyze.Options{})
	d := find(expect(t, ds, "invalid-api-key [local,remote] alias=my fix=local/local-1,local/local-2"), "invalid-api-key")
	if d == nil {
		return
	}
	known(t, fmt.Sprintf("count %d, want 5: the overlapping lines of two bundles of one node are counted twice", d.Count), d.Count == 5)
}

// Two nodes of different clusters on one machine share a log directory
// (path.logs: /var/log/elasticsearch on both): local.log and remote.log
// side by side. remote-1's own outbound alias "audit" fails to connect;
// that is the remote cluster's problem, not the local node's.
func TestR2SharedLogDirectory(t *testing.T) {
	tp := newTopo(t, style{def: "settings-nested", nRemote: 1, nLocal: 1})
	l1, r1 := tp.n("local-1"), tp.n("remote-1")
	r1.settings = `{"persistent":{"cluster.remote.audit.seeds":["127.0.80.1:9443"]},"transient":{}}`
	r1.log(connectFailed(at(time.Hour), "sniff", "audit", "127.0.80.1:9443"))
	r1.logs = l1.logs // one directory for both
	ds := tp.s.analyzeUTC(collectOpts{})
	for _, d := range ds {
		if len(d.Clusters) > 0 && d.Clusters[0] == "local" {
			known(t, "an agent reads every server log in its log dir, so the other cluster's lines become this node's symptoms: "+line(d), false)
		}
	}
	expect(t, ds, "remote-unreachable [remote] alias=audit fix=")
}

// Only the local cluster runs agents (the remote cluster belongs to
// another team): the local lines and configuration alone still give the
// code, the alias and the local nodes to fix; the remote cluster is not
// known by name.
func TestR2OnlyLocalAgents(t *testing.T) {
	localOnly := func(tp *topo) []diagnosis.Diagnosis {
		var keep []*node
		for _, n := range tp.s.nodes {
			if n.cluster == "local" {
				keep = append(keep, n)
			}
		}
		tp.s.nodes = keep
		return tp.s.analyzeUTC(collectOpts{})
	}
	t.Run("missing-key", func(t *testing.T) {
		tp := newTopo(t, style{def: "settings-nested", nLocal: 3})
		l2 := tp.n("local-2")
		delete(l2.secure, "cluster.remote.my.credentials")
		l2.log(handshakeFailed(at(time.Hour), "sniff", "my", "remote-1", "127.0.20.1:9443", causeNoHeader))
		expect(t, localOnly(tp), "missing-cross-cluster-credentials [local] alias=my fix=local/local-2")
	})
	t.Run("rest-key", func(t *testing.T) {
		tp := newTopo(t, style{def: "yml-nested", mode: "proxy"})
		for _, l := range tp.local {
			l.secure["cluster.remote.my.credentials"] = restKey.encoded()
		}
		tp.n("local-1").log(handshakeFailed(at(time.Hour), "proxy", "my", "remote-1", "127.0.20.1:9443", fmt.Sprintf(restKeyCauseFmt, restKey.id)))
		expect(t, localOnly(tp), "rest-api-key-instead-of-cross-cluster [local] alias=my fix=local/local-1,local/local-2")
	})
	t.Run("transport-port", func(t *testing.T) {
		tp := newTopo(t, style{def: "settings-flat"})
		tp.defineSeeds([]string{"127.0.20.1:9300", "127.0.20.2:9300"})
		tp.n("local-2").log(handshakeFailed(at(time.Hour), "sniff", "my", "remote-1", "127.0.20.1:9300", causeMissingAuth))
		ds := localOnly(tp)
		expectOrKnown(t, ds, "with only local agents the transport-port handshake error is not diagnosed as such",
			"transport-port-instead-of-remote-cluster-port [local] alias=my fix=local/local-1,local/local-2")
	})
	t.Run("unreachable", func(t *testing.T) {
		tp := newTopo(t, style{def: "settings-nested"})
		for _, l := range tp.local {
			l.log(connectFailed(at(time.Hour), "sniff", "my", "127.0.20.1:9443"))
		}
		expect(t, localOnly(tp), "remote-unreachable [local] alias=my fix=")
	})
}
