package acceptance_test

import (
	"strconv"
	"testing"
)

// Healthy API-key setups in every definition style, mode and host layout:
// no diagnosis at all.
func TestHealthyAPIKeyStyles(t *testing.T) {
	cases := []style{
		{def: "yml-flat", mode: "sniff", hosts: "multi", layout: "plain", nLocal: 3, nRemote: 2},
		{def: "yml-nested", mode: "sniff", hosts: "multi", layout: "ecs", nLocal: 2, nRemote: 3},
		{def: "yml-nested", mode: "proxy", hosts: "multi", layout: "plain"},
		{def: "yml-flat", mode: "proxy", hosts: "names", layout: "both"},
		{def: "settings-nested", mode: "sniff", hosts: "multi", layout: "both", nLocal: 3, nRemote: 3},
		{def: "settings-nested", mode: "proxy", hosts: "single", layout: "plain"},
		{def: "settings-flat", mode: "sniff", hosts: "names", layout: "ecs"},
		{def: "settings-flat", mode: "proxy", hosts: "multi", layout: "plain", noStart: true},
		{def: "invisible", mode: "sniff", hosts: "multi", layout: "plain"},
		{def: "invisible", mode: "proxy", hosts: "single", layout: "ecs", noStart: true},
		{def: "yml-flat", mode: "sniff", hosts: "single", layout: "plain", nLocal: 3, nRemote: 3},
	}
	for _, st := range cases {
		st := st
		t.Run(st.def+"/"+st.mode+"/"+st.hosts+"/"+st.layout, func(t *testing.T) {
			tp := newTopo(t, st)
			expect(t, tp.s.analyze())
		})
	}
}

// Everything on one machine with ES's defaults: no network.host at all
// (bound to _local_), the remote cluster server on the default bind chain,
// seeds on localhost.
func TestHealthySingleHostDefaults(t *testing.T) {
	tp := newTopo(t, style{def: "settings-nested", hosts: "single"})
	for _, e := range append(append([]*es{}, tp.local...), tp.remote...) {
		e.unset("network.host")
	}
	var seeds []string
	for _, e := range tp.remote {
		seeds = append(seeds, "localhost:"+itoa(e.rcPort))
	}
	tp.defineSeeds(seeds)
	expect(t, tp.s.analyze())
}

// The certificate model (before 8.10): seeds on the transport port, no
// API key, both clusters' transport certificates from one CA.
func TestHealthyCertificateModel(t *testing.T) {
	for _, def := range []string{"yml-nested", "settings-flat"} {
		t.Run(def, func(t *testing.T) {
			tp := newTopo(t, style{def: def, certModel: true, nLocal: 2, nRemote: 3})
			expect(t, tp.s.analyze())
		})
	}
}

func itoa(i int) string { return strconv.Itoa(i) }
