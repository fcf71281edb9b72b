package rules

import (
	"fmt"
	"sort"
	"strconv"
	"strings"

	"github.com/esdoctor/esdoctor/aggregator/pairing"
	"github.com/esdoctor/esdoctor/aggregator/store"
	"github.com/esdoctor/esdoctor/shared/catalog"
	"github.com/esdoctor/esdoctor/shared/diagnosis"
	"github.com/esdoctor/esdoctor/shared/event"
)

// Probe purposes the agent's probes use (agent/collector/probe).
const (
	purposeRemoteSeed  = "remote-seed"
	purposeRemoteProxy = "remote-proxy"
)

// remoteProbe is one probe of a remote cluster address from a local node.
type remoteProbe struct {
	n    *store.Node
	p    event.Probe
	link *pairing.Link
}

// remoteProbes lists the current probes of remote seed and proxy
// addresses, in node and target order.
func remoteProbes(v *pairing.View) []remoteProbe {
	var out []remoteProbe
	for _, n := range v.Nodes {
		keys := make([]string, 0, len(n.Probes))
		for k, p := range n.Probes {
			if p.Purpose == purposeRemoteSeed || p.Purpose == purposeRemoteProxy {
				keys = append(keys, k)
			}
		}
		sort.Strings(keys)
		for _, k := range keys {
			p := n.Probes[k]
			out = append(out, remoteProbe{n: n, p: p, link: v.Link(n.Key.Cluster, p.Alias)})
		}
	}
	return out
}

// probeCode is the diagnosis a remote probe shows ("" when none).
func probeCode(p event.Probe) catalog.Code {
	if p.Model == "api_key" && p.ClientCertRequested != nil && *p.ClientCertRequested {
		// A remote cluster server does not ask for a client certificate
		// (client_authentication defaults to none); a transport port must.
		return catalog.TransportPortInsteadOfRemoteClusterPort
	}
	if p.Error != "" && p.Verified == nil {
		return catalog.RemoteUnreachable
	}
	switch p.VerifyReason {
	case "unknown-issuer", "no-trust":
		return catalog.TLSUntrustedCA
	case "hostname-mismatch":
		return catalog.TLSHostnameMismatch
	case "expired", "not-yet-valid":
		return catalog.TLSCertificateExpired
	}
	return ""
}

// probeText is one line of probe evidence.
func probeText(p event.Probe) string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s probe of %s (%s, cluster.remote.%s", p.Kind, p.Target, p.Purpose, p.Alias)
	if p.Source != "" {
		fmt.Fprintf(&b, " from %s", p.Source)
	}
	b.WriteString("): ")
	switch {
	case p.Error != "" && p.Verified == nil:
		b.WriteString(p.Error)
		if m := p.Facts["meaning"]; m != "" {
			b.WriteString(" — " + m)
		}
	default:
		if len(p.PeerCertificates) > 0 {
			c := p.PeerCertificates[0]
			fmt.Fprintf(&b, "presented [%s] issued by [%s] (SANs %s, valid to %s)", c.Subject, c.Issuer, strings.Join(c.SANs, ", "), c.NotAfter.UTC().Format("2006-01-02"))
		}
		if p.TLSVersion != "" {
			fmt.Fprintf(&b, " over %s %s", p.TLSVersion, p.CipherSuite)
		}
		if p.ClientCertRequested != nil && *p.ClientCertRequested {
			b.WriteString("; the server asked for a client certificate")
		}
		if p.VerifyError != "" {
			fmt.Fprintf(&b, "; %s with %s (verification_mode %s): %s", "rejected", p.SSLContext, p.VerificationMode, p.VerifyError)
		} else if p.Verified != nil && *p.Verified {
			fmt.Fprintf(&b, "; trusted by %s", p.SSLContext)
		}
	}
	return b.String()
}

