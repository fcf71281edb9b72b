package probe

import (
	"crypto/x509"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/esdoctor/esdoctor/agent/collector/certs"
	"github.com/esdoctor/esdoctor/shared/event"
)

// SSL context prefixes.
const (
	ctxTransport = "xpack.security.transport"
	ctxClient    = "xpack.security.remote_cluster_client"
)

// trust is what one ssl context of the node trusts.
type trust struct {
	context string
	mode    string // full, certificate, none
	enabled bool
	roots   []*x509.Certificate
	// files are the trust files; jdk is set when there are none (the JDK's
	// default CAs, which ES uses then).
	files []string
	jdk   bool
	// unreadable lists trust files that gave no certificate.
	unreadable []string
}

// trustFor builds the trust of one context from the snapshot and the
// parsed certificates, as Elasticsearch does: certificate_authorities and
// truststore.path; without them the CA entries of keystore.path; without
// those the JDK's default CAs.
func trustFor(in *Input, ctx string) trust {
	s := in.Snapshot
	t := trust{context: ctx, mode: setting(s, ctx+".ssl.verification_mode", "full"), enabled: setting(s, ctx+".ssl.enabled", defEnabled(ctx)) == "true"}
	for i, f := range s.Certificates {
		if f.Setting != ctx+".ssl.certificate_authorities" && f.Setting != ctx+".ssl.truststore.path" {
			continue
		}
		t.files = append(t.files, f.Path)
		parsed := in.Certs[i]
		if len(parsed) == 0 {
			t.unreadable = append(t.unreadable, f.Path)
		}
		for j, c := range parsed {
			// A PEM file's certificates are all trusted; a store's trusted
			// entries are its CA certificates (a key entry's chain is not
			// a trust anchor).
			if f.Format == "PEM" || (j < len(f.Certificates) && f.Certificates[j].IsCA) {
				t.roots = append(t.roots, c)
			}
		}
	}
	if len(t.files) == 0 {
		for i, f := range s.Certificates {
			if f.Setting != ctx+".ssl.keystore.path" {
				continue
			}
			for j, c := range in.Certs[i] {
				if j < len(f.Certificates) && f.Certificates[j].IsCA {
					t.roots = append(t.roots, c)
				}
			}
		}
		t.jdk = len(t.roots) == 0
	}
	return t
}

func defEnabled(ctx string) string {
	if ctx == ctxClient {
		return "true"
	}
	return "false"
}

func setting(s *event.Snapshot, key, def string) string {
	if v, ok := s.Settings[key]; ok && v.Value != "" {
		return strings.ToLower(strings.TrimSpace(v.Value))
	}
	return def
}

// issuers lists the subjects of the trusted CAs.
func (t trust) issuers() []string {
	var out []string
	for _, r := range t.roots {
		out = append(out, certs.RFC2253(r.RawSubject))
	}
	return out
}

// verify checks a presented chain as the node's context would: trust
// (names and signatures up to a trusted certificate), the validity dates of
// every certificate, then the host name when the mode is full. It returns
// the reason ("" when accepted) and a sentence naming the cause.
func (t trust) verify(chain []*x509.Certificate, host string, now time.Time) (string, string) {
	if t.mode == "none" {
		return "", ""
	}
	if len(chain) == 0 {
		return "no-certificate", "the server presented no certificate"
	}
	leaf := chain[0]
	if t.jdk {
		pool, err := x509.SystemCertPool()
		if err != nil || pool == nil {
			return "no-trust", "no certificate authorities are configured and the system's CA bundle is unreadable"
		}
		im := x509.NewCertPool()
		for _, c := range chain[1:] {
			im.AddCert(c)
		}
		if _, err := leaf.Verify(x509.VerifyOptions{Roots: pool, Intermediates: im, CurrentTime: now, KeyUsages: []x509.ExtKeyUsage{x509.ExtKeyUsageAny}}); err != nil {
			var ua x509.UnknownAuthorityError
			if errors.As(err, &ua) {
				return "unknown-issuer", fmt.Sprintf("issuer [%s] is not among the JDK's default CAs (%s has no certificate_authorities or truststore)", certs.RFC2253(leaf.RawIssuer), t.context+".ssl")
			}
		}
	} else if err := certs.VerifiedBy(leaf, chain[1:], t.roots); err != nil {
		if len(t.roots) == 0 {
			return "no-trust", fmt.Sprintf("%s.ssl trusts no certificate (unreadable: %s)", t.context, strings.Join(t.unreadable, ", "))
		}
		return "unknown-issuer", fmt.Sprintf("issuer [%s] of [%s] is not trusted by %s.ssl (trusts %s): %v",
			certs.RFC2253(leaf.RawIssuer), certs.RFC2253(leaf.RawSubject), t.context, strings.Join(t.issuers(), "; "), err)
	}
	for _, c := range chain {
		if now.After(c.NotAfter) {
			return "expired", fmt.Sprintf("certificate [%s] expired on %s", certs.RFC2253(c.RawSubject), c.NotAfter.UTC().Format(time.RFC3339))
		}
		if now.Before(c.NotBefore) {
			return "not-yet-valid", fmt.Sprintf("certificate [%s] is valid only from %s", certs.RFC2253(c.RawSubject), c.NotBefore.UTC().Format(time.RFC3339))
		}
	}
	if t.mode == "full" && host != "" && !certs.MatchesHost(leaf, host) {
		return "hostname-mismatch", fmt.Sprintf("no subject alternative name of [%s] matches %s (SANs: %s)", certs.RFC2253(leaf.RawSubject), host, strings.Join(certs.SANs(leaf), ", "))
	}
	return "", ""
}
