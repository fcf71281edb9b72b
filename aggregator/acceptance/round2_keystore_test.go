package acceptance_test

// Round 2: keystore variants — format versions 3, 4, 6 and 7 (round 1
// wrote version 5 only), password-protected keystores opened with the
// password, and credentials whose value is not an encoded API key.

import (
	"fmt"
	"testing"
	"time"

	"github.com/esdoctor/esdoctor/agent/collector/keystore"
)

// withVersion writes the node's keystore in another format version (with
// its ksPassword), from its entries as they are now.
func withVersion(t *testing.T, n *node, version int) {
	t.Helper()
	entries := map[string][]byte{}
	for k, v := range n.secure {
		entries[k] = []byte(v)
	}
	b, err := keystore.Encode(version, n.ksPassword, entries)
	if err != nil {
		t.Fatal(err)
	}
	n.rawKeystore = b
}

// Four local nodes with keystores of four format versions (ES 6.3, 7.x,
// 8.14+, 9.x); the v6 node lacks the key. The others agree (no drift).
func TestR2KeystoreVersionsMissingKey(t *testing.T) {
	tp := newTopo(t, style{def: "settings-nested", nLocal: 4})
	delete(tp.n("local-3").secure, "cluster.remote.my.credentials")
	for i, v := range []int{3, 4, 6, 7} {
		withVersion(t, tp.local[i].node, v)
	}
	expect(t, tp.s.analyze(), "missing-cross-cluster-credentials [local,remote] alias=my fix=local/local-3")
}

// A REST key in password-protected v7 and v4 keystores (the agent is given
// the passwords); the wrong-type line names its id.
func TestR2KeystoreVersionsRestKeyWithPassword(t *testing.T) {
	tp := newTopo(t, style{def: "yml-nested", layout: "ecs"})
	for i, v := range []int{7, 4} {
		l := tp.local[i]
		l.secure["cluster.remote.my.credentials"] = restKey.encoded()
		l.ksPassword = fmt.Sprintf("CANARY-SECRET-ks-pw-%d", v)
		withVersion(t, l.node, v)
	}
	tp.n("local-2").log(handshakeFailed(at(time.Hour), "sniff", "my", "remote-1", tp.n("remote-1").ipRC(), fmt.Sprintf(restKeyCauseFmt, restKey.id)))
	expect(t, tp.s.analyze(), "rest-api-key-instead-of-cross-cluster [local,remote] alias=my fix=local/local-1,local/local-2")
}

// The same key id on every node, but local-3's secret differs (it was
// pasted from an older key with the same id): no failure logged yet, the
// keyed fingerprints disagree.
func TestR2KeystoreSameIDDifferentSecret(t *testing.T) {
	tp := newTopo(t, style{def: "settings-nested", nLocal: 3})
	tp.n("local-3").secure["cluster.remote.my.credentials"] = apiKey{tp.key.id, "CANARY-SECRET-older"}.encoded()
	expect(t, tp.s.analyze(), "config-drift [local] alias= fix=local/local-3")
}

// local-3's credentials value is not an encoded API key at all (someone
// pasted the key's secret alone): its id is unknown. The entry is present,
// so the key is not "missing"; it disagrees with the other nodes' value.
func TestR2KeystoreCredentialsNotBase64(t *testing.T) {
	tp := newTopo(t, style{def: "settings-nested", nLocal: 3})
	tp.n("local-3").secure["cluster.remote.my.credentials"] = "CANARY-SECRET-plain-secret-not-base64!"
	expect(t, tp.s.analyze(), "config-drift [local] alias= fix=local/local-3")
}

// Password-protected keystores (v6) opened with the password, one node
// without the key: the missing-key rule sees inside.
func TestR2KeystorePasswordProtectedMissingKey(t *testing.T) {
	tp := newTopo(t, style{def: "yml-flat", nLocal: 3})
	delete(tp.n("local-2").secure, "cluster.remote.my.credentials")
	for _, l := range tp.local {
		l.ksPassword = "CANARY-SECRET-ks-" + l.name
		withVersion(t, l.node, 6)
	}
	expect(t, tp.s.analyze(), "missing-cross-cluster-credentials [local,remote] alias=my fix=local/local-2")
}
