package probe

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"net"
	"time"
)

// errClientCertRequested abandons a handshake when the server asks for a
// client certificate: the agent presents none (it would be the node's own
// key) and has read all it needs by then.
var errClientCertRequested = errors.New("server requested a client certificate")

// handshakeResult is what one TLS handshake showed.
type handshakeResult struct {
	chain     []*x509.Certificate
	version   uint16
	cipher    uint16
	requested bool
	err       error // a handshake failure other than our own abandonment
	timedOut  bool
}

// handshake runs a TLS client handshake on conn, capturing the presented
// chain without verifying it (verification is done afterwards with the
// node's own trust, so that the reason can be named).
func handshake(ctx context.Context, conn net.Conn, serverName string, timeout time.Duration) handshakeResult {
	var res handshakeResult
	cfg := &tls.Config{
		ServerName:         serverName,
		InsecureSkipVerify: true, // verified by trust.verify with the node's CAs
		MinVersion:         tls.VersionTLS12,
		VerifyConnection: func(cs tls.ConnectionState) error {
			res.chain = cs.PeerCertificates
			res.version, res.cipher = cs.Version, cs.CipherSuite
			return nil
		},
		GetClientCertificate: func(*tls.CertificateRequestInfo) (*tls.Certificate, error) {
			res.requested = true
			return nil, errClientCertRequested
		},
	}
	if net.ParseIP(serverName) != nil {
		cfg.ServerName = "" // SNI carries host names only
	}
	_ = conn.SetDeadline(time.Now().Add(timeout))
	tc := tls.Client(conn, cfg)
	hctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	err := tc.HandshakeContext(hctx)
	if err == nil {
		cs := tc.ConnectionState()
		res.version, res.cipher = cs.Version, cs.CipherSuite
		_ = tc.Close()
		return res
	}
	_ = conn.Close()
	if errors.Is(err, errClientCertRequested) {
		return res
	}
	if res.chain != nil && res.requested {
		return res
	}
	res.err = err
	res.timedOut = isTimeout(err) || errors.Is(err, context.DeadlineExceeded)
	return res
}
