package rules

import (
	"fmt"
	"regexp"
	"sort"
	"strings"

	"github.com/esdoctor/esdoctor/aggregator/pairing"
	"github.com/esdoctor/esdoctor/aggregator/store"
	"github.com/esdoctor/esdoctor/shared/catalog"
	"github.com/esdoctor/esdoctor/shared/diagnosis"
	"github.com/esdoctor/esdoctor/shared/event"
)

// S3StaleKeystoreCredentials: S3 rejects the access key while some nodes
// hold s3.client.<name> keys in their keystore and the others rely on the
// IAM role (seed 004).
type S3StaleKeystoreCredentials struct{}

var _ Rule = S3StaleKeystoreCredentials{}

func (S3StaleKeystoreCredentials) Meta() Meta {
	return Meta{Code: catalog.S3StaleKeystoreCredentials, Description: "s3.client keys in the keystore of only some nodes",
		Inputs: []event.Kind{event.KindSnapshot, event.KindSymptom}}
}

func (S3StaleKeystoreCredentials) Evaluate(v *pairing.View, r *Reporter) {
	for _, cluster := range v.Clusters() {
		var known []*store.Node
		holders := map[string][]*store.Node{} // client name -> nodes holding keys
		keyFP := map[string]map[store.NodeKey]string{}
		clientSet := map[string]bool{}
		for _, n := range v.Cluster(cluster) {
			if n.Snapshot == nil {
				continue
			}
			for k := range n.Snapshot.Settings {
				if c, ok := s3SettingClient(k); ok {
					clientSet[c] = true
				}
			}
			if n.Snapshot.Keystore == nil || !n.Snapshot.Keystore.Opened {
				continue
			}
			known = append(known, n)
			seen := map[string]bool{}
			for _, e := range n.Snapshot.Keystore.Entries {
				client, ok := s3Client(e.Name)
				if !ok {
					continue
				}
				clientSet[client] = true
				if !seen[client] {
					seen[client] = true
					holders[client] = append(holders[client], n)
				}
				if keyFP[client] == nil {
					keyFP[client] = map[store.NodeKey]string{}
				}
				if strings.HasSuffix(e.Name, ".access_key") || strings.HasSuffix(e.Name, ".secret_key") {
					keyFP[client][n.Key] += e.Name[strings.LastIndexByte(e.Name, '.')+1:] + "=" + e.Fingerprint + ";"
				}
			}
		}
		var symptoms []nodeAgg
		for _, n := range v.Cluster(cluster) {
			for _, a := range v.Symptoms(n, "s3-invalid-access-key", "s3-signature-mismatch") {
				symptoms = append(symptoms, nodeAgg{n, a})
			}
		}
		// The node that failed: RemoteTransportException [[node][ip:port][action]]
		// names it when the request ran elsewhere; else the node that logged.
		failing := map[store.NodeKey]*store.Node{}
		repo := ""
		for _, x := range symptoms {
			fn := failingNodeOf(v, cluster, x)
			failing[fn.Key] = fn
			if m := reSnapshotRepo.FindStringSubmatch(x.a.Last.Fields["request_path"] + " " + x.a.Last.Text); m != nil && repo == "" {
				repo = m[1]
			}
		}
		if repo == "" {
			repo = "<repository>"
		}
		clients := make([]string, 0, len(clientSet))
		for c := range clientSet {
			clients = append(clients, c)
		}
		sort.Strings(clients)
		for _, client := range clients {
			s3Finding(v, r, cluster, client, known, holders[client], keyFP[client], symptoms, failing, repo)
		}
	}
}

var reSnapshotRepo = regexp.MustCompile(`/_snapshot/([^/\s,?]+)`)

// failingNodeOf resolves the node a symptom's RemoteTransportException
// names, in the same cluster (by name, then by address).
func failingNodeOf(v *pairing.View, cluster string, x nodeAgg) *store.Node {
	name := x.a.Last.Fields["remote_node"]
	for _, n := range v.Cluster(cluster) {
		if name != "" && n.Key.Node == name {
			return n
		}
	}
	if addr := x.a.Last.Fields["address"]; addr != "" {
		for _, m := range v.Resolve(addr, "") {
			if m.Node.Key.Cluster == cluster {
				return m.Node
			}
		}
	}
	return x.n
}

