package e2e

import (
	"bytes"
	"context"
	"encoding/base64"
	"io"
	"io/fs"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/nats-io/nats.go/jetstream"
	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"

	"github.com/esdoctor/esdoctor/agent/daemon"
	"github.com/esdoctor/esdoctor/aggregator"
	"github.com/esdoctor/esdoctor/aggregator/api"
	"github.com/esdoctor/esdoctor/internal/testkit/scenario"
	"github.com/esdoctor/esdoctor/shared/natsx"
	"github.com/esdoctor/esdoctor/shared/secret"
)

// TestSecretLeakLive: a real agent daemon (debug logging, /metrics on) on a
// node whose keystore, yml (values below secure settings, typos of their
// names) and log lines (Authorization: ApiKey, password=, an AWS secret key,
// a PEM private key) hold planted secrets, against the real aggregator with
// its embedded NATS. Once the planted lines have arrived as symptoms,
// every message of both JetStream streams, the JetStream files on disk,
// the daemon's log, the agent's and the aggregator's /metrics and the
// aggregator's API answers are scanned: none holds a planted value, and the
// API key id ES logs is still there.
func TestSecretLeakLive(t *testing.T) {
	const (
		apiKeyLine = "leakKeyId0000000000a:CANARY-SECRET-live-logapi"
		aws        = "wJalrXUtnFEMIK7MDENGbPxRfiCYq0a1b2c3d4e5"
		pemBody    = "MIIEvQIBADANBgkqhkiG9w0BAQEFAASCBKcwggSjAgEAAoIBAQDcanaryLeak0123"
	)
	b64 := base64.StdEncoding.EncodeToString([]byte(apiKeyLine))
	values := [][]byte{[]byte(b64), []byte(aws), []byte(pemBody), []byte(key.Secret),
		[]byte(base64.StdEncoding.EncodeToString([]byte(key.ID + ":" + key.Secret)))}

	w := scenario.New(t)
	local := w.Cluster("leak-local", "leak-1@127.0.0.2")
	remote := w.Cluster("leak-remote", "leak-r1@127.0.1.2")
	local.TransportTLS()
	remote.TransportTLS().RemoteClusterServer()
	local.Link(remote, "my", key, 9443)
	n := local.Node("leak-1")
	n.Started().
		Secure("s3.client.default.secret_key", "CANARY-SECRET-live-s3secret").
		YML("xpack.security.http.ssl.truststore.password: {a: CANARY-SECRET-live-subkey, b: [CANARY-SECRET-live-sublst]}",
			"xpack.security.transport.ssl.keystore.pasword: CANARY-SECRET-live-typo01",
			"cluster.remote.r1.credential: CANARY-SECRET-live-typo02").
		Log(scenario.Plain(w.At(time.Minute), "WARN", "o.e.x.s.a.ApiKeyAuthenticator", "leak-1",
			"Authentication using apikey failed - invalid credentials for API key [leakKeyId0000000000a] (header Authorization: ApiKey "+b64+")"),
			scenario.Plain(w.At(2*time.Minute), "WARN", "r.suppressed", "leak-1",
				"path: /_snapshot/repository/snapshot, params: {repository=repository, password=CANARY-SECRET-live-logpwd, aws_secret_access_key="+aws+"}",
				"Caused by: org.elasticsearch.common.io.stream.NotSerializableExceptionWrapper: amazon_s3_exception: The AWS Access Key Id you provided does not exist in our records. (Service: Amazon S3; Status Code: 403; Error Code: InvalidAccessKeyId; Request ID: EBB2BAA86AB71F48)"),
			scenario.Plain(w.At(3*time.Minute), "WARN", "o.e.c.s.DiagnosticTrustManager", "leak-1",
				"failed to establish trust with server at [127.0.1.2]; the server provided a certificate with subject name [CN=other] and fingerprint [065071bd5b26e83b2903b09179acf4a48851d775]; the certificate is issued by [CN=other-ca] but the server did not provide a copy of the issuing certificate in the certificate chain; this ssl context ([xpack.security.transport.ssl]) is not configured to trust that issuer; key -----BEGIN PRIVATE KEY----- "+pemBody+" -----END PRIVATE KEY-----"))
	w.Build()

	dataDir := t.TempDir()
	aggLog := &syncBuffer{}
	agg := start(t, aggregator.Options{Durable: "leak", DataDir: dataDir,
		Logger: zap.New(zapcore.NewCore(zapcore.NewJSONEncoder(zap.NewProductionEncoderConfig()), zapcore.AddSync(aggLog), zapcore.DebugLevel))})

	// The agent daemon, with its log in a buffer and /metrics on a free port.
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	metricsAddr := ln.Addr().String()
	ln.Close()
	agentLog := &syncBuffer{}
	stop := startAgentsWithLogger(t, agg, []*scenario.Node{n}, func(c *daemon.Config, _ *scenario.Node) {
		c.Metrics.Listen = metricsAddr
	}, zap.New(zapcore.NewCore(zapcore.NewJSONEncoder(zap.NewProductionEncoderConfig()), zapcore.AddSync(agentLog), zapcore.DebugLevel)))

	nc, err := connectAs(agg.NATSURL(), agg.NATSCredsFile(), agg.NATSCAFile())
	if err != nil {
		t.Fatal(err)
	}
	defer nc.Close()
	js, err := jetstream.New(nc)
	if err != nil {
		t.Fatal(err)
	}
	streamBytes := func(name string) []byte {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		s, err := js.Stream(ctx, name)
		if err != nil {
			t.Fatalf("stream %s: %v", name, err)
		}
		info, err := s.Info(ctx)
		if err != nil {
			t.Fatal(err)
		}
		var all []byte
		for seq := info.State.FirstSeq; seq <= info.State.LastSeq && info.State.Msgs > 0; seq++ {
			m, err := s.GetMsg(ctx, seq)
			if err != nil {
				continue // deleted (rolled up)
			}
			all = append(append(append(all, m.Subject...), '\n'), m.Data...)
			all = append(all, '\n')
		}
		return all
	}
	var events []byte
	var missing []string
	waitFor(t, 60*time.Second, func() bool {
		events = append(streamBytes(natsx.StreamEvents), streamBytes(natsx.StreamState)...)
		missing = nil
		for _, code := range []string{`"api-key-invalid-credentials"`, `"s3-invalid-access-key"`, `"tls-trust-failure"`, `"snapshot"`} {
			if !bytes.Contains(events, []byte(code)) {
				missing = append(missing, code)
			}
		}
		return len(missing) == 0
	}, func() string {
		return "the planted symptoms and the snapshot on the streams; missing " + strings.Join(missing, " ") + " in " + string(events[:min(len(events), 3000)])
	})
	if !bytes.Contains(events, []byte("leakKeyId0000000000a")) {
		t.Error("the API key id ES logs is not in the events")
	}

	get := func(url string) []byte {
		resp, err := http.Get(url)
		if err != nil {
			t.Errorf("GET %s: %v", url, err)
			return nil
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return b
	}
	server := "http://" + agg.HTTPAddr()
	outputs := map[string][]byte{
		"stream " + natsx.StreamEvents: events,
		"stream " + natsx.StreamState:  streamBytes(natsx.StreamState),
		"agent /metrics":               get("http://" + metricsAddr + "/metrics"),
		"aggregator /metrics":          get(server + api.PathMetrics),
		"API diagnoses":                get(server + api.PathDiagnoses + "?all=1"),
		"API nodes":                    get(server + api.PathNodes),
	}
	if !bytes.Contains(outputs["agent /metrics"], []byte("esdoctor_")) {
		t.Errorf("agent /metrics answered %q", outputs["agent /metrics"])
	}
	stop()
	outputs["agent daemon log"] = []byte(agentLog.String())
	outputs["aggregator log"] = []byte(aggLog.String())
	if len(outputs["agent daemon log"]) == 0 {
		t.Error("the daemon logged nothing")
	}
	var files int
	filepath.WalkDir(dataDir, func(p string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			if b, err := os.ReadFile(p); err == nil {
				outputs["data dir "+strings.TrimPrefix(p, dataDir)] = b
				files++
			}
		}
		return nil
	})
	if files == 0 {
		t.Error("no JetStream files in the data dir")
	}
	for what, b := range outputs {
		if i := secret.FindCanary(b); i >= 0 {
			t.Errorf("%s: planted secret marker at byte %d: %q", what, i, b[max(0, i-120):min(len(b), i+60)])
			continue
		}
		if v, ok := secret.ContainsAny(b, values...); ok {
			i := bytes.Index(b, []byte(v))
			t.Errorf("%s: planted value %q at byte %d", what, v, i)
		}
	}
}
