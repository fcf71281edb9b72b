package probe_test

import (
	"context"
	"crypto/tls"
	"net"
	"testing"
	"time"

	"github.com/esdoctor/esdoctor/agent/collector/probe"
	"github.com/esdoctor/esdoctor/agent/inspect"
	"github.com/esdoctor/esdoctor/internal/testkit/certgen"
	"github.com/esdoctor/esdoctor/internal/testkit/scenario"
	"github.com/esdoctor/esdoctor/shared/event"
)

var key = scenario.APIKey{ID: "agZXJocBmA2beJfq2yKu", Secret: "CANARY-SECRET-apikey-secret"}

// serveTLS runs a TLS server on host (a 127.x address) and returns its
// address. Every connection gets one handshake, then is closed.
func serveTLS(t testing.TB, host string, cfg *tls.Config) string {
	t.Helper()
	l, err := net.Listen("tcp", host+":0")
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
				_ = tls.Server(c, cfg).Handshake()
			}()
		}
	}()
	return l.Addr().String()
}

// serveSilent accepts TCP connections and never answers.
func serveSilent(t *testing.T, host string) string {
	t.Helper()
	l, err := net.Listen("tcp", host+":0")
	if err != nil {
		t.Fatal(err)
	}
	var held []net.Conn
	t.Cleanup(func() {
		l.Close()
		for _, c := range held {
			c.Close()
		}
	})
	go func() {
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			held = append(held, c)
		}
	}()
	return l.Addr().String()
}

// closedPort returns an address on host where nothing listens.
func closedPort(t *testing.T, host string) string {
	t.Helper()
	l, err := net.Listen("tcp", host+":0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	return addr
}

// apiKeyNode is guide 003's local node: remote_cluster_client TLS trusting
// remote's RemoteCA (PEM), the cross-cluster key in the keystore, and the
// remote defined in cluster settings with seeds.
func apiKeyNode(t testing.TB, seeds ...string) (*scenario.World, *scenario.Node, *scenario.Cluster) {
	w := scenario.New(t)
	local := w.Cluster("local", "local-1@127.0.0.2")
	remote := w.Cluster("remote", "remote-1@127.0.1.2")
	local.TransportTLS().Link(remote, "my", key, 9443)
	local.Settings["cluster.remote.my.seeds"] = seeds
	return w, local.Node("local-1"), remote
}

// probeNode inspects the node and runs the remote prober.
func probeNode(t *testing.T, w *scenario.World, n *scenario.Node, o probe.Options) []event.Probe {
	t.Helper()
	w.Build()
	res, err := inspect.Inspect(context.Background(), n.Options())
	if err != nil {
		t.Fatal(err)
	}
	if o.ConnectTimeout == 0 {
		o.ConnectTimeout = 2 * time.Second
	}
	if o.HandshakeTimeout == 0 {
		o.HandshakeTimeout = 2 * time.Second
	}
	o.Spacing = -1
	s := probe.New(o)
	var out []event.Probe
	for _, p := range s.Probers {
		if p.Name() == "remote-tls" {
			out = p.Probe(context.Background(), probe.FromInspect(res), probe.NewLimiter(4, 0))
		}
	}
	return out
}

func issue(t *testing.T, ca *certgen.Authority, cn string, opts ...certgen.Option) *certgen.Leaf {
	t.Helper()
	l, err := ca.Issue(cn, opts...)
	if err != nil {
		t.Fatal(err)
	}
	return l
}

func byTarget(ps []event.Probe) map[string]event.Probe {
	out := map[string]event.Probe{}
	for _, p := range ps {
		out[p.Target] = p
	}
	return out
}

type worldT = scenario.World
type nodeT = scenario.Node

// serveSilentOn accepts TCP connections on addr and holds them.
func serveSilentOn(t *testing.T, addr string) {
	t.Helper()
	l, err := net.Listen("tcp", addr)
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
			defer c.Close()
		}
	}()
}

type storeEnvelope = event.Envelope
