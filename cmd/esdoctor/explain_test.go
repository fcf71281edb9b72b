package main

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/esdoctor/esdoctor/shared/catalog"
)

// Every input in testdata/explain and the symptoms explain must find there
// (none: it must say "not recognised", exit 1).
var explainCases = map[string][]string{
	"bare-api-key-type.txt":                {"api-key-wrong-type"},
	"bare-client-did-not-trust.txt":        {"client-did-not-trust-server-cert"},
	"bare-missing-header.txt":              {"missing-cross-cluster-credentials-header"},
	"bare-two-messages.txt":                {"api-key-invalid-credentials", "closed-by-remote"},
	"bare-unrelated.txt":                   nil,
	"corpus-connect-exception--01.log":     {"connect-exception"},
	"corpus-node-started--03.log":          {"node-started"},
	"corpus-none--01.log":                  nil,
	"corpus-none--05.log":                  nil,
	"corpus-none--07.log":                  nil,
	"corpus-none--08.log":                  nil,
	"corpus-s3-invalid-access-key--01.log": {"s3-invalid-access-key"},
	"corpus-tls-trust-failure--01.log":     {"tls-trust-failure"},
	"response-handshake-curl.txt":          {"handshake-missing-authentication"},
	"response-remote-indices.json":         {"no-remote-indices-privileges"},
	"response-unrelated.json":              nil,
}

func TestExplainInputs(t *testing.T) {
	files, _ := filepath.Glob("testdata/explain/*")
	for _, f := range files {
		name := filepath.Base(f)
		if name == "README.md" || strings.HasSuffix(name, ".golden.txt") {
			continue
		}
		want, listed := explainCases[name]
		if !listed {
			t.Errorf("%s has no expectation in explainCases", name)
			continue
		}
		t.Run(name, func(t *testing.T) {
			in, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			out, errOut, code := run(t, string(in), "explain", "--format", "json")
			var ex explanation
			if err := json.Unmarshal([]byte(out), &ex); err != nil {
				t.Fatalf("exit %d, stderr %q, output not JSON: %v", code, errOut, err)
			}
			var got []string
			for _, s := range ex.Symptoms {
				got = append(got, s.Symptom)
				if s.Description == "" || s.Meaning == "" || len(s.LeadsTo) == 0 || len(s.Check) == 0 {
					t.Errorf("%s: incomplete explanation %+v", s.Symptom, s)
				}
			}
			sort.Strings(got)
			if strings.Join(got, ",") != strings.Join(want, ",") {
				t.Errorf("symptoms %v, want %v", got, want)
			}
			if wantCode := map[bool]int{true: 0, false: 1}[len(want) > 0]; code != wantCode || ex.Recognised != (len(want) > 0) {
				t.Errorf("exit %d recognised %v, want exit %d", code, ex.Recognised, wantCode)
			}
		})
	}
}

func TestExplainArgumentAndText(t *testing.T) {
	out, _, code := run(t, "", "explain", "--format", "text",
		"Authentication using apikey failed - invalid credentials for API key [agZXJocBmA2beJfq2yKu]")
	if code != 0 || !strings.Contains(out, "api-key-invalid-credentials") || !strings.Contains(out, "invalid-api-key (error)") {
		t.Errorf("argument: exit %d\n%s", code, out)
	}
	in, err := os.ReadFile("testdata/explain/bare-two-messages.txt")
	if err != nil {
		t.Fatal(err)
	}
	out, _, code = run(t, string(in), "explain", "--format", "text", "-")
	if code != 0 {
		t.Fatalf("stdin: exit %d", code)
	}
	golden(t, "explain/bare-two-messages.golden.txt", out)
	out, _, code = run(t, "Cluster health status changed", "explain", "--format", "text")
	if code != 1 || !strings.Contains(out, "Not recognised") {
		t.Errorf("unrecognised: exit %d\n%s", code, out)
	}
}

func TestExplainMalformed(t *testing.T) {
	for _, tc := range []struct{ name, in, want string }{
		{"empty", "", "empty input"},
		{"blank", " \n\t\n", "empty input"},
		{"binary", "\x1f\x8b\x08\x00\x00\x00\x00\x00", "NUL bytes: binary data"},
		{"too large", strings.Repeat("x", maxExplainInput+1), "exceeds the 1048576 byte limit"},
	} {
		_, errOut, code := run(t, tc.in, "explain")
		oneLine(t, tc.name, errOut, code, tc.want)
	}
	_, errOut, code := run(t, "", "explain", "--format", "yaml", "text")
	oneLine(t, "bad format", errOut, code, "--format must be text or json")
}

