package probe

import (
	"net/netip"

	"github.com/vishvananda/netlink"
	"golang.org/x/sys/unix"
)

// liveConnections lists TCP connections through netlink inet_diag (the
// source of `ss -tonie`).
func liveConnections() ([]Conn, error) {
	var out []Conn
	for _, fam := range []uint8{unix.AF_INET, unix.AF_INET6} {
		socks, err := netlink.SocketDiagTCP(fam)
		if err != nil {
			if fam == unix.AF_INET6 && len(out) > 0 {
				continue // no IPv6
			}
			return out, err
		}
		for _, s := range socks {
			src, _ := netip.AddrFromSlice(s.ID.Source)
			dst, _ := netip.AddrFromSlice(s.ID.Destination)
			out = append(out, Conn{
				Src:         netip.AddrPortFrom(src.Unmap(), s.ID.SourcePort),
				Dst:         netip.AddrPortFrom(dst.Unmap(), s.ID.DestinationPort),
				Established: s.State == 1, // TCP_ESTABLISHED
				Timer:       timerName(s.Timer),
				Queued:      s.RQueue > 0 || s.WQueue > 0,
			})
		}
	}
	return out, nil
}

// timerName maps idiag_timer to ss's names.
func timerName(t uint8) string {
	switch t {
	case 1:
		return "on"
	case 2:
		return "keepalive"
	case 3:
		return "timewait"
	case 4:
		return "persist"
	}
	return ""
}
