package main

import (
	_ "embed"
	"encoding/json"
	"fmt"
	"regexp"
	"strconv"
	"time"

	"github.com/esdoctor/esdoctor/shared/event"
)

// The template world (see templates_test.go): names, hosts and ids that
// renaming replaces.
const (
	tplLocal     = "tpl-local"
	tplRemote    = "tpl-remote"
	tplLocalNet  = "127.0.101."
	tplRemoteNet = "127.0.102."
	tplAlias     = "tplalias"
	tplKeyID     = "tplKEYid000000000000"
	tplFaultKey  = "tplFAULTkey000000000"
	// maxClusterSize is the largest simulated cluster (the template
	// clusters have this many nodes).
	maxClusterSize = 10
)

// Names of the symptom templates beyond the symptom codes.
const (
	symStartVersion = "node-started/version"
	symStarting     = "node-started/starting"
)

// symptomTemplateNames lists every symptom template the generator uses.
var symptomTemplateNames = []string{symStartVersion, symStarting, "publish-address", "closed-by-remote", "connect-exception",
	"api-key-unable-to-authenticate", "missing-cross-cluster-credentials-header", "api-key-invalid-credentials"}

//go:embed testdata/templates.golden.json
var templatesJSON []byte

// Templates are snapshots and log records of a healthy pair of clusters,
// as the real agent code collected them.
type Templates struct {
	// Start is the nodes' start time in the template logs; Generated is
	// when the certificates were made.
	Start     time.Time                `json:"start"`
	Generated time.Time                `json:"generated"`
	Local     []*event.Snapshot        `json:"local"`
	Remote    []*event.Snapshot        `json:"remote"`
	Symptoms  map[string]event.Symptom `json:"symptoms"`
}

func loadTemplates() (*Templates, error) {
	var t Templates
	if err := json.Unmarshal(templatesJSON, &t); err != nil {
		return nil, fmt.Errorf("templates testdata/templates.golden.json: %w", err)
	}
	return &t, nil
}

// ident is a simulated node's identity.
type ident struct{ Cluster, Node, Host string }

// renamer maps the template world onto one simulated pair of clusters.
type renamer struct {
	local, remote []ident // template node k is index k-1
	localName     string
	remoteName    string
	alias, keyID  string
	faultKey      string
}

var tplToken = regexp.MustCompile(`tpl-(local|remote)(-[0-9]+)?|127\.0\.10([12])\.([0-9]+)|` + tplAlias + `|` + tplKeyID + `|` + tplFaultKey)

// apply renames every template token in s. A template node beyond the
// simulated cluster's size keeps its template name (the templates only
// refer to nodes 1 and 2 across clusters).
func (r *renamer) apply(s string) string {
	return tplToken.ReplaceAllStringFunc(s, func(tok string) string {
		switch tok {
		case tplAlias:
			return r.alias
		case tplKeyID:
			return r.keyID
		case tplFaultKey:
			return r.faultKey
		}
		m := tplToken.FindStringSubmatch(tok)
		side, nodeNum, hostNet, hostNum := m[1], m[2], m[3], m[4]
		pick := func(remote bool, num string) (ident, bool) {
			nodes := r.local
			if remote {
				nodes = r.remote
			}
			k, err := strconv.Atoi(num)
			if err != nil || k < 1 || k > len(nodes) {
				return ident{}, false
			}
			return nodes[k-1], true
		}
		switch {
		case hostNet != "":
			if id, ok := pick(hostNet == "2", hostNum); ok {
				return id.Host
			}
		case nodeNum != "":
			if id, ok := pick(side == "remote", nodeNum[1:]); ok {
				return id.Node
			}
		case side == "remote":
			return r.remoteName
		default:
			return r.localName
		}
		return tok
	})
}

// snapshot renders template snapshot s for one node: renamed, inspected
// now, started at start, its files last modified an hour before the start
// and its certificates as fresh as when the templates were made.
func (r *renamer) snapshot(s *event.Snapshot, start, now time.Time, generated time.Time) (*event.Snapshot, error) {
	b, err := json.Marshal(s)
	if err != nil {
		return nil, err
	}
	var out event.Snapshot
	if err := json.Unmarshal([]byte(r.apply(string(b))), &out); err != nil {
		return nil, fmt.Errorf("renamed snapshot %s: %w", s.Node, err)
	}
	out.InspectedAt = now
	st := start
	out.StartedAt = &st
	out.ConfigChangedAt = nil
	mtime := start.Add(-time.Hour)
	if out.Keystore != nil {
		out.Keystore.ModTime = mtime
	}
	shift := now.Sub(generated)
	for i := range out.Certificates {
		cf := &out.Certificates[i]
		cf.ModTime = mtime
		for j := range cf.Certificates {
			c := &cf.Certificates[j]
			c.NotBefore, c.NotAfter = c.NotBefore.Add(shift), c.NotAfter.Add(shift)
		}
	}
	for i := range out.Files {
		out.Files[i].ModTime = mtime
	}
	return &out, nil
}

// symptom renders a template record for one node: renamed, its times moved
// from the template start to start.
func (r *renamer) symptom(s event.Symptom, tplStart, start time.Time) (event.Symptom, error) {
	b, err := json.Marshal(s)
	if err != nil {
		return event.Symptom{}, err
	}
	var out event.Symptom
	if err := json.Unmarshal([]byte(r.apply(string(b))), &out); err != nil {
		return event.Symptom{}, fmt.Errorf("renamed symptom %s: %w", s.Symptom, err)
	}
	out.Time = start.Add(s.Time.Sub(tplStart))
	if s.LastTime != nil {
		t := start.Add(s.LastTime.Sub(tplStart))
		out.LastTime = &t
	}
	return out, nil
}

// as maps template node 1 of one side onto n, for the records a node
// logs about itself (the symptom templates were logged by node 1).
func (r renamer) as(remoteSide bool, n ident) *renamer {
	if remoteSide {
		r.remote = append([]ident{n}, r.remote[min(1, len(r.remote)):]...)
	} else {
		r.local = append([]ident{n}, r.local[min(1, len(r.local)):]...)
	}
	return &r
}

func itoa(i int) string { return strconv.Itoa(i) }
