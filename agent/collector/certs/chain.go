package certs

import (
	"bytes"
	"crypto"
	"crypto/ecdsa"
	"crypto/rsa"
	"crypto/sha1"
	"crypto/x509"
	"errors"
	"fmt"
	"strings"

	"github.com/esdoctor/esdoctor/shared/event"
)

// maxChainDepth bounds chain building (PKIX implementations use similar
// limits; real chains are 2–4 long).
const maxChainDepth = 10

// VerifiedBy reports whether leaf chains up to one of roots through
// intermediates, checking names and signatures only: no validity dates, no
// hostname, no key-usage or extended-key-usage. A leaf that is itself one
// of roots is trusted, as a Java trust store trusts its own entries. An
// intermediate must be a CA (basicConstraints), a root need not be (a
// trust anchor is taken as given). The error says where the chain broke,
// with RFC 2253 names as Elasticsearch prints them.
func VerifiedBy(leaf *x509.Certificate, intermediates, roots []*x509.Certificate) error {
	if leaf == nil {
		return errors.New("no certificate to verify")
	}
	if len(roots) == 0 {
		return fmt.Errorf("certificate [%s] is not trusted: no trusted certificates configured", RFC2253(leaf.RawSubject))
	}
	for _, r := range roots {
		if bytes.Equal(leaf.Raw, r.Raw) {
			return nil
		}
	}
	var sigErr error
	visited := map[*x509.Certificate]bool{leaf: true}
	var walk func(c *x509.Certificate, depth int) bool
	walk = func(c *x509.Certificate, depth int) bool {
		for _, r := range roots {
			if !sameName(c.RawIssuer, r.RawSubject) {
				continue
			}
			if err := checkSignedBy(c, r); err != nil {
				sigErr = fmt.Errorf("certificate [%s] names issuer [%s], but the trusted certificate with that subject (sha1 %s) did not sign it: %v",
					RFC2253(c.RawSubject), RFC2253(c.RawIssuer), fingerprint(r), err)
				continue
			}
			return true
		}
		if depth >= maxChainDepth {
			return false
		}
		for _, im := range intermediates {
			if visited[im] || !sameName(c.RawIssuer, im.RawSubject) || !canSign(im) {
				continue
			}
			if err := checkSignedBy(c, im); err != nil {
				sigErr = fmt.Errorf("certificate [%s] names issuer [%s], but the intermediate with that subject (sha1 %s) did not sign it: %v",
					RFC2253(c.RawSubject), RFC2253(c.RawIssuer), fingerprint(im), err)
				continue
			}
			visited[im] = true
			if walk(im, depth+1) {
				return true
			}
		}
		return false
	}
	if walk(leaf, 0) {
		return nil
	}
	if sigErr != nil {
		return sigErr
	}
	names := make([]string, 0, 3)
	for i, r := range roots {
		if i == 3 {
			names = append(names, fmt.Sprintf("… %d more", len(roots)-3))
			break
		}
		names = append(names, "["+RFC2253(r.RawSubject)+"]")
	}
	return fmt.Errorf("no chain from [%s] (issued by [%s]) to a trusted certificate; trusted: %s",
		RFC2253(leaf.RawSubject), RFC2253(leaf.RawIssuer), strings.Join(names, ", "))
}

func fingerprint(c *x509.Certificate) string {
	s := sha1.Sum(c.Raw)
	return fmt.Sprintf("%x", s[:])
}

// canSign: a v3 intermediate must be marked CA; a v1 certificate (no
// extensions) is accepted as Java accepts v1 intermediates.
func canSign(c *x509.Certificate) bool {
	if c.Version < 3 {
		return true
	}
	return c.BasicConstraintsValid && c.IsCA
}

// checkSignedBy verifies child's signature with parent's public key,
// without Go's CA checks. SHA-1 signatures (which Go refuses but a JDK
// still accepts from a private CA) are verified by hand.
func checkSignedBy(child, parent *x509.Certificate) error {
	err := parent.CheckSignature(child.SignatureAlgorithm, child.RawTBSCertificate, child.Signature)
	var insecure x509.InsecureAlgorithmError
	if err == nil || !errors.As(err, &insecure) {
		return err
	}
	switch child.SignatureAlgorithm {
	case x509.SHA1WithRSA, x509.ECDSAWithSHA1:
	default:
		return err
	}
	digest := sha1.Sum(child.RawTBSCertificate)
	switch pub := parent.PublicKey.(type) {
	case *rsa.PublicKey:
		return rsa.VerifyPKCS1v15(pub, crypto.SHA1, digest[:], child.Signature)
	case *ecdsa.PublicKey:
		if ecdsa.VerifyASN1(pub, digest[:], child.Signature) {
			return nil
		}
		return errors.New("ECDSA verification failure")
	}
	return err
}

// MarkChains fills ChainComplete, IssuerSHA1 and SelfIssued of certs using
// only the certificates in the slice (one file), matching issuer names to
// subject names (RFC 2253 text, case-insensitive). Load does the same with
// signatures, which also tells apart two CAs with one name; this variant
// serves callers that hold only event data.
func MarkChains(certs []event.Cert) {
	issuer := make([]int, len(certs))
	for i := range certs {
		c := &certs[i]
		c.SelfIssued = strings.EqualFold(c.Subject, c.Issuer)
		issuer[i] = -1
		if c.SelfIssued {
			issuer[i] = i
			continue
		}
		for j := range certs {
			if j != i && strings.EqualFold(certs[j].Subject, c.Issuer) {
				if issuer[i] < 0 || (!certs[issuer[i]].IsCA && certs[j].IsCA) {
					issuer[i] = j
				}
			}
		}
	}
	applyIssuers(certs, issuer)
}

// markChainsX509 is MarkChains with signature checks; parsed[i] is the
// certificate certs[i] describes.
func markChainsX509(certs []event.Cert, parsed []*x509.Certificate) {
	issuer := make([]int, len(certs))
	for i, c := range parsed {
		issuer[i] = -1
		if certs[i].SelfIssued {
			issuer[i] = i
			continue
		}
		for j, p := range parsed {
			if j == i || !sameName(c.RawIssuer, p.RawSubject) {
				continue
			}
			if checkSignedBy(c, p) == nil {
				issuer[i] = j
				break
			}
		}
	}
	applyIssuers(certs, issuer)
}

// applyIssuers sets IssuerSHA1 from issuer links and follows them: a chain
// is complete when it reaches a self-issued certificate.
func applyIssuers(certs []event.Cert, issuer []int) {
	for i := range certs {
		certs[i].IssuerSHA1 = ""
		if issuer[i] >= 0 {
			certs[i].IssuerSHA1 = certs[issuer[i]].SHA1
		}
		complete := false
		for at, steps := i, 0; at >= 0 && steps <= len(certs); steps++ {
			if certs[at].SelfIssued {
				complete = true
				break
			}
			at = issuer[at]
		}
		certs[i].ChainComplete = complete
	}
}
