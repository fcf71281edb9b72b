package probe

import (
	"context"
	"errors"
	"net"
	"os"
	"strings"
	"syscall"
	"time"
)

// dial opens a TCP connection with a timeout and classifies a failure.
func dial(ctx context.Context, addr string, timeout time.Duration) (net.Conn, time.Duration, string, error) {
	d := net.Dialer{Timeout: timeout}
	start := time.Now()
	c, err := d.DialContext(ctx, "tcp", addr)
	took := time.Since(start)
	if err != nil {
		return nil, took, classify(err), err
	}
	return c, took, "", nil
}

// classify names the cause of a connect failure: "refused" (nothing
// listens), "timeout" (dropped by a filter, or the host is down),
// "unresolved", "unreachable", "reset" or "other".
func classify(err error) string {
	var dnsErr *net.DNSError
	switch {
	case errors.As(err, &dnsErr):
		return "unresolved"
	case errors.Is(err, syscall.ECONNREFUSED):
		return "refused"
	case errors.Is(err, syscall.ECONNRESET):
		return "reset"
	case errors.Is(err, syscall.EHOSTUNREACH), errors.Is(err, syscall.ENETUNREACH):
		return "unreachable"
	case errors.Is(err, os.ErrDeadlineExceeded), errors.Is(err, context.DeadlineExceeded), isTimeout(err):
		return "timeout"
	}
	return "other"
}

func isTimeout(err error) bool {
	var ne net.Error
	return errors.As(err, &ne) && ne.Timeout()
}

// describeKind is the human meaning of an error kind.
func describeKind(kind string) string {
	switch kind {
	case "refused":
		return "connection refused: nothing listens there (wrong host or port, or the server is not enabled)"
	case "timeout":
		return "timed out: a firewall drops the packets, or the host is down"
	case "unresolved":
		return "the host name does not resolve"
	case "unreachable":
		return "no route to the host"
	case "reset":
		return "the connection was reset"
	case "tls-timeout":
		return "TCP connected but no TLS answer came: not a TLS port, or a proxy that holds the connection"
	}
	return ""
}

// errText is an error's text without Go's "dial tcp" noise.
func errText(err error) string {
	s := err.Error()
	return strings.TrimPrefix(s, "dial tcp ")
}