// reportProbeFindings reports the findings of one code that the agents'
// probes of remote addresses show, keyed like the rule's own findings
// (local cluster, remote cluster, alias) so that log and configuration
// evidence of the same problem merge into one diagnosis. No log line is
// needed: a probe sees the certificate before the first query fails.
func reportProbeFindings(v *pairing.View, r *Reporter, code catalog.Code) {
	type acc struct {
		local, remote, alias string
		link                 *pairing.Link
		probes               []remoteProbe
	}
	accs := map[string]*acc{}
	var order []string
	for _, rp := range remoteProbes(v) {
		if probeCode(rp.p) != code {
			continue
		}
		remote := ""
		if rp.link != nil {
			remote = rp.link.Remote
		}
		if remote == "" {
			for _, m := range v.Resolve(rp.p.Target, rp.n.Key.Cluster) {
				remote = m.Node.Key.Cluster
				break
			}
		}
		k := rp.n.Key.Cluster + "\x00" + remote + "\x00" + rp.p.Alias
		a := accs[k]
		if a == nil {
			a = &acc{local: rp.n.Key.Cluster, remote: remote, alias: rp.p.Alias, link: rp.link}
			accs[k] = a
			order = append(order, k)
		}
		a.probes = append(a.probes, rp)
	}
	for _, k := range order {
		a := accs[k]
		if code == catalog.RemoteUnreachable && !reported(r, code, a.local, a.alias) {
			// A refused or timed-out probe confirms and explains a
			// connect failure the logs or the configuration show; alone it
			// opens nothing (the remote cluster may simply be down).
			continue
		}
		f := Finding{Code: code, Key: a.alias, Alias: a.alias, Clusters: clusters(a.local, a.remote), Facts: map[string]any{}}
		if code == catalog.TLSCertificateExpired && len(a.probes[0].p.PeerCertificates) > 0 {
			// Keyed like the rule's handshake findings: by the certificate.
			f.Key = "cert|" + strings.ToLower(a.probes[0].p.PeerCertificates[0].SHA1)
			f.Absorbs = []catalog.Code{catalog.TLSUntrustedCA, catalog.ConnectionUnreliable}
		}
		var probers, remotes []*store.Node
		targets := map[string]bool{}
		var explain []string
		for _, rp := range a.probes {
			p := rp.p
			f.Evidence = append(f.Evidence, diagnosis.Evidence{Side: diagnosis.SideProbe, Cluster: rp.n.Key.Cluster, Node: rp.n.Key.Node, Text: probeText(p)})
			probers = append(probers, rp.n)
			targets[p.Target] = true
			for _, m := range v.Resolve(p.Target, rp.n.Key.Cluster) {
				remotes = append(remotes, m.Node)
			}
			if p.ErrorKind != "" {
				f.Facts["error_kind"] = p.ErrorKind
			}
			if p.VerifyReason != "" {
				f.Facts["verify_reason"] = p.VerifyReason
			}
			if len(p.PeerCertificates) > 0 {
				c := p.PeerCertificates[0]
				f.Facts["presented_subject"], f.Facts["presented_issuer"] = c.Subject, c.Issuer
				f.Facts["presented_sans"], f.Facts["presented_sha256"] = c.SANs, c.SHA256
				f.Facts["presented_not_after"] = c.NotAfter
			}
			if p.SSLContext != "" {
				f.Facts["ssl_context"] = p.SSLContext
			}
			if len(p.TrustedIssuers) > 0 {
				f.Facts["trusted_issuers"] = p.TrustedIssuers
			}
			if p.TLSVersion != "" {
				f.Facts["tls_version"], f.Facts["cipher_suite"] = p.TLSVersion, p.CipherSuite
			}
			if p.ClientCertRequested != nil {
				f.Facts["client_certificate_requested"] = *p.ClientCertRequested
			}
			if p.VerifyError != "" {
				explain = append(explain, p.VerifyError)
			} else if p.Error != "" {
				explain = append(explain, fmt.Sprintf("%s: %s", p.Target, describeProbeError(p)))
			}
		}
		probers, remotes = dedupNodes(probers), dedupNodes(remotes)
		f.Nodes = refs(probers)
		f.Facts["probed_addresses"] = sortedKeys(targets)
		f.Detail = "The agents' probes show it (" + strings.Join(uniq(explain), "; ") + ")."
		switch code {
		case catalog.RemoteUnreachable:
			f.Fix.Summary = "Check the host and port of cluster.remote." + a.alias + ": " + strings.Join(uniq(explain), "; ") + "."
			f.Fix.Nodes = refs(probers)
		case catalog.TLSUntrustedCA:
			ctx := strings.TrimSuffix(fmt.Sprint(f.Facts["ssl_context"]), ".ssl")
			issuer := fmt.Sprint(f.Facts["presented_issuer"])
			f.Fix.Summary = fmt.Sprintf("Add the CA [%s] that signed the remote certificate to %s.ssl.certificate_authorities on the local nodes named, then restart them.", issuer, ctx)
			f.Fix.Settings = map[string]string{ctx + ".ssl.certificate_authorities": "[ \"<the CA certificate [" + issuer + "]>\" ]"}
			f.Fix.Nodes = refs(probers)
			f.Claims = []string{ctx + ".ssl.certificate_authorities"}
		case catalog.TLSHostnameMismatch:
			f.Fix.Summary = fmt.Sprintf("Give the remote certificate a SAN for %s (or point cluster.remote.%s at a name its SANs hold).", strings.Join(sortedKeys(targets), ", "), a.alias)
			f.Fix.Nodes = refs(orNodes(remotes, probers))
		case catalog.TLSCertificateExpired:
			f.Fix.Summary = "Renew the certificate the remote cluster presents at " + strings.Join(sortedKeys(targets), ", ") + "."
			f.Fix.Nodes = refs(orNodes(remotes, probers))
		case catalog.TransportPortInsteadOfRemoteClusterPort:
			var good []string
			for _, t := range sortedKeys(targets) {
				host, _ := pairing.SplitHostPort(t)
				port := 9443
				for _, m := range v.Resolve(t, a.local) {
					if m.Ports.RemoteCluster > 0 {
						port = m.Ports.RemoteCluster
					}
				}
				good = append(good, hostPort(host, port))
			}
			f.Detail += " The server at the seed asked for a client certificate, as a transport port does; the remote cluster server port does not."
			f.Fix.Summary = "Point cluster.remote." + a.alias + " at the remote cluster server port (remote_cluster.port, 9443 by default): " + strings.Join(uniq(good), ", ") + "."
			if a.link != nil {
				f.Fix.Settings, f.Fix.Commands = seedsFix(a.link, uniq(good))
			}
			f.Fix.Nodes = refs(probers)
		}
		r.Report(f)
	}
}

