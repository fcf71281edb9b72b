package probe

import (
	"context"
	"fmt"
	"net"
	"net/netip"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"

	"github.com/esdoctor/esdoctor/shared/event"
)

// Sysctls are the kernel TCP settings guide 001 asks about, as
// net.ipv4.* names.
var Sysctls = []string{"net.ipv4.tcp_keepalive_time", "net.ipv4.tcp_keepalive_intvl", "net.ipv4.tcp_keepalive_probes", "net.ipv4.tcp_retries2"}

// Conn is one live TCP connection as inet_diag reports it.
type Conn struct {
	Src, Dst netip.AddrPort
	// Established is true in state ESTABLISHED.
	Established bool
	// Timer is the pending timer (what `ss -o` prints): "" (none),
	// "on" (retransmission), "keepalive", "timewait", "persist".
	Timer string
	// Queued is true when data waits in the send or receive queue.
	Queued bool
}

// Kernel reports the kernel's TCP keepalive and retransmission settings
// (from /proc/sys), the node's network.tcp.* keepalive settings, and for
// every live connection to a remote cluster's port whether its keepalive
// timer runs (what `ss -tonie` shows, read through netlink inet_diag).
type Kernel struct{ opts Options }

// Name implements Prober.
func (*Kernel) Name() string { return "kernel" }

// Probe implements Prober.
func (k *Kernel) Probe(ctx context.Context, in *Input, _ *Limiter) []event.Probe {
	if in == nil || in.Snapshot == nil {
		return nil
	}
	s := in.Snapshot
	p := event.Probe{Kind: "kernel", Target: "sysctl", Purpose: PurposeKernel, OK: true, Facts: map[string]string{}}
	var errs []string
	for _, name := range Sysctls {
		v, err := readSysctl(k.opts.ProcSys, name)
		if err != nil {
			errs = append(errs, err.Error())
			continue
		}
		p.Facts[name] = v
	}
	for _, key := range []string{"network.tcp.keep_alive", "network.tcp.keep_idle", "network.tcp.keep_interval", "network.tcp.keep_count",
		"transport.tcp.keep_alive", "transport.tcp.keep_idle", "transport.tcp.keep_interval", "transport.tcp.keep_count"} {
		if v, ok := s.Settings[key]; ok && v.Value != "" {
			p.Facts[key] = v.Value
		}
	}
	if _, ok := p.Facts["network.tcp.keep_alive"]; !ok {
		p.Facts["network.tcp.keep_alive"] = "true (default)"
	}
	ports := remotePorts(s)
	if len(ports) > 0 {
		conns, err := k.opts.Connections()
		if err != nil {
			errs = append(errs, "inet_diag: "+err.Error())
		} else {
			var on, off, unknown []string
			for _, c := range conns {
				if !c.Established || !ports[int(c.Dst.Port())] {
					continue
				}
				d := c.Dst.String()
				switch {
				case c.Timer == "keepalive":
					on = append(on, d)
				case c.Timer == "" && !c.Queued:
					off = append(off, d)
				default:
					unknown = append(unknown, d)
				}
			}
			p.Facts["remote_connections"] = strconv.Itoa(len(on) + len(off) + len(unknown))
			p.Facts["remote_connections_keepalive"] = strconv.Itoa(len(on))
			if len(off) > 0 {
				p.Facts["remote_connections_without_keepalive"] = strings.Join(uniqSorted(off), ",")
			}
		}
	}
	if len(errs) > 0 {
		p.Error = strings.Join(errs, "; ")
		p.OK = len(p.Facts) > 1
	}
	return []event.Probe{p}
}

// readSysctl reads one value from the sysctl tree (net.ipv4.x →
// <root>/net/ipv4/x).
func readSysctl(root, name string) (string, error) {
	path := filepath.Join(root, filepath.FromSlash(strings.ReplaceAll(name, ".", "/")))
	b, err := os.ReadFile(path)
	if err != nil {
		return "", fmt.Errorf("sysctl %s: %w", name, err)
	}
	v := strings.TrimSpace(string(b))
	if _, err := strconv.Atoi(v); err != nil {
		return "", fmt.Errorf("sysctl %s (%s): not a number: %.40q", name, path, v)
	}
	return v, nil
}

// remotePorts are the ports of the remote addresses the node names.
func remotePorts(s *event.Snapshot) map[int]bool {
	out := map[int]bool{}
	for _, r := range s.Remotes {
		addrs := append([]string{r.ProxyAddress}, r.Seeds...)
		for _, a := range addrs {
			if _, p, err := net.SplitHostPort(a); err == nil {
				if n, err := strconv.Atoi(p); err == nil {
					out[n] = true
				}
			}
		}
	}
	return out
}

func uniqSorted(xs []string) []string {
	sort.Strings(xs)
	out := xs[:0]
	for i, x := range xs {
		if i == 0 || x != xs[i-1] {
			out = append(out, x)
		}
	}
	return out
}
