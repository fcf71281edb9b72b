package meshlog

import (
	"context"
	"strings"
	"testing"

	"github.com/esdoctor/esdoctor/shared/event"
)

func TestParseCRI(t *testing.T) {
	c, err := ParseCRI("2024-01-01T00:00:00.000000000Z stderr F 2024-01-01T00:00:00.000000Z\tinfo\tads\tx")
	if err != nil || c.Stream != "stderr" || c.Partial || !strings.HasPrefix(c.Payload, "2024-01-01T00:00:00.000000Z\tinfo") {
		t.Fatalf("%+v %v", c, err)
	}
	c, err = ParseCRI("2024-01-01T00:00:00.5+02:00 stdout P part")
	if err != nil || !c.Partial || c.Payload != "part" {
		t.Fatalf("%+v %v", c, err)
	}
}

// Malformed CRI lines give an error saying what is wrong.
func TestMalformedCRI(t *testing.T) {
	cases := []struct{ in, want string }{
		{"", "no space after the timestamp"},
		{"garbage", "no space after the timestamp"},
		{"yesterday stdout F x", "not RFC 3339"},
		{"2024-01-01T00:00:00Z", "no space after the timestamp"},
		{"2024-01-01T00:00:00Z stdout", "no stream field"},
		{"2024-01-01T00:00:00Z stdin F x", "neither stdout nor stderr"},
		{"2024-01-01T00:00:00Z stdout X x", "neither P nor F"},
	}
	for _, c := range cases {
		_, err := ParseCRI(c.in)
		if err == nil || !strings.HasPrefix(err.Error(), "CRI line: ") || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%q: error %v, want %q", c.in, err, c.want)
		}
	}
}

// Partial CRI lines are joined before they are read.
func TestCRIPartialJoined(t *testing.T) {
	in := "2024-01-01T00:00:00.000000000Z stderr P 2024-01-01T00:00:00.000000Z\terror\tklog\thttp: TLS handshake error from 10.1.1.1:40000: remote error: \n" +
		"2024-01-01T00:00:00.000000000Z stderr F tls: bad certificate\n"
	var got []event.Symptom
	Scan(context.Background(), strings.NewReader(in), "/var/log/containers/istiod-1_istio-system_discovery-0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef.log", 0, func(s event.Symptom) { got = append(got, s) })
	if len(got) != 1 || got[0].Symptom != "mesh-bad-certificate" || got[0].Line != 1 || got[0].Fields["remote_address"] != "10.1.1.1:40000" {
		t.Fatalf("%+v", got)
	}
}

func TestComponentOfPath(t *testing.T) {
	cases := map[string]Component{
		"/var/log/containers/istiod-7f-x_istio-system_discovery-0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef.log":          Istiod,
		"/var/log/containers/es-0_search_istio-proxy-0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef.log":                     Proxy,
		"/var/log/containers/es-0_search_elasticsearch-0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef.log":                   Other,
		"/var/log/pods/istio-system_istiod-7f-x_0b1c/discovery/0.log":                                                                          Istiod,
		"/var/log/pods/search_es-0_0b1c/istio-proxy/3.log.gz":                                                                                  Proxy,
		"/var/log/containers/kube-apiserver-m_kube-system_kube-apiserver-0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef.log": Other,
		"/tmp/cert-manager-istio-csr.log": Other,
		"/tmp/istiod.log":                 Istiod,
		"/tmp/saved.txt":                  Unknown,
	}
	for p, want := range cases {
		if got := ComponentOfPath(p); got != want {
			t.Errorf("%s: %q, want %q", p, got, want)
		}
	}
}

// The mesh rules see the lines the corpus holds through any layout; the
// fuzzer checks that nothing panics and every symptom is a mesh one with
// its fields.
func FuzzMeshLogLine(f *testing.F) {
	for _, c := range readCorpus(f) {
		for _, l := range c.lines {
			f.Add(l, c.file)
		}
	}
	f.Add("2024-01-01T00:00:00.000000000Z stderr P {\"level\":\"error\",", "istiod.log")
	f.Fuzz(func(t *testing.T, line, file string) {
		_, _ = ParseCRI(line)
		_ = ParseLine(line)
		for _, s := range ScanText(line) {
			if !strings.HasPrefix(s.Symptom, "mesh-") || s.Fields["component"] == "" {
				t.Fatalf("symptom %+v", s)
			}
		}
		Scan(context.Background(), strings.NewReader(line+"\n"+line), file, 0, func(s event.Symptom) {
			if s.File != file || s.Line < 1 {
				t.Fatalf("symptom %+v", s)
			}
		})
	})
}
