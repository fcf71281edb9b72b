package certcheck

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"math/big"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/esdoctor/esdoctor/shared/event"
)

// guideXFCC is guide 002's example (Mesh CA).
const guideXFCC = `"X-Forwarded-Client-Cert": "By=spiffe://lt-multicluster-t2-5-15-2020.svc.id.goog/ns/sample/sa/httpbin;Hash=0781d68adfdab85b08b6758ed502f352464e81166f065cc6acde9433337b4494;Subject=\"OU=istio_v1_cloud_workload,O=Google LLC,L=Mountain View,ST=California,C=US\";URI=spiffe://lt-multicluster-t2-5-15-2020.svc.id.goog/ns/sample/sa/sleep"`

func TestXFCCGuide(t *testing.T) {
	c, err := Parse(guideXFCC, "xfcc.txt")
	if err != nil {
		t.Fatal(err)
	}
	if c.Kind != "xfcc" || len(c.Chain) != 1 || c.Chain[0].OU[0] != "istio_v1_cloud_workload" || c.Chain[0].O[0] != "Google LLC" {
		t.Fatalf("%+v", c)
	}
	if len(c.TrustDomains) != 1 || c.TrustDomains[0] != "lt-multicluster-t2-5-15-2020.svc.id.goog" || len(c.Identities) != 2 {
		t.Errorf("trust domains %v identities %v", c.TrustDomains, c.Identities)
	}
}

func TestXFCCIstiodTwoElements(t *testing.T) {
	v := `By=spiffe://cluster.local/ns/search/sa/es;Hash=ab;URI=spiffe://cluster.local/ns/clients/sa/kibana,By=spiffe://other.example/ns/a/sa/b;Hash=cd;URI=spiffe://other.example/ns/x/sa/y`
	c, err := ParseXFCC(v, "h")
	if err != nil {
		t.Fatal(err)
	}
	if strings.Join(c.TrustDomains, ",") != "cluster.local,other.example" || len(c.Chain) != 2 {
		t.Errorf("%+v", c)
	}
}

func mkChain(t *testing.T, rootSubject pkix.Name) (string, *x509.Certificate) {
	t.Helper()
	rk, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	root := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: rootSubject, NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		IsCA: true, BasicConstraintsValid: true, KeyUsage: x509.KeyUsageCertSign}
	rder, err := x509.CreateCertificate(rand.Reader, root, root, &rk.PublicKey, rk)
	if err != nil {
		t.Fatal(err)
	}
	rc, _ := x509.ParseCertificate(rder)
	lk, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	u, _ := url.Parse("spiffe://cluster.local/ns/search/sa/elasticsearch")
	leaf := &x509.Certificate{SerialNumber: big.NewInt(2), NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour), URIs: []*url.URL{u}}
	lder, err := x509.CreateCertificate(rand.Reader, leaf, rc, &lk.PublicKey, rk)
	if err != nil {
		t.Fatal(err)
	}
	var b strings.Builder
	b.WriteString("CONNECTED(00000003)\n---\nCertificate chain\n")
	b.WriteString(" 0 s:\n   i:O = cluster.local\n")
	pem.Encode(&b, &pem.Block{Type: "CERTIFICATE", Bytes: lder})
	b.WriteString(" 1 s:O = cluster.local\n   i:O = cluster.local\n")
	pem.Encode(&b, &pem.Block{Type: "CERTIFICATE", Bytes: rder})
	b.WriteString("---\nServer certificate\nsubject=\n\nissuer=O = cluster.local\n---\nALPN protocol: istio\n")
	return b.String(), rc
}

func TestSClientShowcerts(t *testing.T) {
	out, _ := mkChain(t, pkix.Name{Organization: []string{"cluster.local"}})
	c, err := Parse(out, "s_client.txt")
	if err != nil {
		t.Fatal(err)
	}
	if c.Kind != "s_client" || len(c.Chain) != 2 || c.Root == nil || c.Root.O[0] != "cluster.local" {
		t.Fatalf("%+v", c)
	}
	if len(c.TrustDomains) != 1 || c.TrustDomains[0] != "cluster.local" {
		t.Errorf("trust domains %v", c.TrustDomains)
	}
}

// Without the PEM blocks the summary lines of OpenSSL 3 are read.
func TestSClientSummaryLines(t *testing.T) {
	out := "CONNECTED(00000003)\n---\nCertificate chain\n 0 s:\n   i:CN=istio_v1_cloud_workload_signer-2020-05-16T17:42:09-07:00\n 1 s:CN=istio_v1_cloud_workload_signer-2020-05-16T17:42:09-07:00\n   i:CN=istio_v1_cloud_workload_root-signer-0-2020-05-16T17:42:09-07:00\n 2 s:CN=istio_v1_cloud_workload_root-signer-0-2020-05-16T17:42:09-07:00\n   i:CN=istio_v1_cloud_workload_root-signer-0-2020-05-16T17:42:09-07:00\n---\n"
	c, err := Parse(out, "s.txt")
	if err != nil {
		t.Fatal(err)
	}
	if len(c.Chain) != 3 || c.Root == nil || !strings.HasPrefix(c.Root.CN, "istio_v1_cloud_workload_root-signer-") {
		t.Errorf("%+v", c)
	}
}

func TestMalformedCertChecks(t *testing.T) {
	cases := []struct{ name, in, want string }{
		{"empty", "", "neither openssl s_client output"},
		{"prose", "hello world", "neither openssl s_client output"},
		{"no peer cert", "CONNECTED(00000003)\nno peer certificate available\n", "peer sent no certificate"},
		{"broken pem", "-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n", "no certificate could be read"},
		{"xfcc unterminated", `By=spiffe://a/b;Subject="OU=x`, "unterminated quote"},
		{"xfcc bad pair", `By=spiffe://a/b;garbage`, "not KEY=VALUE"},
		{"xfcc unknown key", `By=spiffe://a/b;Color=red`, `unknown key "Color"`},
		{"xfcc nothing", `Hash=abc`, "holds no By, URI or Subject"},
	}
	for _, c := range cases {
		_, err := Parse(c.in, "bad/"+c.name)
		if err == nil || !strings.Contains(err.Error(), "bad/"+c.name) || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: error %v, want the file and %q", c.name, err, c.want)
		}
	}
	if _, err := Load("testdata/missing"); err == nil || !strings.Contains(err.Error(), "missing") {
		t.Errorf("missing file: %v", err)
	}
}

func FuzzCertCheck(f *testing.F) {
	f.Add(guideXFCC)
	f.Add("CONNECTED(00000003)\n 0 s:O = cluster.local\n   i:O = cluster.local\n")
	f.Add(`By=a;URI="b,c";Subject="CN=x, O=\"y\""`)
	f.Fuzz(func(t *testing.T, in string) {
		// Each parser on its own, whatever the input looks like.
		for _, parse := range []func(string, string) (event.MeshCertCheck, error){ParseXFCC, ParseSClient} {
			if _, err := parse(in, "fuzz"); err != nil && !strings.Contains(err.Error(), "fuzz") {
				t.Fatalf("error without the file: %v", err)
			}
		}
		c, err := Parse(in, "fuzz")
		if err != nil {
			if !strings.Contains(err.Error(), "fuzz") {
				t.Fatalf("error without the file: %v", err)
			}
			return
		}
		if c.Kind != "xfcc" && c.Kind != "s_client" {
			t.Fatalf("kind %q", c.Kind)
		}
		if c.Root != nil && c.Root.Subject != c.Root.Issuer {
			t.Fatal("a root that is not self-signed")
		}
	})
}