func describeProbeError(p event.Probe) string {
	switch p.ErrorKind {
	case "refused":
		return "connection refused: nothing listens there (wrong host or port, or the remote cluster server is not enabled)"
	case "timeout":
		return "connect timed out: a firewall drops the packets, or the host is down"
	case "tls-timeout":
		return "TCP connected but no TLS handshake answer came (not a TLS port, or a proxy holding the connection)"
	case "tls":
		return "the TLS handshake failed: " + p.Error
	}
	return p.Error
}

func orNodes(a, b []*store.Node) []*store.Node {
	if len(a) > 0 {
		return a
	}
	return b
}

// Guide 001's kernel values for connections between clusters.
var guideKernel = []struct {
	name string
	want int
}{
	{"net.ipv4.tcp_keepalive_time", 300}, {"net.ipv4.tcp_keepalive_intvl", 60}, {"net.ipv4.tcp_keepalive_probes", 5}, {"net.ipv4.tcp_retries2", 5},
}

// kernelFacts adds, for the nodes named, what their agents' kernel probes
// say: the sysctl values that differ from the guide's, network.tcp.keep_alive
// turned off, and live remote connections without a keepalive timer.
func kernelFacts(f *Finding, nodes []*store.Node) {
	differs := map[string]any{}
	for _, n := range dedupNodes(nodes) {
		p, ok := n.Probes["kernel sysctl"]
		if !ok {
			continue
		}
		var notes []string
		for _, g := range guideKernel {
			v, err := strconv.Atoi(p.Facts[g.name])
			if err != nil {
				continue
			}
			if v > g.want {
				notes = append(notes, fmt.Sprintf("%s=%d (guide: %d)", g.name, v, g.want))
				differs[n.Key.Cluster+"/"+n.Key.Node+" "+g.name] = v
			}
		}
		for _, k := range []string{"network.tcp.keep_alive", "transport.tcp.keep_alive"} {
			if strings.HasPrefix(strings.ToLower(p.Facts[k]), "false") {
				notes = append(notes, k+"=false")
				differs[n.Key.Cluster+"/"+n.Key.Node+" "+k] = "false"
			}
		}
		if off := p.Facts["remote_connections_without_keepalive"]; off != "" {
			notes = append(notes, "connections without a keepalive timer: "+off)
			differs[n.Key.Cluster+"/"+n.Key.Node+" connections_without_keepalive"] = strings.Split(off, ",")
		}
		text := "kernel: " + strings.Join(notes, ", ")
		if len(notes) == 0 {
			text = "kernel: keepalive and retransmission values within the guide's"
		}
		f.Evidence = append(f.Evidence, diagnosis.Evidence{Side: diagnosis.SideProbe, Cluster: n.Key.Cluster, Node: n.Key.Node, Text: text})
	}
	if len(differs) > 0 {
		if f.Facts == nil {
			f.Facts = map[string]any{}
		}
		f.Facts["kernel_values_differing_from_guide"] = differs
		f.Detail = strings.TrimSpace(f.Detail + " The agents' kernel probes show values that differ from the guide's (see facts).")
	}
}

