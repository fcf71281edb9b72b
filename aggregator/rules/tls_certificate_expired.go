package rules

import (
	"fmt"
	"strings"

	"github.com/esdoctor/esdoctor/aggregator/pairing"
	"github.com/esdoctor/esdoctor/aggregator/store"
	"github.com/esdoctor/esdoctor/shared/catalog"
	"github.com/esdoctor/esdoctor/shared/diagnosis"
	"github.com/esdoctor/esdoctor/shared/event"
)

// TLSCertificateExpired: expired certificates (from a node's own snapshot or
// a local trust failure on an expired remote certificate), and certificates
// within 30 days of expiry as a warning.
type TLSCertificateExpired struct{}

var _ Rule = TLSCertificateExpired{}

func (TLSCertificateExpired) Meta() Meta {
	return Meta{Code: catalog.TLSCertificateExpired, Description: "expired or soon expiring certificates",
		Inputs: []event.Kind{event.KindSnapshot, event.KindSymptom, event.KindProbe}}
}

func (TLSCertificateExpired) Evaluate(v *pairing.View, r *Reporter) {
	defer reportProbeFindings(v, r, catalog.TLSCertificateExpired)
	// Handshake failures on an expired remote certificate: [local, remote].
	byFP := map[string]*Finding{}
	var handshakes []*Finding
	for _, tf := range trustFailures(v, "tls-certificate-expired", "tls-trust-failure") {
		if tf.a.Code == "tls-trust-failure" && tf.a.Last.Fields["reason"] != "expired" {
			continue
		}
		alias, remote := "", ""
		if tf.link != nil {
			alias, remote = tf.link.Alias, tf.link.Remote
		}
		fp := strings.ToLower(tf.a.Last.Fields["fingerprint"])
		if f := byFP[fp]; f != nil && fp != "" && f.Alias == alias {
			f.Evidence = append(f.Evidence, symptomEvidence(diagnosis.SideLocal, tf.n, tf.a))
			f.Nodes = append(f.Nodes, ref(tf.n))
			continue
		}
		f := &Finding{Code: catalog.TLSCertificateExpired, Key: "cert|" + fp,
			Clusters: clusters(tf.n.Key.Cluster, remote), Alias: alias, Nodes: []diagnosis.NodeRef{ref(tf.n)},
			Evidence: []diagnosis.Evidence{symptomEvidence(diagnosis.SideLocal, tf.n, tf.a)},
			Absorbs:  []catalog.Code{catalog.TLSUntrustedCA, catalog.ConnectionUnreliable},
			Facts:    map[string]any{"subject": tf.a.Last.Fields["subject"], "not_after": tf.a.Last.Fields["not_after"], "sha1": fp}}
		fix := tf.remotes
		if len(fix) == 0 {
			fix = append(fix, tf.n)
		}
		f.Fix = diagnosis.Fix{Summary: fmt.Sprintf("Renew the certificate [%s] presented by the remote nodes named.", tf.a.Last.Fields["subject"]), Nodes: refs(fix)}
		if fp != "" {
			byFP[fp] = f
		}
		handshakes = append(handshakes, f)
	}
	// A remote node's own certificate that a connection presents to a
	// local cluster (the remote cluster server certificate in the API-key
	// model, the transport certificate in the certificate model) is a fault
	// of that connection, local -> remote (alias), for every local cluster
	// whose remote reaches the node, before any traffic is logged.
	type connAcc struct {
		l     *pairing.Link
		f     *Finding
		nodes map[string]bool
	}
	conns := map[string]*connAcc{}
	var connOrder []string
	connFor := func(n *store.Node, p event.Problem) bool {
		hit := false
		for _, l := range v.Links() {
			if l.Remote != n.Key.Cluster || l.Local == n.Key.Cluster {
				continue
			}
			apiKey := l.APIKeyModel() || len(targetNodesAt(l, "remote_cluster")) > 0
			presented := (apiKey && strings.HasPrefix(p.Setting, "xpack.security.remote_cluster_server.ssl")) ||
				(!apiKey && strings.HasPrefix(p.Setting, "xpack.security.transport.ssl") && !strings.Contains(p.Setting, "truststore") && !strings.Contains(p.Setting, "certificate_authorities"))
			if !presented || !containsNode(contactedNodes(v, l), n) {
				continue
			}
			hit = true
			k := l.Local + "\x00" + l.Alias + "\x00" + p.Severity
			ca := conns[k]
			if ca == nil {
				ca = &connAcc{l: l, nodes: map[string]bool{}, f: &Finding{Code: catalog.TLSCertificateExpired, Key: "conn|" + l.Alias + "|" + p.Severity, Severity: catalog.Severity(p.Severity),
					Clusters: clusters(l.Local, l.Remote), Alias: l.Alias, Absorbs: []catalog.Code{catalog.TLSUntrustedCA, catalog.ConnectionUnreliable},
					Facts: map[string]any{"subject": p.Facts["subject"], "not_after": p.Facts["not_after"], "path": p.File, "setting": p.Setting}}}
				conns[k] = ca
				connOrder = append(connOrder, k)
			}
			ca.f.Evidence = append(ca.f.Evidence, configEvidence(n, fmt.Sprintf("%s (presented to %s's connection %s)", p.Message, l.Local, l.Alias)))
			if !ca.nodes[n.Key.Node] {
				ca.nodes[n.Key.Node] = true
				ca.f.Fix.Nodes = append(ca.f.Fix.Nodes, ref(n))
			}
		}
		return hit
	}
	// Every node's own certificates: [cluster], unless a handshake failure
	// above is about the same certificate (then it is that diagnosis), or
	// a connection presents it (then it is that connection's fault).
	for _, n := range v.Nodes {
		if n.Snapshot == nil {
			continue
		}
		for _, p := range n.Snapshot.Problems {
			if p.Code != string(catalog.TLSCertificateExpired) {
				continue
			}
			if h := byFP[strings.ToLower(p.Facts["sha1"])]; h != nil {
				h.Evidence = append(h.Evidence, configEvidence(n, p.Message))
				h.Fix.Nodes = append(h.Fix.Nodes, ref(n))
				continue
			}
			if connFor(n, p) {
				continue
			}
			f := Finding{Code: catalog.TLSCertificateExpired, Key: n.Key.Node + "|" + p.Facts["sha1"] + "|" + p.File, Severity: catalog.Severity(p.Severity),
				Clusters: []string{n.Key.Cluster}, Nodes: []diagnosis.NodeRef{ref(n)},
				Evidence: []diagnosis.Evidence{configEvidence(n, p.Message)},
				Facts:    map[string]any{"subject": p.Facts["subject"], "not_after": p.Facts["not_after"], "path": p.File, "setting": p.Setting},
				Fix: diagnosis.Fix{Summary: fmt.Sprintf("Renew the certificate [%s] in %s on %s and replace the file in place (same name): ES reloads it within seconds, no restart needed.", p.Facts["subject"], p.File, n.Key.Node),
					Commands: []string{"bin/elasticsearch-certutil cert --ca ... (or your CA's process)", "replace " + p.File + " in place (same name, same password)"},
					Nodes:    []diagnosis.NodeRef{ref(n)}}}
			r.Report(f)
		}
	}
	for _, k := range connOrder {
		ca := conns[k]
		var names []string
		for _, nr := range ca.f.Fix.Nodes {
			names = append(names, nr.Node)
		}
		ca.f.Fix.Summary = fmt.Sprintf("%s's connection %s to %s reaches %s, whose certificate [%v] has expired or expires soon. Renew it and replace the file in place (same name): ES reloads it within seconds, no restart needed.",
			ca.l.Local, ca.l.Alias, ca.l.Remote, strings.Join(names, ", "), ca.f.Facts["subject"])
		ca.f.Fix.Commands = []string{"bin/elasticsearch-certutil cert --ca ... (or your CA's process)", fmt.Sprintf("replace %v in place on the nodes named (same name, same password)", ca.f.Facts["path"])}
		r.Report(*ca.f)
	}
	for _, f := range handshakes {
		f.Fix.Summary = strings.TrimSuffix(f.Fix.Summary, ".") + ", and replace the file in place (same name): ES reloads it within seconds."
		r.Report(*f)
	}
}

func containsNode(ns []*store.Node, n *store.Node) bool {
	for _, m := range ns {
		if m.Key == n.Key {
			return true
		}
	}
	return false
}