// s3Finding: one client of one cluster (seed 004). The keyed fingerprints
// of s3.client.<client>.access_key/secret_key are compared across nodes:
//   - some nodes hold keys, the others none (the IAM role): the key holders
//     are stale, remove their keys;
//   - every node holds keys but one group's differ (an old key left on one
//     node, the field report's case): only that group, the one the failing
//     node belongs to (else the minority), needs the current key;
//   - every node holds the same key and S3 rejects it: the key itself.
//
// s3.client.<client>.region / endpoint differing across nodes is flagged too.
// The fix ends with POST _snapshot/<repo>/_verify.
func s3Finding(v *pairing.View, r *Reporter, cluster, client string, known, hs []*store.Node, fps map[store.NodeKey]string,
	symptoms []nodeAgg, failing map[store.NodeKey]*store.Node, repo string) {
	prefix := "s3.client." + client + "."
	drift := map[string][]*store.Node{} // setting -> odd nodes
	var driftEv []diagnosis.Evidence
	for _, key := range []string{prefix + "region", prefix + "endpoint"} {
		groups := map[string][]*store.Node{}
		for _, n := range v.Cluster(cluster) {
			if n.Snapshot == nil {
				continue
			}
			groups[pairing.SettingValue(n, key)] = append(groups[pairing.SettingValue(n, key)], n)
		}
		if len(groups) < 2 {
			continue
		}
		maj := majorityValue(groups)
		for val, ns := range groups {
			for _, n := range ns {
				driftEv = append(driftEv, configEvidence(n, fmt.Sprintf("%s = %s on %s", key, display(val), n.Key.Node)))
			}
			if val != maj {
				drift[key] = append(drift[key], ns...)
			}
		}
	}
	if len(hs) == 0 && len(drift) == 0 {
		return
	}
	partial := len(hs) > 0 && len(hs) < len(known)
	byFP := map[string][]*store.Node{}
	for _, n := range hs {
		byFP[fps[n.Key]] = append(byFP[fps[n.Key]], n)
	}
	var fix []*store.Node
	var summary string
	var cmds []string
	switch {
	case partial:
		fix = hs
		summary = fmt.Sprintf("Remove the stale S3 keys from the keystore of %s (the IAM role is used when no keys are set), then reload secure settings or restart them.", strings.Join(nodeNames(hs), ", "))
		cmds = []string{"bin/elasticsearch-keystore remove " + prefix + "access_key", "bin/elasticsearch-keystore remove " + prefix + "secret_key", "POST _nodes/reload_secure_settings (or restart the node)"}
	case len(byFP) > 1:
		// Every node holds keys, and they differ.
		for _, ns := range byFP {
			bad := false
			for _, n := range ns {
				if failing[n.Key] != nil {
					bad = true
				}
			}
			if bad {
				fix = append(fix, ns...)
			}
		}
		if len(fix) == 0 {
			groups := map[string][]*store.Node{}
			for fp, ns := range byFP {
				groups[fp] = ns
			}
			maj := majorityValue(groups)
			for fp, ns := range byFP {
				if fp != maj {
					fix = append(fix, ns...)
				}
			}
		}
		sort.Slice(fix, func(i, j int) bool { return fix[i].Key.Node < fix[j].Key.Node })
		summary = fmt.Sprintf("%s hold(s) a different %saccess_key/secret_key than the other nodes (keyed fingerprints differ): replace it with the current key there (or remove both to use the IAM role), then reload secure settings.", strings.Join(nodeNames(fix), ", "), prefix)
		cmds = []string{"bin/elasticsearch-keystore add --force " + prefix + "access_key", "bin/elasticsearch-keystore add --force " + prefix + "secret_key", "POST _nodes/reload_secure_settings"}
	case len(hs) > 0 && len(symptoms) > 0:
		fix = hs
		summary = fmt.Sprintf("S3 rejects the %saccess_key every node holds: replace it on every node (or remove it to use the IAM role), then reload secure settings.", prefix)
		cmds = []string{"bin/elasticsearch-keystore add --force " + prefix + "access_key", "bin/elasticsearch-keystore add --force " + prefix + "secret_key", "POST _nodes/reload_secure_settings"}
	}
	if len(fix) == 0 && len(drift) == 0 {
		return
	}
	f := Finding{Code: catalog.S3StaleKeystoreCredentials, Key: client, Clusters: []string{cluster},
		Claims: []string{"keystore:" + prefix + "access_key", "keystore:" + prefix + "secret_key"},
		Facts:  map[string]any{"client": client, "nodes_with_keys": nodeNames(hs), "nodes_total": len(known), "repository": repo}}
	for _, x := range symptoms {
		f.Evidence = append(f.Evidence, symptomEvidence(diagnosis.SideLocal, x.n, x.a))
		f.Nodes = append(f.Nodes, ref(x.n))
	}
	var failed []string
	for _, n := range failing {
		failed = append(failed, n.Key.Node)
	}
	sort.Strings(failed)
	if len(failed) > 0 {
		f.Facts["failing_nodes"] = failed
		for _, name := range failed {
			holds := false
			for _, h := range hs {
				holds = holds || h.Key.Node == name
			}
			if holds {
				f.Evidence = append(f.Evidence, configEvidence(failing[keyOf(failing, name)], fmt.Sprintf("the failing node %s holds %saccess_key in its keystore (fingerprint %s)", name, prefix, shortFP(fps[keyOf(failing, name)]))))
			} else {
				f.Evidence = append(f.Evidence, configEvidence(failing[keyOf(failing, name)], fmt.Sprintf("the failing node %s holds no %s keys (it uses the IAM role or the environment)", name, prefix)))
			}
		}
	}
	for _, n := range hs {
		f.Evidence = append(f.Evidence, configEvidence(n, fmt.Sprintf("%s holds %saccess_key/secret_key in its keystore (fingerprint %s)", n.Key.Node, prefix, shortFP(fps[n.Key]))))
	}
	f.Evidence = append(f.Evidence, driftEv...)
	if partial {
		var without []string
		for _, n := range known {
			if !contains(hs, n) {
				without = append(without, n.Key.Node)
			}
		}
		f.Facts["nodes_without_keys"] = without
		f.Detail = fmt.Sprintf("%s hold S3 keys in the keystore while %s do not (IAM role).", strings.Join(nodeNames(hs), ", "), strings.Join(without, ", "))
	}
	if len(drift) > 0 {
		settings := map[string]string{}
		var parts []string
		keys := make([]string, 0, len(drift))
		for k := range drift {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			settings[k] = "<the value the other nodes use>"
			parts = append(parts, fmt.Sprintf("%s differs on %s", k, strings.Join(nodeNames(dedupNodes(drift[k])), ", ")))
			fix = append(fix, drift[k]...)
		}
		f.Facts["drift"] = parts
		if summary == "" {
			summary = strings.Join(parts, "; ") + ": set the same value on every node (elasticsearch.yml), then restart them."
			cmds = []string{"edit elasticsearch.yml", "restart the node"}
		} else {
			summary += " Also: " + strings.Join(parts, "; ") + "."
		}
		f.Fix.Settings = settings
	}
	if len(symptoms) == 0 {
		f.Severity = catalog.Warning
	}
	f.Fix.Summary = summary + fmt.Sprintf(" Then check the repository from every node: POST _snapshot/%s/_verify.", repo)
	f.Fix.Commands = append(cmds, "POST _snapshot/"+repo+"/_verify")
	f.Fix.Nodes = refs(dedupNodes(fix))
	r.Report(f)
}