// reported tells whether a finding of the code for the local cluster and
// alias was reported already.
func reported(r *Reporter, code catalog.Code, local, alias string) bool {
	for _, f := range r.findings {
		if f.Code == code && f.Alias == alias && first(f.Clusters) == local {
			return true
		}
	}
	return false
}

// confirmRemoteInfo adds, to every finding about an alias, what the local
// nodes' ES API said of it: `GET _remote/info` connected false (and the
// error of `_resolve/cluster`). Alone it opens nothing: it confirms the
// diagnosis that explains it.
func confirmRemoteInfo(v *pairing.View, r *Reporter) {
	for i := range r.findings {
		f := &r.findings[i]
		if f.Alias == "" {
			continue
		}
		for _, n := range v.Cluster(first(f.Clusters)) {
			keys := make([]string, 0, len(n.Probes))
			for k, p := range n.Probes {
				if p.Kind == "esapi" {
					keys = append(keys, k)
				}
			}
			sort.Strings(keys)
			for _, k := range keys {
				p := n.Probes[k]
				pre := "remote_info." + f.Alias + "."
				if p.Facts[pre+"connected"] != "false" {
					continue
				}
				text := fmt.Sprintf("GET _remote/info on %s: cluster.remote.%s connected: false (mode %s, %s connected)", n.Key.Node, f.Alias, p.Facts[pre+"mode"], p.Facts[pre+"num_connected"])
				if e := p.Facts["resolve."+f.Alias+".error"]; e != "" {
					text += "; GET _resolve/cluster: " + e
				}
				f.Evidence = append(f.Evidence, diagnosis.Evidence{Side: diagnosis.SideProbe, Cluster: n.Key.Cluster, Node: n.Key.Node, Text: text})
				if f.Facts == nil {
					f.Facts = map[string]any{}
				}
				f.Facts["remote_info_connected"] = false
			}
		}
	}
}
