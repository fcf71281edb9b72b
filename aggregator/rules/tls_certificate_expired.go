package rules

import (
	"fmt"
	"strings"

	"github.com/esdoctor/esdoctor/aggregator/pairing"
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
	// Every node's own certificates: [cluster], unless a handshake failure
	// above is about the same certificate (then it is that diagnosis).
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
			f := Finding{Code: catalog.TLSCertificateExpired, Key: n.Key.Node + "|" + p.Facts["sha1"] + "|" + p.File, Severity: catalog.Severity(p.Severity),
				Clusters: []string{n.Key.Cluster}, Nodes: []diagnosis.NodeRef{ref(n)},
				Evidence: []diagnosis.Evidence{configEvidence(n, p.Message)},
				Facts:    map[string]any{"subject": p.Facts["subject"], "not_after": p.Facts["not_after"], "path": p.File, "setting": p.Setting},
				Fix: diagnosis.Fix{Summary: fmt.Sprintf("Renew the certificate [%s] in %s on %s and restart the node.", p.Facts["subject"], p.File, n.Key.Node),
					Commands: []string{"bin/elasticsearch-certutil cert --ca ... (or your CA's process)", "replace " + p.File, "restart the node"},
					Nodes:    []diagnosis.NodeRef{ref(n)}}}
			r.Report(f)
		}
	}
	for _, f := range handshakes {
		r.Report(*f)
	}
}