func keyOf(m map[store.NodeKey]*store.Node, name string) store.NodeKey {
	for k := range m {
		if k.Node == name {
			return k
		}
	}
	return store.NodeKey{}
}

// shortFP shortens "access_key=hmac-sha256:abcdef...;" for display.
func shortFP(s string) string {
	i := strings.Index(s, "access_key=")
	if i < 0 {
		return "unknown"
	}
	fp := s[i+len("access_key="):]
	if j := strings.IndexByte(fp, ';'); j >= 0 {
		fp = fp[:j]
	}
	if k := strings.IndexByte(fp, ':'); k >= 0 && len(fp) > k+13 {
		fp = fp[:k+13]
	}
	return fp
}

// s3SettingClient: the client of an s3.client.<client>.region/endpoint setting.
func s3SettingClient(key string) (string, bool) {
	rest, ok := strings.CutPrefix(key, "s3.client.")
	if !ok {
		return "", false
	}
	for _, suf := range []string{".region", ".endpoint"} {
		if c, ok := strings.CutSuffix(rest, suf); ok && c != "" && !strings.Contains(c, ".") {
			return c, true
		}
	}
	return "", false
}

func s3Client(name string) (string, bool) {
	rest, ok := strings.CutPrefix(name, "s3.client.")
	if !ok {
		return "", false
	}
	for _, suf := range []string{".access_key", ".secret_key", ".session_token"} {
		if c, ok := strings.CutSuffix(rest, suf); ok && c != "" {
			return c, true
		}
	}
	return "", false
}

func contains(ns []*store.Node, n *store.Node) bool {
	for _, x := range ns {
		if x == n {
			return true
		}
	}
	return false
}
