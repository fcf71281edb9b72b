package acceptance_test

// Round 2: log layouts and log history — 7.x JSON with stacktrace arrays,
// rotated files only, several restarts, repeats over days, a symptom in
// the middle of a 10 MB file.

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/esdoctor/esdoctor/internal/testkit/certgen"
)

func dnsIP(name, ip string) []certgen.Option {
	return []certgen.Option{certgen.DNS(name), certgen.IPs(ip)}
}

// p12Transport are the entries of an auto-configured transport.p12.
func p12Transport(leaf *certgen.Leaf, ca *certgen.Authority) []certgen.Entry {
	return []certgen.Entry{certgen.KeyEntry("transport", leaf), certgen.AuthorityEntry("transport_ca", ca)}
}

// trust7x is DiagnosticTrustManager's 7.x wording: "subject name [..] and
// fingerprint [..]", no key usage, dates or cipher parts, and the bare
// context prefix.
func trust7x(t time.Time, server, subject, fp string, sans []string, issuer, ctx, tail string) rec {
	msg := fmt.Sprintf("failed to establish trust with server at [%s]; the server provided a certificate with subject name [%s] and fingerprint [%s]; "+
		"the certificate has subject alternative names [%s]; the certificate is issued by [%s] but the server did not provide a copy of the issuing certificate in the certificate chain; "+
		"this ssl context ([%s]) %s", server, subject, fp, strings.Join(sans, ","), issuer, ctx, tail)
	return rec{t: t, level: "WARN", logger: lTrust, msg: msg, exc: []string{pkixPathBuilding,
		"\tat sun.security.validator.PKIXValidator.doBuild(PKIXValidator.java:439) ~[?:?]"}}
}

// The certificate model on 7.17 with 7.x JSON logs (stacktrace arrays):
// the remote's transport certificates come from its own CA, which the
// local transport truststore does not hold. local-1 logs the 7.x trust
// failure; remote-2 logs the distrust on a 7.x channel (no profile).
func TestR2CertificateModel7xJSONUntrusted(t *testing.T) {
	tp := newTopo(t, style{def: "yml-flat", certModel: true, alias: "legacy", layout: "json7", noStart: true})
	for _, r := range tp.remote {
		r.transport = mustLeaf(t, tp.remoteTCA, r.name, dnsIP(r.name, r.ip)...)
		r.files["certs/transport.p12"] = mustP12(t, transportPW, p12Transport(r.transport, tp.remoteTCA)...)
	}
	for _, e := range append(append([]*es{}, tp.local...), tp.remote...) {
		e.log(startLines(at(0), "7.17.9", e.cluster, e.name, e.ip, 9300, 9200)...)
	}
	l1, r2 := tp.n("local-1"), tp.n("remote-2")
	l1.log(trust7x(at(time.Hour), r2.ip, r2.transport.Cert.Subject.String(), sha1Hex(r2.transport.Cert), sanList(r2.transport.Cert), r2.transport.Cert.Issuer.String(),
		"xpack.security.transport.ssl", fmt.Sprintf("is not configured to trust that issuer, it only trusts the issuer [%s] with fingerprint [%s]", tp.sharedCA.Cert.Subject, sha1Hex(tp.sharedCA.Cert))))
	r2.log(rec{t: at(time.Hour), level: "WARN", logger: lSecNetty, msg: fmt.Sprintf("client did not trust this server's certificate, closing connection Netty4TcpChannel{localAddress=/%s, remoteAddress=/%s:40486}", r2.ipTransport(), l1.ip)})
	ds := expect(t, tp.s.analyze(), "tls-untrusted-ca [local,remote] alias=legacy fix=local/local-1,local/local-2")
	if s := sides(find(ds, "tls-untrusted-ca")); !s["local:local/local-1"] || !s["remote:remote/remote-2"] {
		t.Errorf("evidence must pair local-1 and remote-2: %v", s)
	}
}

