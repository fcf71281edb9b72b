package rules

import (
	"fmt"
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
		holders := map[string][]*store.Node{} // client name → nodes holding keys
		for _, n := range v.Cluster(cluster) {
			if n.Snapshot == nil || n.Snapshot.Keystore == nil || !n.Snapshot.Keystore.Opened {
				continue
			}
			known = append(known, n)
			seen := map[string]bool{}
			for _, e := range n.Snapshot.Keystore.Entries {
				client, ok := s3Client(e.Name)
				if ok && !seen[client] {
					seen[client] = true
					holders[client] = append(holders[client], n)
				}
			}
		}
		var symptoms []nodeAgg
		for _, n := range v.Cluster(cluster) {
			for _, a := range v.Symptoms(n, "s3-invalid-access-key", "s3-signature-mismatch") {
				symptoms = append(symptoms, nodeAgg{n, a})
			}
		}
		clients := make([]string, 0, len(holders))
		for c := range holders {
			clients = append(clients, c)
		}
		sort.Strings(clients)
		for _, client := range clients {
			hs := holders[client]
			partial := len(hs) < len(known)
			if !partial && len(symptoms) == 0 {
				continue
			}
			if !partial && len(known) < 2 && len(symptoms) == 0 {
				continue
			}
			prefix := "s3.client." + client + "."
			f := Finding{Code: catalog.S3StaleKeystoreCredentials, Key: client, Clusters: []string{cluster},
				Claims: []string{"keystore:" + prefix + "access_key", "keystore:" + prefix + "secret_key"},
				Facts:  map[string]any{"client": client, "nodes_with_keys": nodeNames(hs), "nodes_total": len(known)}}
			for _, x := range symptoms {
				f.Evidence = append(f.Evidence, symptomEvidence(diagnosis.SideLocal, x.n, x.a))
				f.Nodes = append(f.Nodes, ref(x.n))
			}
			for _, n := range hs {
				f.Evidence = append(f.Evidence, configEvidence(n, fmt.Sprintf("%s holds %saccess_key/secret_key in its keystore", n.Key.Node, prefix)))
			}
			if partial {
				var without []string
				for _, n := range known {
					if !contains(hs, n) {
						without = append(without, n.Key.Node)
					}
				}
				f.Facts["nodes_without_keys"] = without
				f.Detail = fmt.Sprintf("%s hold S3 keys in the keystore while %s do not (IAM role).", strings.Join(nodeNames(hs), ", "), strings.Join(without, ", "))
				if len(symptoms) == 0 {
					f.Severity = catalog.Warning
				}
			}
			f.Fix = diagnosis.Fix{
				Summary:  fmt.Sprintf("Remove the stale S3 keys from the keystore of %s and restart them (the IAM role is used when no keys are set).", strings.Join(nodeNames(hs), ", ")),
				Commands: []string{"bin/elasticsearch-keystore remove " + prefix + "access_key", "bin/elasticsearch-keystore remove " + prefix + "secret_key", "restart the node"},
				Nodes:    refs(hs),
			}
			r.Report(f)
		}
	}
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
