// Package collect writes one node's evidence — its snapshot and the
// symptoms in its server logs — as the events the daemon would send, for
// offline analysis (`esdoctor-agent collect`, `esdoctor analyze`).
package collect

import (
	"context"
	"fmt"
	"os"
	"strconv"
	"time"

	"github.com/esdoctor/esdoctor/agent/inspect"
	"github.com/esdoctor/esdoctor/agent/logs/logfiles"
	"github.com/esdoctor/esdoctor/agent/logs/scan"
	"github.com/esdoctor/esdoctor/agent/logs/symptom"
	"github.com/esdoctor/esdoctor/agent/mesh"
	"github.com/esdoctor/esdoctor/agent/mesh/meshlog"
	"github.com/esdoctor/esdoctor/shared/bundle"
	"github.com/esdoctor/esdoctor/shared/event"
)

// Options selects what to collect.
type Options struct {
	Inspect inspect.Options
	// Window is the symptom dedup window (default symptom.DefaultWindow).
	Window time.Duration
	// Location is the zone of plain-layout log timestamps (default Local).
	Location *time.Location
	// MeshPack enables the service-mesh pack; Mesh names its inputs (logs,
	// objects, certificate checks). Mesh with inputs turns the pack on.
	MeshPack bool
	Mesh     *mesh.Config
	// Agent names the collecting agent (default the host name).
	Agent string
}

// Collect inspects the node, scans its server logs and returns a bundle.
// Unreadable log files are listed in the bundle's Errors.
func Collect(ctx context.Context, o Options) (*bundle.Bundle, error) {
	res, err := inspect.Inspect(ctx, o.Inspect)
	if err != nil {
		return nil, err
	}
	snap := res.Snapshot
	now := snap.InspectedAt
	if o.Agent == "" {
		o.Agent, _ = os.Hostname()
	}
	b := &bundle.Bundle{CreatedAt: now, Cluster: snap.Cluster, Node: snap.Node, Agent: o.Agent}
	var meshEvents []*event.Envelope
	if o.MeshPack || o.Mesh.On() {
		meshEvents = collectMesh(ctx, o, snap, b)
	}
	b.Events = append(b.Events, SnapshotEvent(snap, o.Agent))
	b.Events = append(b.Events, meshEvents...)
	b.Errors = append(b.Errors, snap.Errors...)
	if snap.PathLogs != "" {
		files, err := logfiles.ServerLogs(snap.PathLogs)
		if err != nil {
			b.Errors = append(b.Errors, event.FileError{File: snap.PathLogs, Error: err.Error()})
		}
		files = logfiles.ForCluster(files, snap.Cluster)
		window := o.Window
		if window == 0 {
			window = symptom.DefaultWindow
		}
		m := symptom.NewMatcher(symptom.Options{MeshPack: o.MeshPack})
		for _, f := range files {
			err := scan.ScanFile(ctx, f, scan.Options{Location: o.Location, Window: window, Matcher: m}, func(s event.Symptom) {
				b.Events = append(b.Events, SymptomEvent(snap.Cluster, snap.Node, o.Agent, s))
			})
			if err != nil {
				b.Errors = append(b.Errors, event.FileError{File: f, Error: err.Error()})
			}
		}
	}
	return b, nil
}

// SnapshotEvent wraps a snapshot; its id is a digest of the content, so an
// unchanged snapshot sent again is deduplicated.
func SnapshotEvent(s *event.Snapshot, agent string) *event.Envelope {
	c := *s
	c.InspectedAt = time.Time{}
	id := event.HashID("snapshot", s.Cluster, s.Node, digestJSON(&c), s.InspectedAt.Truncate(time.Hour).String())
	return &event.Envelope{Schema: event.SchemaVersion, ID: id, Kind: event.KindSnapshot, Cluster: s.Cluster, Node: s.Node, Agent: agent, Time: s.InspectedAt, Snapshot: s}
}

// SymptomEvent wraps a symptom; its id is (node, file, offset, code, count).
func SymptomEvent(cluster, node, agent string, s event.Symptom) *event.Envelope {
	// The node/cluster of the envelope are the agent's; the log's own
	// names stay in the symptom.
	id := event.HashID("symptom", cluster, node, s.File, strconv.FormatInt(s.Offset, 10), s.Symptom, strconv.Itoa(s.Count), s.Time.String())
	t := s.Time
	if t.IsZero() {
		t = time.Now()
	}
	return &event.Envelope{Schema: event.SchemaVersion, ID: id, Kind: event.KindSymptom, Cluster: cluster, Node: node, Agent: agent, Time: t, Symptom: &s}
}

func digestJSON(v any) string {
	return fmt.Sprintf("%x", hashJSON(v))
}

// collectMesh reads the service-mesh pack's inputs: the objects and
// certificate checks go into the snapshot, the istiod/istio-proxy logs
// become symptom events.
func collectMesh(ctx context.Context, o Options, snap *event.Snapshot, b *bundle.Bundle) []*event.Envelope {
	cfg := o.Mesh
	if cfg == nil {
		cfg = &mesh.Config{}
	}
	snap.Mesh = cfg.Read()
	b.Errors = append(b.Errors, snap.Mesh.Errors...)
	files, errs := cfg.LogFiles()
	b.Errors = append(b.Errors, errs...)
	window := o.Window
	if window == 0 {
		window = symptom.DefaultWindow
	}
	var out []*event.Envelope
	for _, f := range files {
		err := meshlog.ScanFile(ctx, f, window, func(s event.Symptom) {
			out = append(out, SymptomEvent(snap.Cluster, snap.Node, o.Agent, s))
		})
		if err != nil {
			b.Errors = append(b.Errors, event.FileError{File: f, Error: err.Error()})
		}
	}
	return out
}