// Only rotated files are left (the active files were just rolled and are
// empty): ES 8 rolled both layouts, local-1-... .log.gz and .json.gz. The
// invalid key shows in both; each line counts once.
func TestR2RotatedFilesOnlyDualLayout(t *testing.T) {
	tp := newTopo(t, style{def: "settings-nested", noStart: true})
	l1, r1 := tp.n("local-1"), tp.n("remote-1")
	var rs []rec
	rs = append(rs, startLines(at(0), "8.13.4", "local", "local-1", l1.ip, 9300, 9200)...)
	for i := 0; i < 4; i++ {
		rs = append(rs, handshakeFailed(at(time.Hour+time.Duration(i)*time.Minute), "sniff", "my", "remote-1", r1.ipRC(), fmt.Sprintf(unableToAuthCause, tp.key.id)))
	}
	l1.extraLogs["local-2023-06-28-1.log.gz"] = gz(t, render(rs, "plain", "local", "local-1"))
	l1.extraLogs["local-2023-06-28-1.json.gz"] = gz(t, render(rs, "ecs", "local", "local-1"))
	l1.extraLogs["local.log"] = ""
	l1.extraLogs["local_server.json"] = ""
	r1.log(startLines(at(0), "8.13.4", "remote", "remote-1", r1.ip, 9300, 9200)...)
	r1.log(invalidCredentials(at(time.Hour), tp.key.id))
	ds := expect(t, tp.s.analyzeUTC(collectOpts{}), "invalid-api-key [local,remote] alias=my fix=local/local-1,local/local-2")
	if d := find(ds, "invalid-api-key"); d != nil && d.Count != 5 {
		t.Errorf("count %d, want 5 (4 local lines read once + 1 remote line)", d.Count)
	}
}

// Several restarts. The key was invalidated; the admin put a new key on
// local-1 and restarted it twice (failures between the two restarts, none
// after the last). local-2 still holds the old key: it restarted too, and
// keeps failing after its last start. Only local-2 is named.
func TestR2RestartsFixedVersusPersisting(t *testing.T) {
	tp := newTopo(t, style{def: "settings-nested", layout: "ecs", noStart: true})
	newKey := apiKey{"NewKeyIdAfterRotate1", "CANARY-SECRET-new-key"}
	l1, l2, r1 := tp.n("local-1"), tp.n("local-2"), tp.n("remote-1")
	l1.secure["cluster.remote.my.credentials"] = newKey.encoded()
	fail := func(e *es, d time.Duration) rec {
		return handshakeFailed(at(d), "sniff", "my", "remote-1", r1.ipRC(), fmt.Sprintf(unableToAuthCause, tp.key.id))
	}
	for _, e := range []*es{l1, l2} {
		e.log(startLines(at(0), "8.13.4", "local", e.name, e.ip, 9300, 9200)...)
		e.log(fail(e, time.Hour), fail(e, time.Hour+30*time.Second))
		e.log(stopLines(at(2 * time.Hour))...)
		e.log(startLines(at(2*time.Hour+time.Minute), "8.13.4", "local", e.name, e.ip, 9300, 9200)...)
		e.log(fail(e, 3*time.Hour))
	}
	l1.log(stopLines(at(4 * time.Hour))...)
	l1.log(startLines(at(4*time.Hour+time.Minute), "8.13.4", "local", "local-1", l1.ip, 9300, 9200)...)
	l1.log(rec{t: at(6 * time.Hour), level: "INFO", logger: "org.elasticsearch.cluster.routing.allocation.AllocationService", msg: `current.health="GREEN"`})
	l2.log(fail(l2, 5*time.Hour), fail(l2, 6*time.Hour))
	for _, r := range tp.remote {
		r.log(startLines(at(0), "8.13.4", "remote", r.name, r.ip, 9300, 9200)...)
	}
	r1.log(invalidCredentials(at(5*time.Hour), tp.key.id), invalidCredentials(at(6*time.Hour), tp.key.id))
	ds := expect(t, tp.s.analyzeUTC(collectOpts{}), "invalid-api-key [local,remote] alias=my fix=local/local-2")
	if d := find(ds, "invalid-api-key"); d != nil {
		for _, e := range d.Evidence {
			if e.Node == "local-1" && e.Side == "local" {
				t.Errorf("local-1's failures before its last restart are history: %+v", e)
			}
		}
	}
}

