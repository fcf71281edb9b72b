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

// TLSHostnameMismatch: the remote's certificate does not name the host the
// local cluster connects to (verification_mode full).
type TLSHostnameMismatch struct{}

var _ Rule = TLSHostnameMismatch{}

func (TLSHostnameMismatch) Meta() Meta {
	return Meta{Code: catalog.TLSHostnameMismatch, Description: "seed/proxy host not among the SANs of the remote certificate",
		Inputs: []event.Kind{event.KindSnapshot, event.KindSymptom, event.KindProbe}}
}

func (TLSHostnameMismatch) Evaluate(v *pairing.View, r *Reporter) {
	defer reportProbeFindings(v, r, catalog.TLSHostnameMismatch)
	type acc struct {
		local, alias, remote string
		link                 *pairing.Link
		ev                   []diagnosis.Evidence
		nodes                []*store.Node
		fix                  []*store.Node
		hosts                []string
	}
	accs := map[string]*acc{}
	var order []string
	get := func(local, alias string, l *pairing.Link) *acc {
		k := local + "\x00" + alias
		if a := accs[k]; a != nil {
			return a
		}
		a := &acc{local: local, alias: alias, link: l}
		if l != nil {
			a.remote = l.Remote
		}
		accs[k] = a
		order = append(order, k)
		return a
	}
	for _, tf := range trustFailures(v, "tls-hostname-mismatch", "tls-trust-failure") {
		if tf.a.Code == "tls-trust-failure" && tf.a.Last.Fields["reason"] != "hostname-mismatch" {
			continue
		}
		alias := ""
		if tf.link != nil {
			alias = tf.link.Alias
		}
		a := get(tf.n.Key.Cluster, alias, tf.link)
		a.ev = append(a.ev, symptomEvidence(diagnosis.SideLocal, tf.n, tf.a))
		a.nodes = append(a.nodes, tf.n)
		if h := tf.a.Last.Fields["server_address"]; h != "" {
			a.hosts = append(a.hosts, h)
		}
		for _, rn := range tf.remotes {
			a.fix = append(a.fix, rn)
			if a.remote == "" {
				a.remote = rn.Key.Cluster
			}
		}
	}
	// Configuration: every seed host against the SANs of the node it reaches.
	for _, l := range v.Links() {
		if l.Remote == "" {
			continue
		}
		ctx, serverCtx, port := ctxClient, ctxServer, "remote_cluster"
		if !l.APIKeyModel() {
			ctx, serverCtx, port = ctxTransport, ctxTransport, "transport"
		}
		verifying := false
		for _, ln := range v.Cluster(l.Local) {
			if ln.Snapshot != nil && sslEnabled(ln, ctx) && verificationMode(ln, ctx) == "full" {
				verifying = true
			}
		}
		if !verifying {
			continue
		}
		for _, t := range l.Targets {
			host, _ := pairing.SplitHostPort(t.Addr)
			name := host
			if l.Mode == "proxy" {
				for _, d := range l.Defs {
					if d.ServerName != "" {
						name = d.ServerName
					}
				}
			}
			for _, m := range t.Matches {
				if m.Port != port || m.Node.Key.Cluster != l.Remote {
					continue
				}
				c, file, ok := serverCert(m.Node, serverCtx)
				if !ok || matchesHost(c, name) {
					continue
				}
				a := get(l.Local, l.Alias, l)
				a.fix = append(a.fix, m.Node)
				a.hosts = append(a.hosts, name)
				a.ev = append(a.ev, configEvidence(m.Node, fmt.Sprintf("%s connects to %s as %q but %s's certificate [%s] (%s) has SANs [%s]",
					l.Local, t.Addr, name, m.Node.Key.Node, c.Subject, file.Path, strings.Join(c.SANs, ","))))
			}
		}
	}
	for _, k := range order {
		a := accs[k]
		f := Finding{Code: catalog.TLSHostnameMismatch, Key: a.alias, Clusters: clusters(a.local, a.remote), Alias: a.alias,
			Evidence: a.ev, Nodes: refs(a.nodes), Absorbs: []catalog.Code{catalog.TLSUntrustedCA, catalog.ConnectionUnreliable},
			Facts: map[string]any{"hosts": uniq(a.hosts)}}
		fix := dedupNodes(a.fix)
		if len(fix) == 0 {
			fix = dedupNodes(a.nodes)
		}
		f.Fix = diagnosis.Fix{
			Summary: fmt.Sprintf("Issue the remote nodes named a certificate whose subject alternative names include %s, or change cluster.remote.%s to a name the certificate holds.",
				strings.Join(uniq(a.hosts), ", "), a.alias),
			Commands: []string{"bin/elasticsearch-certutil cert --ca ... --dns <name> --ip <address>", "install the certificate on the node and restart it"},
			Nodes:    refs(fix),
		}
		r.Report(f)
	}
}

func dedupNodes(ns []*store.Node) []*store.Node {
	seen := map[store.NodeKey]bool{}
	var out []*store.Node
	for _, n := range ns {
		if !seen[n.Key] {
			seen[n.Key] = true
			out = append(out, n)
		}
	}
	return out
}
