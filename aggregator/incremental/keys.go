package incremental

import (
	"net"
	"regexp"
	"slices"
	"strings"

	"github.com/esdoctor/esdoctor/aggregator/pairing"
	"github.com/esdoctor/esdoctor/aggregator/store"
	"github.com/esdoctor/esdoctor/shared/event"
)

// joinKeys are what may relate a node to the nodes of other clusters in
// the rules (see the package doc). Each list is sorted and unique.
type joinKeys struct {
	// owns: the names and addresses by which other nodes reach this one
	// (pairing.HostAliases).
	owns []string
	// refs: the hosts this node names: remote seeds and proxies, the
	// addresses in its log lines, its probes' targets.
	refs []string
	// ids: API key ids, in its keystore or in its log lines.
	ids []string
	// aliases: the remote cluster aliases it defines or logs (an alias may
	// be the name of the cluster it reaches).
	aliases []string
}

func (k *joinKeys) equal(o *joinKeys) bool {
	return slices.Equal(k.owns, o.owns) && slices.Equal(k.refs, o.refs) && slices.Equal(k.ids, o.ids) && slices.Equal(k.aliases, o.aliases)
}

// addrFields are the symptom fields that hold an address of another node.
var addrFields = []string{"address", "server_address", "remote_address", "local_address", "publish_address"}

// descAddr finds the address in a node description ({node}{id}{host}{ip:port}),
// as connection-unreliable does when a line has no address field.
var descAddr = regexp.MustCompile(`[{#/]([0-9A-Za-z.\-]+:[0-9]{2,5})\}`)

// keysOf computes a node's join keys.
func keysOf(n *store.Node) *joinKeys {
	k := &joinKeys{owns: pairing.HostAliases(n)}
	ref := func(addr string) {
		for _, part := range strings.FieldsFunc(addr, func(r rune) bool { return r == ',' || r == '/' || r == ' ' }) {
			h, _ := pairing.SplitHostPort(part)
			if h = normHost(h); h != "" {
				k.refs = append(k.refs, h)
			}
		}
		if h := normHost(store.HostOnly(strings.TrimSpace(addr))); h != "" {
			k.refs = append(k.refs, h)
		}
	}
	if s := n.Snapshot; s != nil {
		for _, r := range s.Remotes {
			if r.Alias != "" {
				k.aliases = append(k.aliases, r.Alias)
			}
			for _, a := range r.Seeds {
				ref(a)
			}
			ref(r.ProxyAddress)
			ref(r.ServerName)
		}
		if s.Keystore != nil {
			for _, e := range s.Keystore.Entries {
				if e.APIKeyID != "" {
					k.ids = append(k.ids, e.APIKeyID)
				}
			}
		}
	}
	for _, a := range n.Symptoms {
		for _, f := range []map[string]string{a.First.Fields, a.Last.Fields} {
			for _, name := range addrFields {
				if v := f[name]; v != "" {
					ref(v)
				}
			}
			if v := f["api_key_id"]; v != "" {
				k.ids = append(k.ids, v)
			}
			if v := f["user"]; v != "" && a.Code == "api-key-unable-to-authenticate" {
				k.ids = append(k.ids, v) // the key id when the log names it as the user
			}
			if v := f["alias"]; v != "" {
				k.aliases = append(k.aliases, v)
			}
		}
		// connection-unreliable reads the address from the node
		// description (else the text) when the line has no address field.
		if a.Code == "closed-by-remote" {
			for _, s := range []*event.Symptom{&a.First, &a.Last} {
				if s.Fields["address"] != "" {
					continue
				}
				desc := s.Fields["node_description"]
				if desc == "" {
					desc = s.Text
				}
				for _, m := range descAddr.FindAllStringSubmatch(desc, -1) {
					ref(m[1])
				}
			}
		}
	}
	for _, p := range n.Probes {
		ref(p.Target)
		if p.Alias != "" {
			k.aliases = append(k.aliases, p.Alias)
		}
	}
	k.refs = sortUnique(k.refs)
	k.ids = sortUnique(k.ids)
	k.aliases = sortUnique(k.aliases)
	return k
}

// normHost spells a host as pairing's indexes do: lower case, no
// brackets, IP addresses in canonical form.
func normHost(h string) string {
	h = strings.ToLower(strings.Trim(strings.TrimSpace(h), "[]"))
	if ip := net.ParseIP(h); ip != nil {
		return ip.String()
	}
	return h
}

func sortUnique(s []string) []string {
	slices.Sort(s)
	return slices.Compact(s)
}