// A missing key logged every 30 s for two days (yesterday's rotated file
// and today's active one): one diagnosis whose count is every line and
// whose first/last seen are the first and last line.
func TestR2RepeatsOverDaysCount(t *testing.T) {
	tp := newTopo(t, style{def: "settings-nested", noStart: true})
	l2, r1 := tp.n("local-2"), tp.n("remote-1")
	delete(l2.secure, "cluster.remote.my.credentials")
	day := 24 * time.Hour
	start := t0.Add(-time.Hour)
	first, step := t0, 30*time.Second
	n := int(2 * day / step)
	var day1, day2 []rec
	day1 = append(day1, startLines(start, "8.13.4", "local", "local-2", l2.ip, 9300, 9200)...)
	for i := 0; i < n; i++ {
		tm := first.Add(time.Duration(i) * step)
		r := handshakeFailed(tm, "sniff", "my", "remote-1", r1.ipRC(), causeNoHeader)
		if tm.Before(t0.Add(day).Truncate(day)) {
			day1 = append(day1, r)
		} else {
			day2 = append(day2, r)
		}
	}
	l2.extraLogs["local-2023-06-28-1.log.gz"] = gz(t, render(day1, "plain", "local", "local-2"))
	l2.extraLogs["local.log"] = render(day2, "plain", "local", "local-2")
	for _, e := range append(append([]*es{}, tp.remote...), tp.n("local-1")) {
		e.log(startLines(start, "8.13.4", e.cluster, e.name, e.ip, 9300, 9200)...)
	}
	ds := expect(t, tp.s.analyzeUTC(collectOpts{}), "missing-cross-cluster-credentials [local,remote] alias=my fix=local/local-2")
	d := find(ds, "missing-cross-cluster-credentials")
	if d == nil {
		return
	}
	last := first.Add(time.Duration(n-1) * step)
	if d.Count != n {
		t.Errorf("count %d, want %d", d.Count, n)
	}
	// last_seen may be the time the configuration was inspected (it still
	// shows the fault), never before the last line.
	if d.LastSeen.Before(last) {
		t.Errorf("last_seen %s before the last line %s", d.LastSeen, last)
	}
	known(t, fmt.Sprintf("first_seen is %s, the time of the *last* line, not the first (%s): evidence carries only the aggregate's LastTime", d.FirstSeen, first), d.FirstSeen.Equal(first))
}

// A 10 MB log of routine lines with one REST-key failure in the middle:
// found, with its file and line number.
func TestR2SymptomInMiddleOf10MB(t *testing.T) {
	tp := newTopo(t, style{def: "yml-flat", noStart: true})
	l1, r1 := tp.n("local-1"), tp.n("remote-1")
	l1.secure["cluster.remote.my.credentials"] = restKey.encoded()
	var b strings.Builder
	lineNo := 0
	add := func(s string) {
		b.WriteString(s)
		b.WriteByte('\n')
		lineNo += strings.Count(s, "\n") + 1
	}
	add(strings.TrimSuffix(render(startLines(at(0), "8.13.4", "local", "local-1", l1.ip, 9300, 9200), "plain", "local", "local-1"), "\n"))
	routine := func(i int) string {
		return rec{t: at(time.Hour + time.Duration(i)*time.Millisecond*50), level: "INFO", logger: "org.elasticsearch.cluster.metadata.MetadataMappingService",
			msg: fmt.Sprintf("[logs-2023.06.28-%06d/Xq3z8H9mT2uS1bYvN4cK7w] update_mapping [_doc] (dynamic fields added: host.name, event.dataset)", i)}.render("plain", "local", "local-1")
	}
	i := 0
	for b.Len() < 5<<20 {
		add(routine(i))
		i++
	}
	want := lineNo + 1
	add(strings.TrimSuffix(render([]rec{handshakeFailed(at(time.Hour+time.Duration(i)*time.Millisecond*50), "sniff", "my", "remote-1", r1.ipRC(), fmt.Sprintf(restKeyCauseFmt, restKey.id))}, "plain", "local", "local-1"), "\n"))
	for b.Len() < 10<<20 {
		i++
		add(routine(i))
	}
	l1.extraLogs["local.log"] = b.String()
	for _, e := range append(append([]*es{}, tp.remote...), tp.n("local-2")) {
		e.log(startLines(at(0), "8.13.4", e.cluster, e.name, e.ip, 9300, 9200)...)
	}
	ds := expect(t, tp.s.analyzeUTC(collectOpts{}), "rest-api-key-instead-of-cross-cluster [local,remote] alias=my fix=local/local-1")
	if d := find(ds, "rest-api-key-instead-of-cross-cluster"); d != nil {
		found := false
		for _, e := range d.Evidence {
			if e.Side == "local" {
				found = true
				if !strings.HasSuffix(e.File, "local.log") || e.Line != int64(want) {
					t.Errorf("evidence at %s:%d, want local.log:%d", e.File, e.Line, want)
				}
			}
		}
		if !found {
			t.Errorf("no local evidence")
		}
	}
}

