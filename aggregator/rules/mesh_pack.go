package rules

import (
	"fmt"
	"sort"
	"strings"

	"github.com/esdoctor/esdoctor/aggregator/pairing"
	"github.com/esdoctor/esdoctor/aggregator/store"
	"github.com/esdoctor/esdoctor/shared/catalog"
	"github.com/esdoctor/esdoctor/shared/diagnosis"
	"github.com/esdoctor/esdoctor/shared/event"
)

// The service-mesh pack (guide 002): rules of codes whose catalog entry
// says `pack: mesh` run only with Options.MeshPack; their inputs are the
// mesh symptoms of agent/mesh/meshlog and the objects and certificate
// checks a node's snapshot carries in Snapshot.Mesh.

// packEnabled says whether a rule's pack is on.
func packEnabled(code catalog.Code, o Options) bool {
	c, ok := catalog.Lookup(code)
	if !ok || c.Pack == "" {
		return true
	}
	return c.Pack == "mesh" && o.MeshPack
}

// meshObject is one object with the node whose snapshot carried it.
type meshNode struct {
	n *store.Node
	m *event.Mesh
}

// meshNodes are the nodes (of one cluster, or all when "") whose snapshot
// carries mesh data, sorted by node key.
func meshNodes(v *pairing.View) []meshNode {
	var out []meshNode
	for _, n := range v.Nodes {
		if n.Snapshot != nil && n.Snapshot.Mesh != nil {
			out = append(out, meshNode{n, n.Snapshot.Mesh})
		}
	}
	return out
}

// meshCluster is the mesh objects of one cluster, deduplicated (several
// agents may read the same saved objects), each with the first node that
// carried it.
type meshCluster struct {
	cluster   string
	peerAuthn []withNode[event.PeerAuthentication]
	authz     []withNode[event.AuthorizationPolicy]
	webhooks  []withNode[event.MutatingWebhookConfig]
	ns        map[string]withNode[event.Namespace]
	nsOrder   []string
}

type withNode[T any] struct {
	obj T
	n   *store.Node
}

func meshClusters(v *pairing.View) []*meshCluster {
	byCluster := map[string]*meshCluster{}
	var order []string
	seen := map[string]bool{}
	for _, mn := range meshNodes(v) {
		c := mn.n.Key.Cluster
		mc := byCluster[c]
		if mc == nil {
			mc = &meshCluster{cluster: c, ns: map[string]withNode[event.Namespace]{}}
			byCluster[c] = mc
			order = append(order, c)
		}
		o := &mn.m.Objects
		key := func(kind string, r event.ObjectRef) bool {
			k := c + "\x00" + kind + "\x00" + r.Namespace + "\x00" + r.Name
			if seen[k] {
				return false
			}
			seen[k] = true
			return true
		}
		for _, x := range o.PeerAuthentications {
			if key("pa", x.ObjectRef) {
				mc.peerAuthn = append(mc.peerAuthn, withNode[event.PeerAuthentication]{x, mn.n})
			}
		}
		for _, x := range o.AuthorizationPolicies {
			if key("ap", x.ObjectRef) {
				mc.authz = append(mc.authz, withNode[event.AuthorizationPolicy]{x, mn.n})
			}
		}
		for _, x := range o.MutatingWebhooks {
			if key("mw", x.ObjectRef) {
				mc.webhooks = append(mc.webhooks, withNode[event.MutatingWebhookConfig]{x, mn.n})
			}
		}
		for _, x := range o.Namespaces {
			if key("ns", x.ObjectRef) {
				mc.ns[x.Name] = withNode[event.Namespace]{x, mn.n}
				mc.nsOrder = append(mc.nsOrder, x.Name)
			}
		}
	}
	sort.Strings(order)
	out := make([]*meshCluster, 0, len(order))
	for _, c := range order {
		sort.Strings(byCluster[c].nsOrder)
		out = append(out, byCluster[c])
	}
	return out
}

// rootNamespace is Istio's default root namespace: a PeerAuthentication
// there without a selector applies to the whole mesh.
const rootNamespace = "istio-system"

// systemNamespace: namespaces that are never meant to be in the mesh.
func systemNamespace(ns string) bool {
	switch ns {
	case "kube-system", "kube-public", "kube-node-lease", rootNamespace, "istio-operator", "gke-system", "gke-managed-system", "asm-system":
		return true
	}
	return strings.HasPrefix(ns, "gke-") || strings.HasPrefix(ns, "kube-")
}