// Every catalog symptom has advice, and advice names only catalog codes.
func TestExplainCoversTheCatalog(t *testing.T) {
	for _, s := range catalog.Symptoms() {
		a, ok := adviceFor[s.Code]
		if !ok {
			t.Errorf("symptom %s has no advice in explain_table.go", s.Code)
			continue
		}
		if a.Meaning == "" || len(a.LeadsTo) == 0 || len(a.Check) == 0 {
			t.Errorf("symptom %s: incomplete advice", s.Code)
		}
		for _, c := range a.LeadsTo {
			if _, ok := catalog.Lookup(c); !ok {
				t.Errorf("symptom %s leads to unknown code %s", s.Code, c)
			}
		}
	}
	for code := range adviceFor {
		if _, ok := catalog.LookupSymptom(code); !ok {
			t.Errorf("advice for %s, which is not a catalog symptom", code)
		}
	}
}

// FuzzExplain: any paste gives an answer or a clear input error, never a
// panic; a recognised symptom is always a catalog code with its advice.
func FuzzExplain(f *testing.F) {
	files, _ := filepath.Glob("testdata/explain/*")
	for _, p := range files {
		b, err := os.ReadFile(p)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	f.Add([]byte(`{"error":"plain string error"}`))
	f.Add([]byte(`{"error":{"caused_by":{"caused_by":{"reason":"closed by remote"}}}}`))
	f.Fuzz(func(t *testing.T, b []byte) {
		ex, err := explain(context.Background(), b)
		if err != nil {
			msg := err.Error()
			if !strings.Contains(msg, "empty input") && !strings.Contains(msg, "NUL bytes") && !strings.Contains(msg, "byte limit") &&
				!strings.Contains(msg, "scanning the excerpt") {
				t.Fatalf("unclear error: %v", err)
			}
			return
		}
		if ex.Recognised != (len(ex.Symptoms) > 0) {
			t.Fatalf("recognised %v with %d symptoms", ex.Recognised, len(ex.Symptoms))
		}
		for _, s := range ex.Symptoms {
			if _, ok := catalog.LookupSymptom(catalog.SymptomCode(s.Symptom)); !ok {
				t.Fatalf("unknown symptom %q", s.Symptom)
			}
		}
		var sb strings.Builder
		writeExplanation(&sb, ex)
	})
}

// TestExplainScrubsSecretShapedText: pasted log lines carrying an
// Authorization header, a password= pair, an AWS secret key and a PEM
// private key are explained without any of them in the output (text and
// JSON); the API key id ES logs stays.
func TestExplainScrubsSecretShapedText(t *testing.T) {
	const b64 = "bGVha0tleUlkMDAwMDAwMDAwMGE6Q0FOQVJZLVNFQ1JFVC1hYzZkN2U4ZjkwLWxvZ2FwaQ==" // leakKeyId0000000000a:CANARY-SECRET-…
	const aws = "wJalrXUtnFEMIK7MDENGbPxRfiCYq0a1b2c3d4e5"
	const pemBody = "MIIEvQIBADANBgkqhkiG9w0BAQEFAASCBKcwggSjAgEAAoIBAQDcanaryLeak0123"
	paste := "[2026-10-28T07:02:00,000][WARN ][o.e.x.s.a.ApiKeyAuthenticator] [leak-1] Authentication using apikey failed - invalid credentials for API key [leakKeyId0000000000a] (header Authorization: ApiKey " + b64 + ")\n" +
		"[2026-10-28T07:03:00,000][WARN ][r.suppressed             ] [leak-1] path: /_snapshot/repository/snapshot, params: {repository=repository, password=CANARY-SECRET-bd7e8f90a1-logpwd, aws_secret_access_key=" + aws + "}\n" +
		"Caused by: org.elasticsearch.common.io.stream.NotSerializableExceptionWrapper: amazon_s3_exception: The AWS Access Key Id you provided does not exist in our records. (Service: Amazon S3; Status Code: 403; Error Code: InvalidAccessKeyId; Request ID: EBB2BAA86AB71F48)\n" +
		"[2026-10-28T07:04:00,000][WARN ][o.e.c.s.DiagnosticTrustManager] [leak-1] failed to establish trust with server at [127.0.0.3]; the server provided a certificate with subject name [CN=other] and fingerprint [065071bd5b26e83b2903b09179acf4a48851d775]; the certificate is issued by [CN=other-ca] but the server did not provide a copy of the issuing certificate in the certificate chain; this ssl context ([xpack.security.transport.ssl]) is not configured to trust that issuer; key -----BEGIN PRIVATE KEY----- " + pemBody + " -----END PRIVATE KEY-----\n"
	for _, format := range []string{"text", "json"} {
		out, errOut, code := run(t, paste, "explain", "--format", format)
		if code > 1 {
			t.Fatalf("%s: exit %d: %s", format, code, errOut)
		}
		all := out + errOut
		for _, v := range []string{"CANARY-SECRET", b64[:24], aws[:16], aws[20:], pemBody[:20], pemBody[30:]} {
			if strings.Contains(all, v) {
				t.Errorf("%s: %q in the output:\n%s", format, v, all)
			}
		}
		for _, want := range []string{"leakKeyId0000000000a", "api-key-invalid-credentials", "s3-invalid-access-key"} {
			if !strings.Contains(out, want) {
				t.Errorf("%s: output lacks %s (the lines are not exercised):\n%s", format, want, out)
			}
		}
	}
}