// 7.x JSON as users' pipelines sometimes keep it: an event spread over
// several physical lines ("stacktrace" array pretty-printed, GH #52621).
// The certificate model's seeds name a port where nothing listens.
func TestR2JSON7MultiLineEvent(t *testing.T) {
	tp := newTopo(t, style{def: "yml-nested", certModel: true, alias: "legacy", layout: "json7", noStart: true})
	for _, e := range append(append([]*es{}, tp.local...), tp.remote...) {
		e.log(startLines(at(0), "7.17.9", e.cluster, e.name, e.ip, 9300, 9200)...)
	}
	tp.defineSeeds([]string{"127.0.20.1:9301"})
	l1 := tp.n("local-1")
	l1.extraLogs["local_server.json"] = render(l1.records, "json7", "local", "local-1") +
		`{"type": "server", "timestamp": "2023-06-28T10:00:00,123Z", "level": "WARN", "component": "o.e.t.SniffConnectionStrategy", "cluster.name": "local", "node.name": "local-1", "message": "fetching nodes from external cluster [legacy] failed", "cluster.uuid": "5tVh1QqjQJ-mWkD2hH0R7A", "node.id": "id-local-1" , ` + "\n" +
		`"stacktrace": ["org.elasticsearch.transport.ConnectTransportException: [][127.0.20.1:9301] connect_exception",` + "\n" +
		`"at org.elasticsearch.transport.TcpTransport$ChannelsConnectedListener.onFailure(TcpTransport.java:1032) ~[elasticsearch-7.17.9.jar:7.17.9]",` + "\n" +
		`"Caused by: io.netty.channel.AbstractChannel$AnnotatedConnectException: Connection refused: 127.0.20.1/127.0.20.1:9301",` + "\n" +
		`"Caused by: java.net.ConnectException: Connection refused",` + "\n" +
		`"at sun.nio.ch.Net.pollConnect(Native Method) ~[?:?]"] }` + "\n"
	l1.records = nil
	ds := expect(t, tp.s.analyzeUTC(collectOpts{}), "remote-unreachable [local,remote] alias=legacy fix=local/local-1,local/local-2")
	if s := sides(find(ds, "remote-unreachable")); !s["local:local/local-1"] {
		t.Errorf("the multi-line event must be evidence: %v", s)
	}
}

// A node on Windows: its plain log has CRLF line ends. local-2's missing
// key is found in it as on Linux.
func TestR2PlainLogCRLF(t *testing.T) {
	tp := newTopo(t, style{def: "settings-nested", nLocal: 3})
	l2, r1 := tp.n("local-2"), tp.n("remote-1")
	delete(l2.secure, "cluster.remote.my.credentials")
	l2.log(handshakeFailed(at(time.Hour), "sniff", "my", "remote-1", r1.ipRC(), causeNoHeader))
	l2.extraLogs["local.log"] = strings.ReplaceAll(render(l2.records, "plain", "local", "local-2"), "\n", "\r\n")
	l2.records = nil
	ds := expect(t, tp.s.analyzeUTC(collectOpts{}), "missing-cross-cluster-credentials [local,remote] alias=my fix=local/local-2")
	if s := sides(find(ds, "missing-cross-cluster-credentials")); !s["local:local/local-2"] {
		t.Errorf("the CRLF log's line must be evidence: %v", s)
	}
}

// 7.x JSON timestamps carry the zone offset ("+02:00"): local-1 (a node in
// Europe/Berlin) logs "closed by remote" at 12:00:30+02:00, which is
// 10:00:30Z — when remote-1 (logging in UTC) restarted. Benign.
func TestR2JSON7OffsetTimestamps(t *testing.T) {
	tp := newTopo(t, style{def: "settings-nested", certModel: true, alias: "legacy", layout: "json7", noStart: true})
	for _, e := range append(append([]*es{}, tp.local...), tp.remote...) {
		e.log(startLines(at(-24*time.Hour), "7.17.9", e.cluster, e.name, e.ip, 9300, 9200)...)
	}
	r1 := tp.n("remote-1")
	restart := guideTime("2023-06-28T10:00:00,000")
	r1.log(stopLines(restart)...)
	r1.log(startLines(restart.Add(40*time.Second), "7.17.9", "remote", "remote-1", r1.ip, 9300, 9200)...)
	l1 := tp.n("local-1")
	cr := closedByRemote(restart.Add(30*time.Second), "remote-1", r1.ip, r1.ipTransport())
	line := cr.render("json7", "local", "local-1")
	line = strings.Replace(line, `"timestamp": "2023-06-28T10:00:30,000Z"`, `"timestamp": "2023-06-28T12:00:30,000+02:00"`, 1)
	if !strings.Contains(line, "+02:00") {
		t.Fatalf("timestamp not rewritten: %s", line)
	}
	l1.extraLogs["local_server.json"] = render(l1.records, "json7", "local", "local-1") + line + "\n"
	l1.records = nil
	expect(t, tp.s.analyzeUTC(collectOpts{}))
	// The line was read, at the right instant.
	found := false
	for _, sy := range symptomsOf(t, l1.node) {
		if sy.Symptom == "closed-by-remote" {
			found = true
			if !sy.Time.Equal(restart.Add(30 * time.Second)) {
				t.Errorf("closed-by-remote at %s, want %s", sy.Time, restart.Add(30*time.Second))
			}
		}
	}
	if !found {
		t.Errorf("the closed-by-remote line was not read")
	}
}
