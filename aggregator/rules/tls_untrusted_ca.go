package rules

import (
	"fmt"
	"path/filepath"
	"strings"

	"github.com/esdoctor/esdoctor/aggregator/pairing"
	"github.com/esdoctor/esdoctor/aggregator/store"
	"github.com/esdoctor/esdoctor/shared/catalog"
	"github.com/esdoctor/esdoctor/shared/diagnosis"
	"github.com/esdoctor/esdoctor/shared/event"
)

// TLSUntrustedCA: the local ssl context does not trust the issuer of the
// certificate the remote cluster presents.
type TLSUntrustedCA struct{}

var _ Rule = TLSUntrustedCA{}

func (TLSUntrustedCA) Meta() Meta {
	return Meta{Code: catalog.TLSUntrustedCA, Description: "local trust failure paired with the remote's 'client did not trust', explained by CA files vs the issuer",
		Inputs: []event.Kind{event.KindSnapshot, event.KindSymptom, event.KindProbe}}
}

func (TLSUntrustedCA) Evaluate(v *pairing.View, r *Reporter) {
	defer reportProbeFindings(v, r, catalog.TLSUntrustedCA)
	type acc struct {
		link     *pairing.Link
		local    string
		alias    string
		ctx      string
		ev       []diagnosis.Evidence
		symNodes []*store.Node
	}
	accs := map[string]*acc{}
	var order []string
	get := func(local, alias, ctx string, l *pairing.Link) *acc {
		k := local + "\x00" + alias
		a := accs[k]
		if a == nil {
			a = &acc{link: l, local: local, alias: alias, ctx: ctx}
			accs[k] = a
			order = append(order, k)
		}
		if a.ctx == "" {
			a.ctx = ctx
		}
		return a
	}
	for _, tf := range trustFailures(v) {
		if tf.a.Last.Fields["reason"] == "hostname-mismatch" || tf.a.Last.Fields["reason"] == "expired" {
			continue
		}
		if tf.presented == "transport" && tf.ctx == ctxClient {
			continue // transport-port-instead-of-remote-cluster-port
		}
		if tf.presented == "remote_cluster" && tf.ctx == ctxTransport {
			continue // missing-cross-cluster-credentials
		}
		alias := ""
		ctx := tf.ctx
		if tf.link != nil {
			alias = tf.link.Alias
			if ctx != ctxClient && ctx != ctxTransport {
				// 8.10's "(shared)" context, or another name: the model decides.
				ctx = ctxTransport
				if tf.link.APIKeyModel() {
					ctx = ctxClient
				}
			}
		}
		a := get(tf.n.Key.Cluster, alias, ctx, tf.link)
		a.ev = append(a.ev, symptomEvidence(diagnosis.SideLocal, tf.n, tf.a))
		a.symNodes = append(a.symNodes, tf.n)
	}
	// Config prediction for every link.
	for _, l := range v.Links() {
		if l.Remote == "" {
			continue
		}
		ctx, serverCtx := ctxClient, ctxServer
		if !l.APIKeyModel() {
			if len(targetNodesAt(l, "transport")) == 0 {
				continue
			}
			ctx, serverCtx = ctxTransport, ctxTransport
		}
		if l.APIKeyModel() && len(targetNodesAt(l, "transport")) > 0 && len(targetNodesAt(l, "remote_cluster")) == 0 {
			continue // wrong port: another rule
		}
		if _, ok := untrustingLocals(v, l, ctx, serverCtx); ok {
			get(l.Local, l.Alias, ctx, l)
		}
	}
	for _, k := range order {
		a := accs[k]
		l := a.link
		f := Finding{Code: catalog.TLSUntrustedCA, Key: a.alias, Alias: a.alias, Evidence: a.ev, Facts: map[string]any{},
			Absorbs:    []catalog.Code{catalog.ConnectionUnreliable},
			AbsorbKeys: []string{string(catalog.APIKeyPrerequisites) + "|xpack.security.remote_cluster_client.ssl.certificate_authorities"}}
		ctx := a.ctx
		if ctx == "" {
			ctx = ctxClient
		}
		serverCtx := ctxServer
		if ctx == ctxTransport {
			serverCtx = ctxTransport
		}
		f.Nodes = refs(a.symNodes)
		remote := ""
		var fixNodes []*store.Node
		if l != nil && l.Remote != "" {
			remote = l.Remote
			if bad, ok := untrustingLocals(v, l, ctx, serverCtx); ok {
				fixNodes = bad
			}
			// The remote side: "client did not trust this server's certificate".
			profile := "_remote_cluster"
			if ctx == ctxTransport {
				profile = "default"
			}
			for _, x := range remoteSymptomsFrom(v, l.Remote, v.Cluster(l.Local), profile, "client-did-not-trust-server-cert") {
				f.Evidence = append(f.Evidence, symptomEvidence(diagnosis.SideRemote, x.n, x.a))
				f.Nodes = append(f.Nodes, ref(x.n))
			}
			caFile := ""
			for _, rn := range v.Cluster(l.Remote) {
				c, file, ok := serverCert(rn, serverCtx)
				if !ok {
					continue
				}
				f.Facts["remote_certificate_subject"] = c.Subject
				f.Facts["remote_certificate_issuer"] = c.Issuer
				if c.IssuerSHA1 != "" {
					f.Facts["remote_issuer_sha1"] = c.IssuerSHA1
				}
				f.Evidence = append(f.Evidence, configEvidence(rn, fmt.Sprintf("%s presents [%s] issued by [%s] (%s = %s)", rn.Key.Node, c.Subject, c.Issuer, file.Setting, file.Path)))
				if caFile == "" {
					caFile = caFileFor(rn, c.Issuer)
				}
				break
			}
			for _, ln := range fixNodes {
				ts := trustOf(ln, ctx)
				f.Evidence = append(f.Evidence, configEvidence(ln, fmt.Sprintf("%s.ssl trusts %s", ctx, ts.describe())))
			}
			if caFile == "" {
				caFile = "<the CA certificate that signed the remote cluster's certificate>"
			}
			f.Fix.Settings = map[string]string{ctx + ".ssl.certificate_authorities": "[ \"" + caFile + "\" ]"}
		}
		if len(fixNodes) == 0 {
			fixNodes = a.symNodes
		}
		f.Clusters = clusters(a.local, remote)
		f.Claims = []string{ctx + ".ssl.certificate_authorities"}
		f.Fix.Summary = fmt.Sprintf("Add the remote cluster's CA to %s.ssl.certificate_authorities on the local nodes named, then restart them.", ctx)
		f.Fix.Commands = []string{"copy the CA file into the config dir of each node named", "restart the node (ssl settings in elasticsearch.yml are static)"}
		f.Fix.Nodes = refs(fixNodes)
		r.Report(f)
	}
}

