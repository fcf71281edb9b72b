package probe

import (
	"context"
	"crypto/tls"
	"fmt"
	"net"
	"strings"

	"github.com/esdoctor/esdoctor/agent/collector/certs"
	"github.com/esdoctor/esdoctor/shared/event"
)

// Remotes probes every seed (sniff mode) and proxy address (proxy mode) of
// every remote cluster the node's configuration defines (yml, saved or
// live cluster settings): TCP connect, then a TLS handshake verified with
// the node's own trust for that side.
type Remotes struct{ opts Options }

// Name implements Prober.
func (*Remotes) Name() string { return "remote-tls" }

type remoteTarget struct {
	remote  event.Remote
	addr    string
	purpose string
}

// Probe implements Prober.
func (r *Remotes) Probe(ctx context.Context, in *Input, l *Limiter) []event.Probe {
	if in == nil || in.Snapshot == nil {
		return nil
	}
	var targets []remoteTarget
	seen := map[string]bool{}
	for _, rm := range in.Snapshot.Remotes {
		add := func(addr, purpose string) {
			addr = strings.TrimSpace(addr)
			if addr == "" || seen[rm.Alias+" "+addr] || len(targets) >= r.opts.MaxTargets {
				return
			}
			seen[rm.Alias+" "+addr] = true
			targets = append(targets, remoteTarget{rm, addr, purpose})
		}
		if rm.Mode == "proxy" {
			add(rm.ProxyAddress, PurposeRemoteProxy)
			continue
		}
		for _, s := range rm.Seeds {
			add(s, PurposeRemoteSeed)
		}
	}
	return runAll(ctx, l, targets, func(t remoteTarget) event.Probe { return r.one(ctx, in, t) })
}

// one probes one remote address.
func (r *Remotes) one(ctx context.Context, in *Input, t remoteTarget) event.Probe {
	p := event.Probe{Kind: "tls", Target: t.addr, Purpose: t.purpose, Alias: t.remote.Alias, Source: t.remote.Source, Facts: map[string]string{}}
	ctxName, model := ctxTransport, "certificate"
	if t.remote.HasCredentials {
		ctxName, model = ctxClient, "api_key"
	}
	p.Model = model
	tr := trustFor(in, ctxName)
	p.SSLContext = ctxName + ".ssl"
	p.VerificationMode = tr.mode
	host, _, err := net.SplitHostPort(t.addr)
	if err != nil {
		p.Kind = "tcp"
		p.Error, p.ErrorKind = fmt.Sprintf("address %q: %v", t.addr, err), "other"
		return p
	}
	p.ServerName = host
	if t.purpose == PurposeRemoteProxy && t.remote.ServerName != "" {
		p.ServerName = t.remote.ServerName
	}
	conn, took, kind, err := dial(ctx, t.addr, r.opts.ConnectTimeout)
	p.LatencyMS = float64(took.Microseconds()) / 1000
	if err != nil {
		p.Kind = "tcp"
		p.Error, p.ErrorKind = errText(err), kind
		p.Facts["meaning"] = describeKind(kind)
		return p
	}
	if !tr.enabled {
		// The node would speak plain TCP on this side: the connect is
		// all there is to probe.
		_ = conn.Close()
		p.Kind = "tcp"
		p.OK = true
		p.Facts["tls"] = p.SSLContext + ".enabled is false"
		return p
	}
	hs := handshake(ctx, conn, p.ServerName, r.opts.HandshakeTimeout)
	p.TrustedIssuers = tr.issuers()
	if tr.jdk {
		p.Facts["trust"] = "the JDK's default CAs (no certificate_authorities or truststore)"
	} else {
		p.Facts["trust"] = strings.Join(tr.files, ", ")
	}
	if hs.version != 0 {
		p.TLSVersion = tls.VersionName(hs.version)
		p.CipherSuite = tls.CipherSuiteName(hs.cipher)
	}
	if hs.chain != nil {
		req := hs.requested
		p.ClientCertRequested = &req
	}
	for _, c := range hs.chain {
		p.PeerCertificates = append(p.PeerCertificates, certs.Describe(c))
	}
	if hs.err != nil && hs.chain == nil {
		p.Error = hs.err.Error()
		p.ErrorKind = "tls"
		if hs.timedOut {
			p.ErrorKind = "tls-timeout"
		}
		p.Facts["meaning"] = describeKind(p.ErrorKind)
		return p
	}
	check := p.ServerName
	reason, why := tr.verify(hs.chain, check, r.opts.Now())
	ok := reason == ""
	p.Verified = &ok
	p.VerifyReason = reason
	p.VerifyError = why
	p.OK = ok
	if model == "api_key" && hs.requested {
		p.Facts["client_certificate"] = "the server asked for a client certificate, as a transport port does; a remote cluster server (remote_cluster_server.ssl.client_authentication defaults to none) does not"
	}
	return p
}