// injectionEnabled: the namespace's pods get sidecars (istio-injection=enabled,
// or a revision label without istio-injection=disabled).
func injectionEnabled(ns event.Namespace) bool {
	if v, ok := ns.Labels["istio-injection"]; ok {
		return v == "enabled"
	}
	return ns.Labels["istio.io/rev"] != ""
}

// strictIn returns the PeerAuthentication that makes a namespace's
// workloads STRICT as a whole (namespace-wide, else mesh-wide), if any.
func (mc *meshCluster) strictIn(ns string) (withNode[event.PeerAuthentication], bool) {
	var meshWide, nsWide *withNode[event.PeerAuthentication]
	for i := range mc.peerAuthn {
		p := &mc.peerAuthn[i]
		if len(p.obj.Selector) > 0 {
			continue
		}
		if p.obj.Namespace == ns {
			nsWide = p
		} else if p.obj.Namespace == rootNamespace {
			meshWide = p
		}
	}
	switch {
	case nsWide != nil && nsWide.obj.Mode != "" && nsWide.obj.Mode != "UNSET":
		return *nsWide, nsWide.obj.Mode == "STRICT"
	case meshWide != nil:
		return *meshWide, meshWide.obj.Mode == "STRICT"
	}
	return withNode[event.PeerAuthentication]{}, false
}

// strictAnywhere returns the STRICT PeerAuthentications (any scope).
func (mc *meshCluster) strictAnywhere() []withNode[event.PeerAuthentication] {
	var out []withNode[event.PeerAuthentication]
	for _, p := range mc.peerAuthn {
		strict := p.obj.Mode == "STRICT"
		for _, m := range p.obj.PortModes {
			strict = strict || m == "STRICT"
		}
		if strict {
			out = append(out, p)
		}
	}
	return out
}

// injectorWebhooks are the sidecar injector's configurations (revisioned
// ones included).
func (mc *meshCluster) injectorWebhooks() []withNode[event.MutatingWebhookConfig] {
	var out []withNode[event.MutatingWebhookConfig]
	for _, w := range mc.webhooks {
		if strings.HasPrefix(w.obj.Name, "istio-sidecar-injector") || strings.HasPrefix(w.obj.Name, "istio-revision-tag") {
			out = append(out, w)
		}
	}
	return out
}

// emptyCABundles lists "config/webhook" names without a CA bundle.
func emptyCABundles(w event.MutatingWebhookConfig) []string {
	var out []string
	for _, h := range w.Webhooks {
		if h.CABundleBytes == 0 {
			out = append(out, w.Name+"/"+h.Name)
		}
	}
	return out
}

func objectEvidence(n *store.Node, r event.ObjectRef, text string) diagnosis.Evidence {
	e := diagnosis.Evidence{Side: diagnosis.SideConfig, Cluster: n.Key.Cluster, Node: n.Key.Node, File: r.File, Text: text}
	if n.Snapshot != nil && !n.Snapshot.InspectedAt.IsZero() {
		t := n.Snapshot.InspectedAt
		e.Time = &t
	}
	return e
}

func peerAuthnText(p event.PeerAuthentication) string {
	mode := p.Mode
	if mode == "" {
		mode = "(unset)"
	}
	s := fmt.Sprintf("PeerAuthentication %s/%s: mtls.mode %s", p.Namespace, p.Name, mode)
	if len(p.Selector) > 0 {
		s += " for workloads " + labelString(p.Selector)
	}
	if len(p.PortModes) > 0 {
		s += ", port-level " + labelString(p.PortModes)
	}
	return s
}

func namespaceText(ns event.Namespace) string {
	inj := "no istio-injection or istio.io/rev label"
	if v, ok := ns.Labels["istio-injection"]; ok {
		inj = "istio-injection=" + v
	} else if r := ns.Labels["istio.io/rev"]; r != "" {
		inj = "istio.io/rev=" + r
	}
	return fmt.Sprintf("Namespace %s: %s", ns.Name, inj)
}

func labelString(m map[string]string) string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	parts := make([]string, 0, len(keys))
	for _, k := range keys {
		parts = append(parts, k+"="+m[k])
	}
	return strings.Join(parts, ",")
}

// meshSymptoms returns a node's aggregates of the given mesh symptom.
func meshSymptoms(v *pairing.View, n *store.Node, code catalog.SymptomCode) []*store.SymptomAgg {
	return v.Symptoms(n, string(code))
}

// field returns a field of an aggregate's latest occurrence.
func field(a *store.SymptomAgg, k string) string {
	if a.Last.Fields == nil {
		return ""
	}
	return a.Last.Fields[k]
}
