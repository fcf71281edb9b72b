package acceptance_test

import (
	"context"
	"time"

	"github.com/esdoctor/esdoctor/aggregator/analyze"
	"github.com/esdoctor/esdoctor/internal/testkit/live"
	"github.com/esdoctor/esdoctor/shared/bundle"
	"github.com/esdoctor/esdoctor/shared/diagnosis"
)

// playLive plays the site through the running system (real agent daemons
// on the node directories, the real aggregator, logs written over time)
// when live plays are on (make test-live; make test plays a share), and
// wants the open diagnoses to equal esdoctor analyze over bs: the bundles
// the agents' collect made with the same options.
func (s *site) playLive(co collectOpts, loc *time.Location, bs []*bundle.Bundle) {
	s.t.Helper()
	if !live.Enabled(s.t) {
		return
	}
	want, _ := analyze.Bundles(context.Background(), bs, analyze.Options{})
	s.checkLive(co, loc, want)
}

// agreeLive always plays the site live (collected as analyzeUTC does)
// and wants the diagnoses esdoctor analyze gave (want).
func (s *site) agreeLive(want []diagnosis.Diagnosis) {
	s.t.Helper()
	s.build()
	s.checkLive(collectOpts{env: map[string]string{}}, time.UTC, want)
}

// checkLive plays the site with the agents configured as the collection
// was (overrides, environment, time zone, keystore password, host name).
func (s *site) checkLive(co collectOpts, loc *time.Location, want []diagnosis.Diagnosis) {
	s.t.Helper()
	p := live.Play{FingerprintKey: s.fpKey}
	for _, n := range s.nodes {
		o := n.options()
		id := n.cluster + "/" + n.name
		ln := live.Node{Conf: n.conf, Logs: n.logs, ClusterSettings: o.ClusterSettings, Hostname: n.hostname,
			Cluster: co.cluster[id], Name: co.nodeName[id], Env: co.env}
		if !o.KeystorePassword.IsZero() {
			ln.KeystorePassword = string(o.KeystorePassword.Reveal())
		}
		if loc != nil {
			ln.Timezone = loc.String()
		}
		p.Nodes = append(p.Nodes, ln)
	}
	live.Check(s.t, p, want)
}
