package rules

import (
	"strings"
	"time"

	"github.com/esdoctor/esdoctor/aggregator/pairing"
	"github.com/esdoctor/esdoctor/aggregator/store"
	"github.com/esdoctor/esdoctor/shared/event"
)

// trustFailure is one local DiagnosticTrustManager failure, classified by
// which certificate of the remote cluster was presented.
type trustFailure struct {
	n    *store.Node
	a    *store.SymptomAgg
	link *pairing.Link
	ctx  string // ssl context prefix without ".ssl"
	// presented is "transport" (the remote's transport certificate),
	// "remote_cluster" (its remote cluster server certificate) or "".
	presented string
	remotes   []*store.Node // remote nodes at the server address
}

// trustFailures lists the current tls-trust-failure symptoms of the local
// side (not the HTTP layer).
func trustFailures(v *pairing.View, codes ...string) []trustFailure {
	if len(codes) == 0 {
		codes = []string{"tls-trust-failure"}
	}
	var out []trustFailure
	for _, n := range v.Nodes {
		for _, a := range v.Symptoms(n, codes...) {
			ctx := strings.TrimSuffix(a.Last.Fields["ssl_context"], ".ssl")
			if ctx == "xpack.security.http" || a.Last.Fields["peer"] == "client" {
				continue
			}
			tf := trustFailure{n: n, a: a, ctx: ctx, link: v.LinkForSymptom(n, a)}
			if addr := a.Last.Fields["server_address"]; addr != "" {
				for _, m := range v.Resolve(addr, n.Key.Cluster) {
					tf.remotes = append(tf.remotes, m.Node)
				}
			}
			if tf.link == nil && len(tf.remotes) > 0 {
				for _, l := range v.Links() {
					if l.Local == n.Key.Cluster && l.Remote == tf.remotes[0].Key.Cluster {
						tf.link = l
						break
					}
				}
			}
			if restartedSince(tf.remotes, a) {
				continue // the remote node restarted since (with a new config), no failure after it
			}
			tf.presented = classifyPresented(v, tf, a.Last)
			out = append(out, tf)
		}
	}
	return out
}

// restartedSince reports whether every remote node the failure was about
// started again after its last occurrence: the fix may have been made on the
// remote side, and a local line about the old remote is history.
func restartedSince(remotes []*store.Node, a *store.SymptomAgg) bool {
	if len(remotes) == 0 || a.LastTime.IsZero() {
		return false
	}
	for _, rn := range remotes {
		if len(rn.Starts) == 0 || !rn.Starts[len(rn.Starts)-1].After(a.LastTime.Add(time.Second)) {
			return false
		}
	}
	return true
}

// classifyPresented compares the presented certificate with the remote
// cluster's transport and remote-cluster certificates.
func classifyPresented(v *pairing.View, tf trustFailure, s event.Symptom) string {
	fp := strings.ToLower(s.Fields["fingerprint"])
	subj, iss := s.Fields["subject"], s.Fields["issuer"]
	cands := tf.remotes
	if len(cands) == 0 && tf.link != nil && tf.link.Remote != "" {
		cands = v.Cluster(tf.link.Remote)
	}
	match := func(ctx string) bool {
		for _, n := range cands {
			c, _, ok := serverCert(n, ctx)
			if !ok {
				continue
			}
			if fp != "" && strings.EqualFold(c.SHA1, fp) {
				return true
			}
			// The fingerprint may be unknown to us (another copy of the
			// certificate); the names still tell which interface it is.
			if subj != "" && c.Subject == subj && (iss == "" || c.Issuer == iss) {
				return true
			}
		}
		return false
	}
	switch {
	case match(ctxTransport) && !match(ctxServer):
		return "transport"
	case match(ctxServer) && !match(ctxTransport):
		return "remote_cluster"
	}
	return ""
}
