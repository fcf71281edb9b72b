package rules

import (
	"fmt"

	"github.com/esdoctor/esdoctor/aggregator/pairing"
	"github.com/esdoctor/esdoctor/shared/catalog"
	"github.com/esdoctor/esdoctor/shared/diagnosis"
	"github.com/esdoctor/esdoctor/shared/event"
)

// SSLReloadFailed: Elasticsearch polls the certificate, key and CA files
// its ssl settings name and reloads them when they are replaced; a
// replacement it cannot load (unreadable, truncated, wrong format or
// password) leaves the node on the old key material. The node's log says so
// (FileWatcher "cannot notify file changes listener" with the SSL reloader
// in the stack). A restart after the failure loads whatever is there, so it
// ends the finding (a broken file then fails the start instead).
type SSLReloadFailed struct{}

var _ Rule = SSLReloadFailed{}

func (SSLReloadFailed) Meta() Meta {
	return Meta{Code: catalog.SSLReloadFailed, Description: "a replaced certificate/key/CA file could not be reloaded by Elasticsearch",
		Inputs: []event.Kind{event.KindSymptom}}
}

func (SSLReloadFailed) Evaluate(v *pairing.View, r *Reporter) {
	for _, n := range v.Nodes {
		for _, a := range v.Symptoms(n, string(catalog.SymSSLReloadFailed)) {
			if len(n.Starts) > 0 && n.Starts[len(n.Starts)-1].After(a.LastTime) {
				continue // restarted since: the files were loaded afresh
			}
			path := a.Last.Fields["path"]
			what := "a file its ssl settings name"
			cmds := []string{"ls -l <the replaced file> (readable by the elasticsearch user?)"}
			if path != "" {
				what = path
				cmds = []string{"ls -l " + path + " (readable by the elasticsearch user?)", "openssl storeutl -noout -text " + path}
			}
			cause := a.Last.Fields["cause"]
			r.Report(Finding{Code: catalog.SSLReloadFailed, Key: n.Key.Node + "|" + path, Clusters: []string{n.Key.Cluster},
				Nodes:    refs(nil),
				Evidence: []diagnosis.Evidence{symptomEvidence(diagnosis.SideLocal, n, a)},
				Facts:    map[string]any{"path": path, "cause": cause},
				Fix: diagnosis.Fix{
					Summary: fmt.Sprintf("%s could not reload %s (%s) and keeps using the old key material. Fix the file in place (same name, readable by the elasticsearch user, in the format and with the password its setting expects); ES reloads it within seconds of the next change, no restart needed.",
						n.Key.Node, what, orUnknown(cause)),
					Commands: cmds,
					Nodes:    []diagnosis.NodeRef{ref(n)},
				}})
		}
	}
}