// untrustingLocals returns the local nodes whose context does not trust
// the remote's server certificate; ok is false when nothing can be said
// (no remote certificate known, or local trust unreadable, or
// verification_mode none).
func untrustingLocals(v *pairing.View, l *pairing.Link, ctx, serverCtx string) ([]*store.Node, bool) {
	var chains [][]event.Cert
	for _, rn := range v.Cluster(l.Remote) {
		if ch := serverChain(rn, serverCtx); len(ch) > 0 {
			chains = append(chains, ch)
		}
	}
	if len(chains) == 0 {
		return nil, false
	}
	var bad []*store.Node
	for _, ln := range v.Cluster(l.Local) {
		if ln.Snapshot == nil || verificationMode(ln, ctx) == "none" || !sslEnabled(ln, ctx) {
			continue
		}
		if ctx == ctxClient {
			if _, has := pairing.KeystoreEntry(ln, "cluster.remote."+l.Alias+".credentials"); !has {
				continue // this node does not use the API-key model for the alias
			}
		}
		ts := trustOf(ln, ctx)
		if !ts.Known || ts.JDK {
			// Unknown trust says nothing; JDK-only trust (no CA configured)
			// is the api-key-prerequisites finding, unless logs show the failure.
			continue
		}
		for _, ch := range chains {
			if !ts.trustsChain(ch) {
				bad = append(bad, ln)
				break
			}
		}
	}
	return bad, len(bad) > 0
}

// caFileFor finds a file on the node that holds the CA with that subject.
func caFileFor(n *store.Node, issuer string) string {
	if n.Snapshot == nil {
		return ""
	}
	for _, f := range n.Snapshot.Certificates {
		for _, c := range f.Certificates {
			if c.IsCA && c.Subject == issuer {
				if f.Format == "PEM" {
					return filepath.Base(f.Path)
				}
				return strings.TrimSuffix(filepath.Base(f.Path), filepath.Ext(f.Path)) + "-ca.crt (export [" + issuer + "] from " + filepath.Base(f.Path) + ")"
			}
		}
	}
	return ""
}
