package rules_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/esdoctor/esdoctor/aggregator/analyze"
	"github.com/esdoctor/esdoctor/aggregator/rules"
	"github.com/esdoctor/esdoctor/internal/testkit/scenario"
	"github.com/esdoctor/esdoctor/shared/event"
)

// inputWorlds are event streams that exercise most rules at once: faults
// seen in configuration and in logs on both sides.
func inputWorlds(t *testing.T) map[string][]*event.Envelope {
	out := map[string][]*event.Envelope{}
	add := func(name string, w *scenario.World) {
		var es []*event.Envelope
		for _, b := range w.Bundles() {
			es = append(es, b.Events...)
		}
		out[name] = es
	}
	// Logs: closes, an SSL reload failure, S3 keys on one node, a REST key,
	// privileges from the audit log.
	w, local, remote := healthy(t)
	local.Node("local-1").Log(
		scenario.ClosedByRemote(w.At(time.Hour), "local-1", "remote-1", "127.0.1.2:9443"),
		scenario.NoRemoteIndices(w.At(2*time.Hour), "local-1", "my", "foo"),
		scenario.S3InvalidKey(w.At(3*time.Hour), "local-1", "local-2", "127.0.0.3:9300"))
	local.Node("local-2").Secure("s3.client.default.access_key", "CANARY-SECRET-AKIAOLD").Secure("s3.client.default.secret_key", "CANARY-SECRET-old")
	remote.Node("remote-2").Log(
		"[2024-05-01T12:00:00,000][WARN ][o.e.w.FileWatcher        ] [remote-2] cannot notify file changes listener",
		"org.elasticsearch.ElasticsearchException: failed to initialize SSL TrustManager",
		"\tat org.elasticsearch.xpack.core.ssl.SSLConfigurationReloader$ChangeListener.onFileChanged(SSLConfigurationReloader.java:121) ~[?:?]")
	add("logs", w)
	// Configuration: the server off on a seed, an expired certificate, a
	// yml edited after the start, keys missing on a node.
	w2, local2, remote2 := healthy(t)
	remote2.Node("remote-2").UnsetYML("remote_cluster_server.enabled")
	local2.Node("local-3").RemoveSecure("cluster.remote.my.credentials")
	local2.Node("local-2").Touch("elasticsearch.yml", w2.At(time.Hour)).Log(scenario.Plain(w2.At(2*time.Hour), "INFO", "o.e.c.r.a.AllocationService", "local-2", "current.health=\"GREEN\""))
	add("config", w2)
	return out
}

// TestRulesReadOnlyDeclaredInputs (in the manner of Istio's analyzer
// meta-tests): each rule, run alone over a stream filtered to the event
// kinds its Meta.Inputs declares, gives exactly what it gives over the whole
// stream. A rule that reads an undeclared kind would differ.
func TestRulesReadOnlyDeclaredInputs(t *testing.T) {
	worlds := inputWorlds(t)
	changedBySymptoms := false
	for name, es := range worlds {
		for _, r := range rules.All() {
			m := r.Meta()
			declared := map[event.Kind]bool{}
			for _, k := range m.Inputs {
				declared[k] = true
			}
			run := func(keep func(event.Kind) bool) string {
				var sub []*event.Envelope
				for _, e := range es {
					if keep(e.Kind) {
						sub = append(sub, e)
					}
				}
				ds := analyze.Events(context.Background(), sub, analyze.Options{Rules: rules.Options{Rules: []rules.Rule{r}, MeshPack: true}})
				return strings.Join(scenario.Summary(ds), "\n")
			}
			all := run(func(event.Kind) bool { return true })
			// Heartbeats and status events only keep nodes alive; a rule
			// may rely on them without declaring them.
			only := run(func(k event.Kind) bool { return declared[k] || k == event.KindHeartbeat || k == event.KindStatus })
			if all != only {
				t.Errorf("%s/%s reads inputs beyond %v:\n  all events:\n    %s\n  declared only:\n    %s", name, m.Code, m.Inputs,
					strings.ReplaceAll(all, "\n", "\n    "), strings.ReplaceAll(only, "\n", "\n    "))
			}
			if declared[event.KindSymptom] && all != run(func(k event.Kind) bool { return k != event.KindSymptom }) {
				changedBySymptoms = true
			}
		}
	}
	if !changedBySymptoms {
		t.Error("no rule's output depends on symptoms in these worlds: the meta-test could not catch an undeclared input")
	}
}
