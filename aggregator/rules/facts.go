package rules

import (
	"fmt"
	"net"
	"sort"
	"strings"

	"github.com/esdoctor/esdoctor/aggregator/pairing"
	"github.com/esdoctor/esdoctor/aggregator/store"
	"github.com/esdoctor/esdoctor/shared/event"
)

// TLS context prefixes.
const (
	ctxTransport = "xpack.security.transport"
	ctxServer    = "xpack.security.remote_cluster_server"
	ctxClient    = "xpack.security.remote_cluster_client"
)

// serverCert returns the certificate a node presents on a TLS context: the
// first non-CA certificate of its keystore.path or certificate file.
func serverCert(n *store.Node, ctx string) (event.Cert, event.CertFile, bool) {
	if n.Snapshot == nil {
		return event.Cert{}, event.CertFile{}, false
	}
	for _, want := range []string{ctx + ".ssl.keystore.path", ctx + ".ssl.certificate"} {
		for _, f := range n.Snapshot.Certificates {
			if f.Setting != want {
				continue
			}
			for _, c := range f.Certificates {
				if !c.IsCA {
					return c, f, true
				}
			}
			if len(f.Certificates) > 0 {
				return f.Certificates[0], f, true
			}
		}
	}
	return event.Cert{}, event.CertFile{}, false
}

// trustSet is what a node's TLS context trusts.
type trustSet struct {
	Known bool // the trust material could be read
	// JDK is true when the context has no CA files: only the JDK's public CAs.
	JDK   bool
	Certs []event.Cert
	Files []string
}

// trustOf reads the CA files / truststore of a context. ES 8 falls back to
// the keystore's CA entries when no truststore or CAs are given (a PKCS#12
// from certutil holds the CA as well).
func trustOf(n *store.Node, ctx string) trustSet {
	if n.Snapshot == nil {
		return trustSet{}
	}
	ts := trustSet{Known: true}
	for _, f := range n.Snapshot.Certificates {
		if f.Setting != ctx+".ssl.certificate_authorities" && f.Setting != ctx+".ssl.truststore.path" {
			continue
		}
		if len(f.Certificates) == 0 {
			// Unreadable, or a store whose password we do not know: what it
			// trusts is unknown, not "nothing".
			ts.Known = false
		}
		ts.Files = append(ts.Files, f.Path)
		for _, c := range f.Certificates {
			// A truststore's trusted entries are its CA certificates; a
			// PKCS#12 used as both keystore and truststore also holds the
			// node's own key entry, which Java does not use as a trust anchor.
			if f.Format == "PEM" || c.IsCA {
				ts.Certs = append(ts.Certs, c)
			}
		}
	}
	if len(ts.Files) == 0 {
		// No explicit trust: ES trusts the CA certificates in the keystore
		// (key material) of the same context, else the JDK's defaults.
		for _, f := range n.Snapshot.Certificates {
			if f.Setting == ctx+".ssl.keystore.path" {
				for _, c := range f.Certificates {
					if c.IsCA {
						ts.Certs = append(ts.Certs, c)
					}
				}
			}
		}
		if len(ts.Certs) == 0 {
			ts.JDK = true
		}
	}
	return ts
}

// trusts reports whether the trust set accepts a certificate: the issuer's
// subject is trusted (with the same fingerprint when it is known), or the
// certificate itself is.
func (ts trustSet) trusts(c event.Cert) bool {
	for _, t := range ts.Certs {
		if t.SHA1 == c.SHA1 {
			return true
		}
		if t.Subject == c.Issuer && (c.IssuerSHA1 == "" || c.IssuerSHA1 == t.SHA1) {
			return true
		}
	}
	return false
}

// trustsChain reports whether any certificate of the presented chain (leaf
// first, then its issuers found in the same file) is trusted.
func (ts trustSet) trustsChain(chain []event.Cert) bool {
	for _, c := range chain {
		if ts.trusts(c) {
			return true
		}
	}
	return false
}

// serverChain returns the certificate a node presents on a context and the
// issuers of it that the same file holds (leaf first).
func serverChain(n *store.Node, ctx string) []event.Cert {
	leaf, file, ok := serverCert(n, ctx)
	if !ok {
		return nil
	}
	chain := []event.Cert{leaf}
	cur := leaf
	for i := 0; i < 8 && !cur.SelfIssued; i++ {
		var next *event.Cert
		for j := range file.Certificates {
			c := file.Certificates[j]
			if c.SHA1 == cur.SHA1 {
				continue
			}
			if (cur.IssuerSHA1 != "" && c.SHA1 == cur.IssuerSHA1) || (cur.IssuerSHA1 == "" && c.Subject == cur.Issuer) {
				next = &c
				break
			}
		}
		if next == nil {
			break
		}
		chain = append(chain, *next)
		cur = *next
	}
	return chain
}

