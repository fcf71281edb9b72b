package pairing

import (
	"slices"
	"sort"

	"github.com/esdoctor/esdoctor/aggregator/store"
)

// nodeSymptoms are one node's current symptom aggregates, in the order
// Symptoms returns them (first time, then key), all and by code. A view is
// immutable, so they are computed once per view and node: the rules ask
// for the same node's symptoms of one code or two many times per
// evaluation (some once per link).
type nodeSymptoms struct {
	all []*store.SymptomAgg
	// byCode groups all by code, in the order codes first appear; a node
	// has a handful of codes, so a scan beats hashing the code.
	byCode []codeGroup
}

type codeGroup struct {
	code string
	aggs []*store.SymptomAgg
}

// currentSymptoms indexes n's current symptoms on first use.
func (v *View) currentSymptoms(n *store.Node) *nodeSymptoms {
	if ns, ok := v.symIndex[n]; ok {
		return ns
	}
	if v.symIndex == nil {
		v.symIndex = map[*store.Node]*nodeSymptoms{}
	}
	ns := &nodeSymptoms{}
	for _, a := range n.Symptoms {
		if v.Current(n, a) {
			ns.all = append(ns.all, a)
		}
	}
	sort.Slice(ns.all, func(i, j int) bool {
		if !ns.all[i].FirstTime.Equal(ns.all[j].FirstTime) {
			return ns.all[i].FirstTime.Before(ns.all[j].FirstTime)
		}
		return ns.all[i].Key < ns.all[j].Key
	})
	for _, a := range ns.all {
		i := ns.group(a.Code)
		if i < 0 {
			i = len(ns.byCode)
			ns.byCode = append(ns.byCode, codeGroup{code: a.Code})
		}
		ns.byCode[i].aggs = append(ns.byCode[i].aggs, a)
	}
	v.symIndex[n] = ns
	return ns
}

// group finds code's group, or -1.
func (ns *nodeSymptoms) group(code string) int {
	for i := range ns.byCode {
		if ns.byCode[i].code == code {
			return i
		}
	}
	return -1
}

// symptoms is Symptoms over the index; the caller gets its own slice.
func (v *View) symptoms(n *store.Node, codes []string) []*store.SymptomAgg {
	ns := v.currentSymptoms(n)
	switch len(codes) {
	case 0:
		return slices.Clone(ns.all)
	case 1:
		if i := ns.group(codes[0]); i >= 0 {
			return slices.Clone(ns.byCode[i].aggs)
		}
		return nil
	}
	var out []*store.SymptomAgg
	for _, a := range ns.all {
		if slices.Contains(codes, a.Code) {
			out = append(out, a)
		}
	}
	return out
}

// hostAliases is HostAliases(n), computed once per view and node.
func (v *View) hostAliases(n *store.Node) []string {
	if hs, ok := v.aliasIndex[n]; ok {
		return hs
	}
	if v.aliasIndex == nil {
		v.aliasIndex = map[*store.Node][]string{}
	}
	hs := HostAliases(n)
	v.aliasIndex[n] = hs
	return hs
}

// portsOf is PortsOf(n), computed once per view and node.
func (v *View) portsOf(n *store.Node) Ports {
	if p, ok := v.portIndex[n]; ok {
		return p
	}
	if v.portIndex == nil {
		v.portIndex = map[*store.Node]Ports{}
	}
	p := PortsOf(n)
	v.portIndex[n] = p
	return p
}

// linkKey indexes the links by local cluster and alias.
type linkKey struct{ local, alias string }
