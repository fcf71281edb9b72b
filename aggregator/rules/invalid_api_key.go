package rules

import (
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/esdoctor/esdoctor/aggregator/pairing"
	"github.com/esdoctor/esdoctor/aggregator/store"
	"github.com/esdoctor/esdoctor/shared/catalog"
	"github.com/esdoctor/esdoctor/shared/diagnosis"
	"github.com/esdoctor/esdoctor/shared/event"
)

// InvalidAPIKey pairs the local "unable to authenticate user [id]" with the
// remote "Authentication using apikey failed - invalid credentials for API
// key [id]" by the key id, and names the local nodes holding that key.
type InvalidAPIKey struct{}

var _ Rule = InvalidAPIKey{}

func (InvalidAPIKey) Meta() Meta {
	return Meta{Code: catalog.InvalidAPIKey, Description: "the cross-cluster API key fails to authenticate on the remote cluster",
		Inputs: []event.Kind{event.KindSnapshot, event.KindSymptom}}
}

func (InvalidAPIKey) Evaluate(v *pairing.View, r *Reporter) {
	type acc struct {
		id     string
		local  string
		remote string
		l      *pairing.Link
		ev     []diagnosis.Evidence
		lnodes []*store.Node
		rnodes []*store.Node
	}
	accs := map[string]*acc{}
	var order []string
	get := func(local, id string) *acc {
		k := local + "\x00" + id
		if a := accs[k]; a != nil {
			return a
		}
		a := &acc{id: id, local: local}
		accs[k] = a
		order = append(order, k)
		return a
	}
	for _, n := range v.Nodes {
		for _, a := range v.Symptoms(n, "api-key-unable-to-authenticate") {
			id := a.Last.Fields["api_key_id"]
			if id == "" {
				id = a.Last.Fields["user"]
			}
			if act := a.Last.Fields["action"]; act != "" && act != "cluster:internal/remote_cluster/handshake" && linkByKeyID(v, n.Key.Cluster, id) == nil {
				continue // an ordinary user failing on some action: not a remote cluster key
			}
			ac := get(n.Key.Cluster, id)
			ac.ev = append(ac.ev, symptomEvidence(diagnosis.SideLocal, n, a))
			ac.lnodes = append(ac.lnodes, n)
		}
	}
	// Remote side, by key id.
	for _, n := range v.Nodes {
		// api-key-authentication-failed (no cross-cluster context: maybe
		// an HTTP client's REST key) counts only through the id pairing
		// below (a local credential or a local handshake failure).
		for _, a := range v.Symptoms(n, "api-key-invalid-credentials", "api-key-authentication-failed") {
			id := a.Last.Fields["api_key_id"]
			if id == "" {
				continue
			}
			matched := false
			for _, l := range v.Links() {
				if l.Local != n.Key.Cluster && len(l.KeyIDs[id]) > 0 {
					ac := get(l.Local, id)
					ac.ev = append(ac.ev, symptomEvidence(diagnosis.SideRemote, n, a))
					ac.rnodes = append(ac.rnodes, n)
					ac.remote = n.Key.Cluster
					matched = true
				}
			}
			if !matched {
				for _, ac := range accs {
					if ac.id == id && ac.local != n.Key.Cluster {
						ac.ev = append(ac.ev, symptomEvidence(diagnosis.SideRemote, n, a))
						ac.rnodes = append(ac.rnodes, n)
						ac.remote = n.Key.Cluster
						matched = true
					}
				}
			}
		}
	}
	sort.Strings(order)
	for _, k := range order {
		ac := accs[k]
		ac.l = linkByKeyID(v, ac.local, ac.id)
		alias := ""
		fix := dedupNodes(ac.lnodes)
		if ac.l != nil {
			alias = ac.l.Alias
			if ac.remote == "" {
				ac.remote = ac.l.Remote
			}
			holders := holdersOf(v, ac.l, ac.id)
			fix = oddHolders(ac.l, holders, dedupNodes(ac.lnodes))
			for _, h := range holders {
				e, _ := pairing.KeystoreEntry(h, "cluster.remote."+alias+".credentials")
				ac.ev = append(ac.ev, configEvidence(h, fmt.Sprintf("cluster.remote.%s.credentials on %s: API key id %s, fingerprint %s", alias, h.Key.Node, ac.id, e.Fingerprint)))
			}
		}
		if len(fix) == 0 {
			continue
		}
		entry := "cluster.remote." + alias + ".credentials"
		// A keystore changed after the node's start: the running node
		// still uses the key it loaded, until reloaded.
		detail := ""
		var unloaded []string
		for _, n := range dedupNodes(ac.lnodes) {
			if keystoreChangedSinceStart(v, n) {
				unloaded = append(unloaded, n.Key.Node)
				ac.ev = append(ac.ev, configEvidence(n, fmt.Sprintf("the keystore of %s changed after the node started (%s): until reloaded (POST _nodes/reload_secure_settings) the running node still uses API key %s",
					n.Key.Node, n.Snapshot.Keystore.ModTime.UTC().Format(time.RFC3339), ac.id)))
			}
		}
		if len(unloaded) > 0 {
			detail = fmt.Sprintf("The keystore of %s changed after the node started; until reloaded the running node still uses API key %s.", strings.Join(unloaded, ", "), ac.id)
		}
		r.Report(Finding{Code: catalog.InvalidAPIKey, Key: ac.id, Clusters: clusters(ac.local, ac.remote), Alias: alias, Detail: detail,
			Evidence: ac.ev, Nodes: refs(append(ac.lnodes, ac.rnodes...)), Facts: map[string]any{"api_key_id": ac.id},
			Claims: []string{"keystore:" + entry},
			Fix: diagnosis.Fix{
				Summary:  fmt.Sprintf("The remote cluster rejects API key %s. Create a new cross-cluster API key on %s and replace %s on the local nodes named.", ac.id, orUnknown(ac.remote), entry),
				Settings: map[string]string{entry: "<encoded cross-cluster API key> (keystore)"},
				Commands: []string{"POST /_security/cross_cluster/api_key (on the remote cluster)", "bin/elasticsearch-keystore add --force " + entry, "POST _nodes/reload_secure_settings"},
				Nodes:    refs(fix),
			}})
	}
}

// oddHolders: when the nodes holding the key id disagree on its value
// (different fingerprints) and only some of them fail, the failing group is
// the one to fix; otherwise every holder (the key itself is bad).
func oddHolders(l *pairing.Link, holders, failing []*store.Node) []*store.Node {
	if len(holders) == 0 {
		return failing
	}
	byFP := map[string][]*store.Node{}
	for _, h := range holders {
		e, _ := pairing.KeystoreEntry(h, "cluster.remote."+l.Alias+".credentials")
		byFP[e.Fingerprint] = append(byFP[e.Fingerprint], h)
	}
	if len(byFP) < 2 || len(failing) == 0 {
		return holders
	}
	bad := map[string]bool{}
	for _, f := range failing {
		e, _ := pairing.KeystoreEntry(f, "cluster.remote."+l.Alias+".credentials")
		bad[e.Fingerprint] = true
	}
	var out []*store.Node
	for fp, ns := range byFP {
		if bad[fp] {
			out = append(out, ns...)
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Key.Node < out[j].Key.Node })
	return out
}
