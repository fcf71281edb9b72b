package rules_test

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

	"github.com/esdoctor/esdoctor/internal/testkit/scenario"
)

// sClientOutput is `openssl s_client -alpn istio -showcerts` output of a
// real chain: a root with the given subject and a workload leaf with a
// SPIFFE identity in trustDomain.
func sClientOutput(t *testing.T, root pkix.Name, trustDomain string) string {
	t.Helper()
	rk, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: root, NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(24 * time.Hour),
		IsCA: true, BasicConstraintsValid: true, KeyUsage: x509.KeyUsageCertSign}
	rder, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &rk.PublicKey, rk)
	if err != nil {
		t.Fatal(err)
	}
	rc, _ := x509.ParseCertificate(rder)
	lk, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	u, _ := url.Parse("spiffe://" + trustDomain + "/ns/search/sa/elasticsearch")
	leaf := &x509.Certificate{SerialNumber: big.NewInt(2), NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour), URIs: []*url.URL{u}}
	lder, err := x509.CreateCertificate(rand.Reader, leaf, rc, &lk.PublicKey, rk)
	if err != nil {
		t.Fatal(err)
	}
	var b strings.Builder
	b.WriteString("CONNECTED(00000003)\n---\nCertificate chain\n 0 s:\n   i:" + rc.Subject.String() + "\n")
	pem.Encode(&b, &pem.Block{Type: "CERTIFICATE", Bytes: lder})
	b.WriteString(" 1 s:" + rc.Subject.String() + "\n   i:" + rc.Subject.String() + "\n")
	pem.Encode(&b, &pem.Block{Type: "CERTIFICATE", Bytes: rder})
	b.WriteString("---\nALPN protocol: istio\n---\n")
	return b.String()
}

// istiod is the CA and the trust domain is search.example: a chain whose
// root has O=cluster.local (another mesh's istiod) is a mismatch; the
// right one is silent.
func TestMeshMTLSRootMismatchIstiod(t *testing.T) {
	w := scenario.New(t)
	c := w.Cluster("search", "es-1@127.0.7.1")
	c.Node("es-1").MeshExpect("search.example", "istiod").
		MeshCertCheck("s_client-remote.txt", sClientOutput(t, pkix.Name{Organization: []string{"cluster.local"}}, "cluster.local")).
		MeshCertCheck("s_client-local.txt", sClientOutput(t, pkix.Name{Organization: []string{"search.example"}}, "search.example"))
	ds := w.AnalyzeMesh()
	expectExactly(t, ds, "mesh-mtls-root-mismatch [search] alias= fix=search/es-1")
	if len(ds) == 1 && (!strings.Contains(ds[0].Explanation, "not istiod's (O=search.example)") || !strings.Contains(ds[0].Evidence[0].File, "s_client-remote.txt")) {
		t.Errorf("explanation %s evidence %+v", ds[0].Explanation, ds[0].Evidence)
	}
	expectExactly(t, w.Analyze())
}

// Mesh CA is expected (guide 002's XFCC example is right); an XFCC from an
// istiod-issued client certificate of another trust domain is not.
func TestMeshMTLSRootMismatchMeshCAXFCC(t *testing.T) {
	w := scenario.New(t)
	c := w.Cluster("search", "es-1@127.0.7.1")
	c.Node("es-1").MeshExpect("lt-multicluster-t2-5-15-2020.svc.id.goog", "mesh-ca").
		MeshCertCheck("xfcc-ok.txt", `"X-Forwarded-Client-Cert": "By=spiffe://lt-multicluster-t2-5-15-2020.svc.id.goog/ns/sample/sa/httpbin;Hash=0781d68adfdab85b08b6758ed502f352464e81166f065cc6acde9433337b4494;Subject=\"OU=istio_v1_cloud_workload,O=Google LLC,L=Mountain View,ST=California,C=US\";URI=spiffe://lt-multicluster-t2-5-15-2020.svc.id.goog/ns/sample/sa/sleep"`).
		MeshCertCheck("xfcc-bad.txt", `By=spiffe://lt-multicluster-t2-5-15-2020.svc.id.goog/ns/sample/sa/httpbin;Hash=ab;Subject="";URI=spiffe://cluster.local/ns/default/sa/sleep`)
	ds := w.AnalyzeMesh()
	expectExactly(t, ds, "mesh-mtls-root-mismatch [search] alias= fix=search/es-1")
	if len(ds) == 1 && !strings.Contains(ds[0].Explanation, "trust domain is cluster.local") {
		t.Errorf("explanation %s", ds[0].Explanation)
	}
}
