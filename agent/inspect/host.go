package inspect

import (
	"net"
	"strings"

	"github.com/esdoctor/esdoctor/agent/collector/config"
)

type configSSL = config.SSLContext

// hostOf picks the address that stands for this node's host: the first
// concrete address among the publish and bind settings (transport first, as
// remote clusters connect over transport), else the machine's host name.
func hostOf(v *config.View, hostname string) string {
	for _, key := range []string{"transport.publish_host", "transport.host", "network.publish_host", "network.host", "transport.bind_host", "network.bind_host"} {
		val, _, ok := v.Get(key)
		if !ok {
			continue
		}
		items := val.List
		if !val.IsList {
			items = strings.Split(val.Scalar, ",")
		}
		for _, h := range items {
			h = strings.TrimSpace(h)
			if concreteHost(h) {
				return strings.Trim(h, "[]")
			}
		}
	}
	return hostname
}

// concreteHost excludes ES's special values (_local_, _site_, _eth0_…) and
// wildcard addresses.
func concreteHost(h string) bool {
	if h == "" || strings.HasPrefix(h, "_") || strings.HasPrefix(h, "${") {
		return false
	}
	if ip := net.ParseIP(strings.Trim(h, "[]")); ip != nil {
		return !ip.IsUnspecified()
	}
	return true
}
