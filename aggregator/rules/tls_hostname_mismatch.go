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
		published            bool // a host is a sniffed node's published address
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
		checked := map[string]bool{} // node + name already compared
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
				checked[m.Node.Key.String()+"\x00"+strings.ToLower(name)] = true
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
		// Sniff mode: after the seeds, the connection opens to every node it
		// discovers at that node's published address (remote cluster port in
		// the API-key model, transport port in the certificate model), and
		// verifies the certificate against that host.
		if linkMode(l) == "proxy" {
			continue
		}
		for _, n := range contactedNodes(v, l) {
			name := publishHost(n, port)
			if name == "" || checked[n.Key.String()+"\x00"+strings.ToLower(name)] {
				continue
			}
			checked[n.Key.String()+"\x00"+strings.ToLower(name)] = true
			c, file, ok := serverCert(n, serverCtx)
			if !ok || matchesHost(c, name) {
				continue
			}
			a := get(l.Local, l.Alias, l)
			a.fix = append(a.fix, n)
			a.hosts = append(a.hosts, name)
			a.published = true
			a.ev = append(a.ev, configEvidence(n, fmt.Sprintf("%s's connection %s (sniff) reaches %s at its published address %s but its certificate [%s] (%s) has SANs [%s]",
				l.Local, l.Alias, n.Key.Node, name, c.Subject, file.Path, strings.Join(c.SANs, ","))))
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
		summary := fmt.Sprintf("Issue the remote nodes named a certificate whose subject alternative names include %s, or change cluster.remote.%s to a name the certificate holds.",
			strings.Join(uniq(a.hosts), ", "), a.alias)
		if a.published {
			summary = fmt.Sprintf("Issue the remote nodes named a certificate whose subject alternative names include %s (in sniff mode the connection reaches every node at the address it publishes), or publish a name the certificate holds (remote_cluster.publish_host; transport.publish_host in the certificate model).",
				strings.Join(uniq(a.hosts), ", "))
		}
		f.Fix = diagnosis.Fix{
			Summary:  summary,
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

// publishHost is the host a node publishes for a port kind ("transport" or
// "remote_cluster"), as other clusters' sniff connections reach it: the
// address its log announced, else remote_cluster.publish_host →
// remote_cluster.host → transport.publish_host → transport.host →
// network.publish_host → network.host. "" when only a special value
// (_site_, 0.0.0.0, ...) or a loopback name is known.
func publishHost(n *store.Node, port string) string {
	usable := func(h string) string {
		if strings.HasPrefix(h, "_") || strings.HasPrefix(h, "${") || h == "0.0.0.0" || h == "::" || pairing.IsLoopbackName(h) {
			return "" // unknown, or loopback (remote-server-bound-to-loopback's case)
		}
		return h
	}
	if n.Snapshot != nil {
		for _, a := range n.Snapshot.Addresses {
			if a.Source == "log" && a.Profile == port && a.Host != "" {
				return usable(a.Host)
			}
		}
	}
	for _, a := range n.Symptoms {
		if a.Code != "publish-address" {
			continue
		}
		prof := a.Last.Fields["profile"]
		if (port == "remote_cluster") == (prof == "_remote_cluster" || prof == "remote_cluster") && prof != "http" {
			if h, _ := pairing.SplitHostPort(a.Last.Fields["publish_address"]); h != "" {
				return usable(h)
			}
		}
	}
	keys := []string{"transport.publish_host", "transport.host", "network.publish_host", "network.host"}
	if port == "remote_cluster" {
		keys = append([]string{"remote_cluster.publish_host", "remote_cluster.host"}, keys...)
	}
	for _, k := range keys {
		s, ok := pairing.Setting(n, k)
		if !ok || s.Default || s.Value == "" {
			continue
		}
		h := s.Value
		if len(s.Values) > 0 {
			h = s.Values[0]
		}
		return usable(strings.TrimSpace(strings.Split(h, ",")[0]))
	}
	return ""
}
