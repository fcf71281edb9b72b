package certgen

import (
	"crypto"
	"crypto/x509"
	"crypto/x509/pkix"
	"fmt"
	"math/big"
	"net"
	"time"
)

// Option adjusts one certificate.
type Option func(*config)

// DNS adds DNS subject alternative names.
func DNS(names ...string) Option {
	return func(c *config) { c.dns = append(c.dns, names...) }
}

// IPs adds IP subject alternative names ("127.0.0.2", "::1"); an
// unparsable address makes NewCA/Issue fail.
func IPs(addrs ...string) Option {
	return func(c *config) {
		for _, a := range addrs {
			ip := net.ParseIP(a)
			if ip == nil {
				c.errs = append(c.errs, fmt.Errorf("IPs: %q is not an IP address", a))
				continue
			}
			if v4 := ip.To4(); v4 != nil {
				ip = v4
			}
			c.ips = append(c.ips, ip)
		}
	}
}

// Emails adds email subject alternative names.
func Emails(addrs ...string) Option {
	return func(c *config) { c.emails = append(c.emails, addrs...) }
}

// Validity sets the validity period (an expired certificate: a notAfter in
// the past).
func Validity(notBefore, notAfter time.Time) Option {
	return func(c *config) { c.notBefore, c.notAfter = notBefore, notAfter }
}

// AsCA makes an issued certificate an intermediate CA.
func AsCA() Option {
	return func(c *config) { c.isCA = true }
}

// KeyRSA uses an RSA 2048 key instead of ECDSA P-256.
func KeyRSA() Option { return KeyRSABits(2048) }

// KeyRSABits uses an RSA key of the given size (Elasticsearch's
// auto-configuration uses 4096).
func KeyRSABits(bits int) Option {
	return func(c *config) { c.rsaBits = bits }
}

// WithKey reuses an existing key (two certificates for one public key).
func WithKey(k crypto.Signer) Option {
	return func(c *config) { c.key = k }
}

// Subject sets the whole subject; the cn argument of NewCA/Issue fills
// CommonName when the name has none.
func Subject(name pkix.Name) Option {
	return func(c *config) { c.subject = name }
}

// SubjectRDNs sets the exact encoded subject, for names pkix.Name cannot
// express: multi-valued RDNs, a chosen attribute order, unusual
// attributes. It takes precedence over Subject and the cn argument.
func SubjectRDNs(rdns pkix.RDNSequence) Option {
	return func(c *config) { c.rawSubject = rdns }
}

// Serial sets the serial number (random 127-bit by default).
func Serial(n *big.Int) Option {
	return func(c *config) { c.serial = n }
}

// ExtKeyUsage replaces the extended key usages (leaf default: serverAuth
// and clientAuth, as Elasticsearch transport certificates need; pass none
// for a certificate without the extension).
func ExtKeyUsage(usages ...x509.ExtKeyUsage) Option {
	return func(c *config) { c.extKeyUsage = append([]x509.ExtKeyUsage{}, usages...) }
}

// Extension adds a raw extension; one with the OID of an extension Go
// would write (subjectAltName, for SANs in a chosen order) replaces it.
func Extension(ext pkix.Extension) Option {
	return func(c *config) { c.extra = append(c.extra, ext) }
}
