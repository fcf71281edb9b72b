package certs

import (
	"crypto/x509"
	"strings"
	"testing"

	"github.com/esdoctor/esdoctor/internal/testkit/certgen"
	"github.com/esdoctor/esdoctor/shared/event"
)

func TestMarkChainsByName(t *testing.T) {
	root := event.Cert{Subject: "CN=root", Issuer: "CN=root", SHA1: "r", IsCA: true}
	inter := event.Cert{Subject: "CN=inter", Issuer: "CN=root", SHA1: "i", IsCA: true}
	leaf := event.Cert{Subject: "CN=leaf", Issuer: "CN=inter", SHA1: "l"}

	full := []event.Cert{leaf, inter, root}
	MarkChains(full)
	for _, c := range full {
		if !c.ChainComplete {
			t.Errorf("%s: chain not complete in a full chain", c.Subject)
		}
	}
	if full[0].IssuerSHA1 != "i" || full[1].IssuerSHA1 != "r" || full[2].IssuerSHA1 != "r" || !full[2].SelfIssued {
		t.Errorf("issuer links wrong: %+v", full)
	}

	missing := []event.Cert{leaf, root}
	MarkChains(missing)
	if missing[0].ChainComplete || missing[0].IssuerSHA1 != "" || !missing[1].ChainComplete {
		t.Errorf("missing intermediate not detected: %+v", missing)
	}

	// A naming loop (A issued by B, B by A) ends, incomplete.
	loop := []event.Cert{{Subject: "CN=a", Issuer: "CN=b", SHA1: "a"}, {Subject: "CN=b", Issuer: "CN=a", SHA1: "b"}}
	MarkChains(loop)
	if loop[0].ChainComplete || loop[1].ChainComplete {
		t.Errorf("loop marked complete: %+v", loop)
	}

	// Two certificates with the issuer's name: the CA one is preferred.
	twins := []event.Cert{leaf, {Subject: "CN=inter", Issuer: "CN=x", SHA1: "fake"}, inter, root}
	MarkChains(twins)
	if twins[0].IssuerSHA1 != "i" {
		t.Errorf("issuer = %q, want the CA twin", twins[0].IssuerSHA1)
	}
}

func TestMarkChainsBySignature(t *testing.T) {
	// Two CAs with one name but different keys: only the signer counts.
	real, err := certgen.NewCA("Same Name CA")
	mustNil(t, err)
	imposter, err := certgen.NewCA("Same Name CA")
	mustNil(t, err)
	leaf, err := real.Issue("leaf")
	mustNil(t, err)
	parsed := []*x509.Certificate{leaf.Cert, imposter.Cert}
	certs := []event.Cert{Describe(leaf.Cert), Describe(imposter.Cert)}
	markChainsX509(certs, parsed)
	if certs[0].ChainComplete || certs[0].IssuerSHA1 != "" {
		t.Errorf("leaf chained to an imposter with the same name: %+v", certs[0])
	}
	parsed = append(parsed, real.Cert)
	certs = append(certs, Describe(real.Cert))
	markChainsX509(certs, parsed)
	if !certs[0].ChainComplete || certs[0].IssuerSHA1 != certs[2].SHA1 {
		t.Errorf("leaf not chained to its signer: %+v", certs[0])
	}
}

func TestVerifiedByErrors(t *testing.T) {
	root, err := certgen.NewCA("Root CA")
	mustNil(t, err)
	twin, err := certgen.NewCA("Root CA") // same name, other key
	mustNil(t, err)
	other, err := certgen.NewCA("Other CA")
	mustNil(t, err)
	leaf, err := root.Issue("leaf")
	mustNil(t, err)

	if err := VerifiedBy(leaf.Cert, nil, []*x509.Certificate{root.Cert}); err != nil {
		t.Errorf("trusted: %v", err)
	}
	err = VerifiedBy(leaf.Cert, nil, []*x509.Certificate{other.Cert})
	if err == nil || !strings.Contains(err.Error(), "no chain from [CN=leaf] (issued by [CN=Root CA])") ||
		!strings.Contains(err.Error(), "[CN=Other CA]") {
		t.Errorf("untrusted: %v", err)
	}
	err = VerifiedBy(leaf.Cert, nil, []*x509.Certificate{twin.Cert})
	if err == nil || !strings.Contains(err.Error(), "did not sign it") {
		t.Errorf("same-name CA with another key: %v", err)
	}
	if err := VerifiedBy(leaf.Cert, nil, nil); err == nil || !strings.Contains(err.Error(), "no trusted certificates") {
		t.Errorf("no roots: %v", err)
	}
	// A non-CA certificate cannot be an intermediate.
	notCA, err := root.Issue("not a CA")
	mustNil(t, err)
	under, err := (&certgen.Authority{Cert: notCA.Cert, Key: notCA.Key, Chain: notCA.Chain}).Issue("under")
	mustNil(t, err)
	if err := VerifiedBy(under.Cert, []*x509.Certificate{notCA.Cert}, []*x509.Certificate{root.Cert}); err == nil {
		t.Error("chain through a non-CA intermediate accepted")
	}
}
