package certs

import (
	"crypto/tls"
	"crypto/x509"
	"net"
	"testing"
	"time"

	"github.com/esdoctor/esdoctor/internal/testkit/certgen"
)

// serveTLS runs a TLS server on 127.0.0.1 presenting cfg's certificate
// and returns its address.
func serveTLS(t *testing.T, cfg *tls.Config) string {
	t.Helper()
	l, err := tls.Listen("tcp", "127.0.0.1:0", cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { l.Close() })
	go func() {
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			go func() {
				defer c.Close()
				_ = c.SetDeadline(time.Now().Add(5 * time.Second))
				_ = c.(*tls.Conn).Handshake()
			}()
		}
	}()
	return l.Addr().String()
}

// peerChain fetches what the server presents, trusting nothing.
func peerChain(t *testing.T, addr string) []*x509.Certificate {
	t.Helper()
	c, err := tls.DialWithDialer(&net.Dialer{Timeout: 5 * time.Second}, "tcp", addr, &tls.Config{InsecureSkipVerify: true})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	return c.ConnectionState().PeerCertificates
}

// TestTLSHandshakeAgreement: for certgen chains served over real TLS on
// 127.0.0.1, Go's TLS client accepts the server exactly when VerifiedBy
// trusts the presented chain, MatchesHost accepts the name and the dates
// are valid (VerifiedBy ignores dates by design).
func TestTLSHandshakeAgreement(t *testing.T) {
	root, err := certgen.NewCA("Handshake Root CA")
	mustNil(t, err)
	other, err := certgen.NewCA("Some Other CA")
	mustNil(t, err)
	interLeaf, err := root.Issue("Handshake Intermediate CA", certgen.AsCA())
	mustNil(t, err)
	inter := interLeaf.Authority()
	node, err := inter.Issue("node-1", certgen.DNS("localhost", "node-1.example"), certgen.IPs("127.0.0.1"))
	mustNil(t, err)
	wild, err := root.Issue("wildcard", certgen.DNS("*.wild.example"))
	mustNil(t, err)
	cnOnly, err := root.Issue("cn-only.example")
	mustNil(t, err)
	expired, err := root.Issue("expired", certgen.DNS("localhost"),
		certgen.Validity(time.Now().AddDate(-2, 0, 0), time.Now().AddDate(-1, 0, 0)))
	mustNil(t, err)
	self, err := certgen.NewCA("self-signed", certgen.DNS("localhost"))
	mustNil(t, err)
	selfLeaf := &certgen.Leaf{Cert: self.Cert, Key: self.Key}
	noInter := &certgen.Leaf{Cert: node.Cert, Key: node.Key} // intermediate not sent

	cases := []struct {
		name   string
		leaf   *certgen.Leaf
		roots  []*x509.Certificate
		host   string
		wantOK bool
	}{
		{"chain to root, DNS name", node, []*x509.Certificate{root.Cert}, "localhost", true},
		{"chain to root, second DNS name", node, []*x509.Certificate{root.Cert}, "node-1.example", true},
		{"chain to root, IP", node, []*x509.Certificate{root.Cert}, "127.0.0.1", true},
		{"IP not in the SANs", node, []*x509.Certificate{root.Cert}, "127.0.0.9", false},
		{"name not in the SANs", node, []*x509.Certificate{root.Cert}, "node-2.example", false},
		{"untrusted CA", node, []*x509.Certificate{other.Cert}, "localhost", false},
		{"intermediate as trust anchor", node, []*x509.Certificate{inter.Cert}, "localhost", true},
		{"intermediate not sent", noInter, []*x509.Certificate{root.Cert}, "localhost", false},
		{"wildcard one label", wild, []*x509.Certificate{root.Cert}, "a.wild.example", true},
		{"wildcard two labels", wild, []*x509.Certificate{root.Cert}, "a.b.wild.example", false},
		{"wildcard bare domain", wild, []*x509.Certificate{root.Cert}, "wild.example", false},
		{"self-signed leaf trusted directly", selfLeaf, []*x509.Certificate{self.Cert}, "localhost", true},
		{"expired leaf", expired, []*x509.Certificate{root.Cert}, "localhost", false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			addr := serveTLS(t, certgen.ServerTLSConfig(c.leaf))
			conn, goErr := tls.DialWithDialer(&net.Dialer{Timeout: 5 * time.Second}, "tcp", addr,
				&tls.Config{RootCAs: certgen.Pool(c.roots...), ServerName: c.host})
			if goErr == nil {
				conn.Close()
			}
			chain := peerChain(t, addr)
			trustErr := VerifiedBy(chain[0], chain[1:], c.roots)
			nameOK := MatchesHost(chain[0], c.host)
			now := time.Now()
			datesOK := !now.Before(chain[0].NotBefore) && !now.After(chain[0].NotAfter)
			ours := trustErr == nil && nameOK && datesOK
			if ours != (goErr == nil) || ours != c.wantOK {
				t.Errorf("go tls: %v; VerifiedBy: %v; MatchesHost(%q): %v; dates valid: %v; want ok=%v",
					goErr, trustErr, c.host, nameOK, datesOK, c.wantOK)
			}
		})
	}
	// The CN fallback is the JDK's, not Go's (Go ignores the CN since
	// 1.15): checked without a handshake.
	if !MatchesHost(cnOnly.Cert, "cn-only.example") {
		t.Error("a certificate without DNS SANs should match its CN as the JDK does")
	}
}
