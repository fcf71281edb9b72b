package rules

import (
	"time"

	"github.com/esdoctor/esdoctor/aggregator/pairing"
	"github.com/esdoctor/esdoctor/aggregator/store"
	"github.com/esdoctor/esdoctor/shared/diagnosis"
)

// CompareCertificates sets the certificates of the connection local →
// alias side by side, for the console's detail view: the certificate each
// remote node presents on the context the local side dials (the
// remote_cluster server in the API-key model, transport otherwise), its
// issuer against every local node's trust, its SANs against the host the
// local side dials, and its validity at now. ok is false when the link or
// its remote cluster is unknown.
func CompareCertificates(v *pairing.View, local, alias string, now time.Time) (diagnosis.CertComparison, bool) {
	l := v.Link(local, alias)
	if l == nil || l.Remote == "" {
		return diagnosis.CertComparison{}, false
	}
	client, server, profile := ctxClient, ctxServer, "remote_cluster"
	if !l.APIKeyModel() {
		client, server, profile = ctxTransport, ctxTransport, "transport"
	}
	out := diagnosis.CertComparison{Local: local, Alias: alias, Remote: l.Remote, Profile: profile,
		Remotes: []diagnosis.RemoteCert{}, LocalTrust: []diagnosis.LocalTrust{}}
	locals := v.Clients(l)
	if len(locals) == 0 {
		locals = v.Cluster(local)
	}
	trusts := make([]trustSet, len(locals))
	for i, n := range locals {
		ts := trustOf(n, client)
		trusts[i] = ts
		lt := diagnosis.LocalTrust{Cluster: n.Key.Cluster, Node: n.Key.Node, Setting: client + ".ssl", CAs: []string{}, JDK: ts.JDK, Known: ts.Known}
		for _, c := range ts.Certs {
			lt.CAs = append(lt.CAs, c.Subject)
		}
		out.LocalTrust = append(out.LocalTrust, lt)
	}
	// The host dialled for each remote node, from the targets that resolve
	// to it.
	dialled := map[store.NodeKey]string{}
	for _, t := range l.Targets {
		host, _ := pairing.SplitHostPort(t.Addr)
		for _, m := range t.Matches {
			if _, ok := dialled[m.Node.Key]; !ok {
				dialled[m.Node.Key] = host
			}
		}
	}
	serverName := ""
	for _, d := range l.Defs {
		if d.ServerName != "" {
			serverName = d.ServerName
		}
	}
	for _, rn := range v.Cluster(l.Remote) {
		c, f, ok := serverCert(rn, server)
		if !ok {
			continue
		}
		rc := diagnosis.RemoteCert{Cluster: rn.Key.Cluster, Node: rn.Key.Node, File: f.Path, Subject: c.Subject, Issuer: c.Issuer,
			SANs: append([]string{}, c.SANs...), NotBefore: c.NotBefore, NotAfter: c.NotAfter,
			ValidNow: !now.Before(c.NotBefore) && now.Before(c.NotAfter), Trusted: true}
		for i, ts := range trusts {
			if ts.Known && !ts.JDK && !ts.trusts(c) {
				rc.Trusted = false
				rc.UntrustedBy = append(rc.UntrustedBy, locals[i].Key.Node)
			} else if ts.JDK {
				rc.Trusted = false
				rc.UntrustedBy = append(rc.UntrustedBy, locals[i].Key.Node+" (JDK CAs only)")
			}
		}
		host := serverName
		if host == "" {
			host = dialled[rn.Key]
		}
		if host != "" {
			m := matchesHost(c, host)
			rc.SeedHost, rc.SeedMatch = host, &m
		}
		out.Remotes = append(out.Remotes, rc)
	}
	return out, true
}
