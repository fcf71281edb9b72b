package certgen

import (
	"crypto/tls"
	"crypto/x509"
)

// TLSCertificate is the leaf with its key and issuers, as a server or
// client presents it (Elasticsearch sends the whole stored chain).
func (l *Leaf) TLSCertificate() tls.Certificate {
	out := tls.Certificate{PrivateKey: l.Key, Leaf: l.Cert}
	for _, c := range l.FullChain() {
		out.Certificate = append(out.Certificate, c.Raw)
	}
	return out
}

// ServerTLSConfig is a server configuration presenting leaf and its chain,
// for real handshakes on 127.x in tests. TLS 1.2 is the minimum, as in
// Elasticsearch 8.
func ServerTLSConfig(leaf *Leaf) *tls.Config {
	return &tls.Config{
		Certificates: []tls.Certificate{leaf.TLSCertificate()},
		MinVersion:   tls.VersionTLS12,
	}
}

// Pool is a certificate pool of certs (a client's trusted CAs).
func Pool(certs ...*x509.Certificate) *x509.CertPool {
	p := x509.NewCertPool()
	for _, c := range certs {
		p.AddCert(c)
	}
	return p
}
