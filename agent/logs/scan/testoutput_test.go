package scan

import (
	"context"
	"strings"
	"testing"

	"github.com/esdoctor/esdoctor/shared/event"
)

// ES test output quoted in GitHub issues ("  1> [...]"): the failures it
// shows are recognised; its node identity lines (test nodes) are not.
func TestGradleTestOutput(t *testing.T) {
	in := strings.Join([]string{
		"  1> [2020-08-18T10:15:12,345][INFO ][o.e.t.TransportService   ] [node_t0] publish_address {127.0.0.1:34567}, bound_addresses {[::1]:34567}, {127.0.0.1:34567}",
		"  1> [2020-08-18T10:15:13,001][WARN ][o.e.x.c.s.t.n.SecurityNetty4Transport] [node_t1] client did not trust this server's certificate, closing connection Netty4TcpChannel{localAddress=/127.0.0.1:34567, remoteAddress=/127.0.0.1:51234}",
		"",
	}, "\n")
	var got []string
	err := ScanReader(context.Background(), "ci.log", strings.NewReader(in), Options{}, func(s event.Symptom) { got = append(got, s.Symptom) })
	if err != nil {
		t.Fatal(err)
	}
	if strings.Join(got, ",") != "client-did-not-trust-server-cert" {
		t.Errorf("symptoms %v", got)
	}
}
