package e2e

import (
	"bufio"
	"encoding/json"
	"io"
	"net/http"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/esdoctor/esdoctor/aggregator"
	"github.com/esdoctor/esdoctor/aggregator/api"
	"github.com/esdoctor/esdoctor/shared/diagnosis"
	"github.com/esdoctor/esdoctor/shared/natsx"
	"github.com/esdoctor/esdoctor/shared/natsx/natstest"
)

// An acknowledgement made with the CLI is honoured by check (it no longer
// counts), listed by diagnoses, pushed to esdoctor watch, and survives an
// aggregator restart (it lives in the JetStream key-value bucket).
func TestAckHonouredAndDurable(t *testing.T) {
	natsDir := t.TempDir()
	ns := natstest.RunServer(t, natsx.EmbeddedOptions{StoreDir: natsDir})
	url := ns.ClientURL()
	_, js := natstest.Connect(t, url)
	w, _, _ := world(t, true)
	es := events(w.Bundles())
	publish(t, js, es)
	a := start(t, aggregator.Options{NATSURL: url, Durable: "ack", DataDir: t.TempDir()})
	a.settle(t, uniqueIDs(es))
	server := "http://" + a.HTTPAddr()
	ds := a.diagnoses(t, api.Query{})
	if len(ds) != 1 {
		t.Fatalf("want one diagnosis:\n%s", summary(ds))
	}
	id := ds[0].ID

	// esdoctor watch --format json prints the ack event as it happens.
	watch := exec.Command(esdoctorBin, "watch", "--server", server, "--format", "json", "--count", "1")
	stdout, err := watch.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := watch.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() { _ = watch.Process.Kill(); _ = watch.Wait() }()
	waitFor(t, 10*time.Second, func() bool { return strings.Contains(metricsText(t, server), "esdoctor_console_clients 1") },
		func() string { return "esdoctor watch never connected" })

	out, errOut, code := esdoctor(t, "ack", id[:10], "--server", server, "--reason", "rotating the key", "--for", "4h", "--by", "alice", "--format", "text")
	if code != 0 || !strings.Contains(out, "Acknowledged "+transportPort) || !strings.Contains(out, "by alice until") {
		t.Fatalf("ack: exit %d %q %q", code, out, errOut)
	}
	line, err := bufio.NewReader(stdout).ReadString('\n')
	if err != nil {
		t.Fatalf("watch: %v", err)
	}
	var ev struct {
		Event string `json:"event"`
		Data  struct {
			ID  string         `json:"id"`
			Ack *diagnosis.Ack `json:"ack"`
		} `json:"data"`
	}
	if json.Unmarshal([]byte(line), &ev) != nil || ev.Event != api.EventAck || ev.Data.ID != id || ev.Data.Ack == nil || ev.Data.Ack.By != "alice" {
		t.Errorf("watch printed %q", line)
	}

	out, _, code = esdoctor(t, "check", "--server", server)
	if code != 0 || !strings.HasPrefix(out, "ESDOCTOR OK - no open diagnosis, 1 acknowledged | open_errors=0 open_warnings=0 agents_silent=0") ||
		!strings.Contains(out, "(acknowledged by alice until") {
		t.Errorf("check with the diagnosis acknowledged: exit %d\n%s", code, out)
	}
	out, _, _ = esdoctor(t, "diagnoses", "--server", server, "--format", "text")
	if !strings.Contains(out, "open (ack)") {
		t.Errorf("diagnoses does not show the ack:\n%s", out)
	}
	_, errOut, code = esdoctor(t, "ack", id, "--server", server, "--reason", "x", "--for", "soon")
	if code != 2 || !strings.Contains(errOut, `for "soon": want a duration`) {
		t.Errorf("ack --for soon: exit %d %q", code, errOut)
	}
	_, errOut, code = esdoctor(t, "mute", id, "--server", server, "--reason", "lab")
	if code != 2 || !strings.Contains(errOut, "a mute needs an end") {
		t.Errorf("mute without an end: exit %d %q", code, errOut)
	}

	// Restart the aggregator (and the NATS server under it, same store):
	// the ack is still there.
	a.stop()
	natstest.Stop(ns)
	ns2 := natstest.RunServer(t, natsx.EmbeddedOptions{StoreDir: natsDir, Port: natstest.Port(ns)})
	b := start(t, aggregator.Options{NATSURL: ns2.ClientURL(), Durable: "ack", DataDir: t.TempDir()})
	b.settle(t, uniqueIDs(es))
	d, ok := b.Diagnosis(id)
	if !ok || d.Ack == nil || d.Ack.By != "alice" || d.Ack.Reason != "rotating the key" {
		t.Fatalf("after a restart: %+v", d.Ack)
	}
	server = "http://" + b.HTTPAddr()
	out, _, code = esdoctor(t, "unack", id, "--server", server, "--reason", "done", "--by", "bob", "--format", "text")
	if code != 0 || !strings.Contains(out, "no longer acknowledged") {
		t.Errorf("unack: exit %d %q", code, out)
	}
	out, _, code = esdoctor(t, "check", "--server", server)
	if code != 2 {
		t.Errorf("check after unack: exit %d\n%s", code, out)
	}
	out, _, code = esdoctor(t, "nodes", "--server", server, "--cluster", "remote", "--format", "json")
	var nodes []api.Node
	if code != 0 || json.Unmarshal([]byte(out), &nodes) != nil || len(nodes) != 2 || nodes[0].Cluster != "remote" {
		t.Errorf("nodes --cluster remote: exit %d\n%s", code, out)
	}
	out, _, code = esdoctor(t, "check", "--server", server, "--cluster", "nosuch")
	if code != 3 || !strings.HasPrefix(out, `ESDOCTOR UNKNOWN - the aggregator at `+server+` knows no cluster "nosuch"`) {
		t.Errorf("check --cluster nosuch: exit %d %q", code, out)
	}
}

// metricsText is GET /metrics.
func metricsText(t *testing.T, server string) string {
	t.Helper()
	resp, err := http.Get(server + api.PathMetrics)
	if err != nil {
		return ""
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return string(b)
}