func (ts trustSet) describe() string {
	if ts.JDK {
		return "only the JDK's public CAs (no certificate_authorities)"
	}
	var parts []string
	for _, c := range ts.Certs {
		parts = append(parts, fmt.Sprintf("[%s] sha1 %s", c.Subject, c.SHA1))
	}
	if len(parts) == 0 {
		return "nothing"
	}
	return strings.Join(parts, ", ")
}

// verificationMode of a context (default full).
func verificationMode(n *store.Node, ctx string) string {
	v := pairing.SettingValue(n, ctx+".ssl.verification_mode")
	if v == "" {
		return "full"
	}
	return strings.ToLower(v)
}

// sslEnabled reads <ctx>.ssl.enabled with ES's per-context default.
func sslEnabled(n *store.Node, ctx string) bool {
	def := ctx == ctxServer || ctx == ctxClient
	return pairing.Bool(n, ctx+".ssl.enabled", def)
}

// matchesHost checks a host name or IP against SANs as the JDK does.
func matchesHost(c event.Cert, host string) bool {
	host = strings.Trim(host, "[]")
	if ip := net.ParseIP(host); ip != nil {
		for _, s := range c.SANs {
			if v, ok := strings.CutPrefix(s, "IP:"); ok {
				if sip := net.ParseIP(v); sip != nil && sip.Equal(ip) {
					return true
				}
			}
		}
		return false
	}
	host = strings.ToLower(strings.TrimSuffix(host, "."))
	for _, s := range c.SANs {
		v, ok := strings.CutPrefix(s, "DNS:")
		if !ok {
			continue
		}
		v = strings.ToLower(strings.TrimSuffix(v, "."))
		if v == host {
			return true
		}
		if rest, ok := strings.CutPrefix(v, "*."); ok {
			if i := strings.IndexByte(host, '.'); i > 0 && host[i+1:] == rest {
				return true
			}
		}
	}
	return false
}

// targetNodesAt returns the remote nodes matched by a link's targets on the
// given port kind ("" = any).
func targetNodesAt(l *pairing.Link, port string) []*store.Node {
	seen := map[store.NodeKey]bool{}
	var out []*store.Node
	for _, t := range l.Targets {
		for _, m := range t.Matches {
			if m.Node.Key.Cluster != l.Remote || (port != "" && m.Port != port) || seen[m.Node.Key] {
				continue
			}
			seen[m.Node.Key] = true
			out = append(out, m.Node)
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Key.Node < out[j].Key.Node })
	return out
}

// localSymptoms returns the current symptoms of the given codes on the
// local cluster's nodes that belong to the link.
func localSymptoms(v *pairing.View, l *pairing.Link, codes ...string) []nodeAgg {
	var out []nodeAgg
	for _, n := range v.Cluster(l.Local) {
		for _, a := range v.Symptoms(n, codes...) {
			if lk := v.LinkForSymptom(n, a); lk == l {
				out = append(out, nodeAgg{n, a})
			}
		}
	}
	return out
}

// remoteSymptomsFrom returns current symptoms of the remote cluster whose
// remote_address is one of the given local nodes (optionally with a profile).
func remoteSymptomsFrom(v *pairing.View, remote string, locals []*store.Node, profile string, codes ...string) []nodeAgg {
	hosts := map[string]bool{}
	for _, n := range locals {
		for _, h := range pairing.HostAliases(n) {
			hosts[h] = true
		}
	}
	var out []nodeAgg
	for _, n := range v.Cluster(remote) {
		for _, a := range v.Symptoms(n, codes...) {
			if profile != "" && a.Last.Fields["profile"] != "" && a.Last.Fields["profile"] != profile {
				continue
			}
			ra := store.HostOnly(a.Last.Fields["remote_address"])
			if ra == "" || hosts[strings.ToLower(ra)] || len(locals) == 0 {
				out = append(out, nodeAgg{n, a})
			}
		}
	}
	return out
}

type nodeAgg struct {
	n *store.Node
	a *store.SymptomAgg
}

func aggNodes(xs []nodeAgg) []*store.Node {
	seen := map[store.NodeKey]bool{}
	var out []*store.Node
	for _, x := range xs {
		if !seen[x.n.Key] {
			seen[x.n.Key] = true
			out = append(out, x.n)
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Key.String() < out[j].Key.String() })
	return out
}

// definers are the local nodes whose definition of the alias names one of
// the given targets; when the alias is not defined in any yml (cluster
// settings), every local node.
func definers(v *pairing.View, l *pairing.Link, pick func(pairing.Target) bool) []*store.Node {
	names := map[string]bool{}
	for _, t := range l.Targets {
		if pick == nil || pick(t) {
			for _, d := range t.Defined {
				names[d] = true
			}
		}
	}
	var out []*store.Node
	for _, n := range v.Cluster(l.Local) {
		if names[n.Key.Node] {
			out = append(out, n)
		}
	}
	return out
}

// remoteSettingScope says where the alias is defined: "cluster_settings",
// "yml" or "".
func remoteSettingScope(l *pairing.Link) string {
	scope := ""
	for _, d := range l.Defs {
		if d.Source == "cluster_settings" {
			return "cluster_settings"
		}
		if d.Source == "yml" {
			scope = "yml"
		}
	}
	return scope
}

// seedsFix builds the fix settings/commands that point an alias at other
// addresses.
func seedsFix(l *pairing.Link, addrs []string) (map[string]string, []string) {
	key := "cluster.remote." + l.Alias + ".seeds"
	val := "[" + strings.Join(addrs, ", ") + "]"
	if l.Mode == "proxy" {
		key = "cluster.remote." + l.Alias + ".proxy_address"
		if len(addrs) > 0 {
			val = addrs[0]
		}
	}
	settings := map[string]string{key: val}
	var cmds []string
	if remoteSettingScope(l) != "yml" {
		q := make([]string, len(addrs))
		for i, a := range addrs {
			q[i] = `"` + a + `"`
		}
		body := `[` + strings.Join(q, ",") + `]`
		if l.Mode == "proxy" && len(q) > 0 {
			body = q[0]
		}
		layer := "persistent"
		for _, d := range l.Defs {
			if d.Layer == "transient" {
				layer = "transient" // it wins over persistent: change it there
			}
		}
		cmds = append(cmds, fmt.Sprintf(`PUT _cluster/settings {"%s":{"%s":%s}}`, layer, key, body))
	} else {
		cmds = append(cmds, "set "+key+": "+val+" in elasticsearch.yml of the nodes named, then restart them")
	}
	return settings, cmds
}

// hostPort joins a host and port.
func hostPort(host string, port int) string {
	return net.JoinHostPort(host, fmt.Sprint(port))
}

// defined reports whether some local node's definition of the alias (yml or
// saved cluster settings) names seeds or a proxy address.
func defined(l *pairing.Link) bool {
	for _, d := range l.Defs {
		if len(d.Seeds) > 0 || d.ProxyAddress != "" {
			return true
		}
	}
	return false
}

// contactedNodes returns the remote nodes a link's connection actually
// reaches, per mode and model, as ES's connection strategies do:
//   - proxy: only the node(s) at the proxy address;
//   - sniff with a cross-cluster API key: the seeds, then the nodes a seed
//     reports as running the remote cluster server (the
//     cluster:internal/remote_cluster/nodes action returns those alone);
//   - sniff in the certificate model: the seeds, then the gateway nodes of
//     the remote cluster state (every node but dedicated masters, and only
//     those with cluster.remote.node.attr when the local side sets it;
//     the attribute is not known here, so every non-master-only node).
func contactedNodes(v *pairing.View, l *pairing.Link) []*store.Node {
	seen := map[store.NodeKey]bool{}
	var out []*store.Node
	add := func(n *store.Node) {
		if !seen[n.Key] {
			seen[n.Key] = true
			out = append(out, n)
		}
	}
	for _, n := range targetNodesAt(l, "") {
		add(n)
	}
	if linkMode(l) == "proxy" || l.Remote == "" {
		return out
	}
	apiKey := l.APIKeyModel() || len(targetNodesAt(l, "remote_cluster")) > 0
	for _, n := range v.Cluster(l.Remote) {
		if n.Snapshot == nil {
			continue
		}
		if apiKey {
			if pairing.Bool(n, "remote_cluster_server.enabled", false) || loggedRCPublish(n) {
				add(n)
			}
			continue
		}
		if !masterOnly(n) {
			add(n)
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Key.Node < out[j].Key.Node })
	return out
}

// masterOnly: node.roles names master and no data, ingest or other role
// a gateway needs.
func masterOnly(n *store.Node) bool {
	r := strings.Trim(strings.TrimSpace(pairing.SettingValue(n, "node.roles")), "[]")
	if r == "" {
		return false
	}
	for _, x := range strings.Split(r, ",") {
		if x = strings.Trim(strings.TrimSpace(x), `"'`); x != "master" && x != "voting_only" {
			return false
		}
	}
	return true
}
