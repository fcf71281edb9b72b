package acceptance_test

// Round 2: certificate edge cases — transport hostname verification in the
// certificate model, PEM chains with an intermediate, JKS truststores, CA
// bundles, wildcard names.

import (
	"fmt"
	"strings"
	"testing"

	"github.com/esdoctor/esdoctor/internal/testkit/certgen"
)

// verifyFull switches the auto-configured transport context of a node to
// hostname verification.
func verifyFull(e *es) {
	for i, b := range e.yml {
		if strings.Contains(b, "verification_mode: certificate") {
			e.yml[i] = strings.Replace(b, "verification_mode: certificate", "verification_mode: full", 1)
		}
	}
}

// The certificate model with transport TLS verification_mode full on the
// local cluster and seeds by host name (the remote nodes publish their
// names): remote-2's transport certificate carries only its address, so
// the name does not verify. With the names in the SANs it is healthy.
func TestR2CertificateModelHostnameVerification(t *testing.T) {
	for _, broken := range []bool{false, true} {
		t.Run(fmt.Sprintf("broken=%v", broken), func(t *testing.T) {
			tp := newTopo(t, style{def: "settings-nested", certModel: true, alias: "legacy", hosts: "names"})
			for _, e := range tp.local {
				verifyFull(e)
			}
			if !broken {
				expect(t, tp.s.analyze())
				return
			}
			r2 := tp.n("remote-2")
			r2.transport = mustLeaf(t, tp.sharedCA, r2.name, certgen.IPs(r2.ip))
			r2.files["certs/transport.p12"] = mustP12(t, transportPW, p12Transport(r2.transport, tp.sharedCA)...)
			expect(t, tp.s.analyze(), "tls-hostname-mismatch [local,remote] alias=legacy fix=remote/remote-2")
		})
	}
}

// The remote cluster server with a PEM certificate file holding the leaf
// and the issuing intermediate (not the root), as an enterprise CA hands
// it out; the local nodes trust the root only. Java builds the path:
// healthy.
func TestR2PEMChainLeafAndIntermediate(t *testing.T) {
	tp := newTopo(t, style{def: "yml-nested"})
	inter := mustLeaf(t, tp.remoteCA, "Remote Issuing CA 03", certgen.AsCA()).Authority()
	for _, r := range tp.remote {
		r.unset("xpack.security.remote_cluster_server.ssl.keystore.path")
		delete(r.files, "cross-cluster.p12")
		delete(r.secure, "xpack.security.remote_cluster_server.ssl.keystore.secure_password")
		r.server = mustLeaf(t, inter, r.name, certgen.DNS(r.name), certgen.IPs(r.ip))
		r.files["tls/rcs-chain.pem"] = certgen.PEMCerts(r.server.Cert, inter.Cert)
		r.files["tls/rcs.key"] = keyPEM(t, r.server)
		r.set("xpack.security.remote_cluster_server.ssl.certificate", "tls/rcs-chain.pem").set("xpack.security.remote_cluster_server.ssl.key", "tls/rcs.key")
	}
	expect(t, tp.s.analyze())
}

// The local nodes trust the remote cluster through a JKS truststore
// (remote_cluster_client.ssl.truststore.path + its password in the
// keystore). With the remote's CA in it: healthy. With another CA only:
// the remote's certificate is untrusted on every local node.
func TestR2JKSTruststoreClient(t *testing.T) {
	for _, right := range []bool{true, false} {
		t.Run(fmt.Sprintf("right=%v", right), func(t *testing.T) {
			tp := newTopo(t, style{def: "settings-flat"})
			ca := tp.remoteCA.Cert
			if !right {
				ca = mustCA(t, "Some Other Corporate CA").Cert
			}
			jks, err := certgen.EncodeJKS("CANARY-SECRET-jks-pw", certgen.TrustedEntry("remote-ca", ca))
			if err != nil {
				t.Fatal(err)
			}
			for _, l := range tp.local {
				l.unset("xpack.security.remote_cluster_client.ssl.certificate_authorities")
				delete(l.files, "remote-cluster-ca.crt")
				l.files["remote-trust.jks"] = jks
				l.secure["xpack.security.remote_cluster_client.ssl.truststore.secure_password"] = "CANARY-SECRET-jks-pw"
				l.set("xpack.security.remote_cluster_client.ssl.truststore.path", "remote-trust.jks")
			}
			if right {
				expect(t, tp.s.analyze())
				return
			}
			expect(t, tp.s.analyze(), "tls-untrusted-ca [local,remote] alias=my fix=local/local-1,local/local-2")
		})
	}
}

// The local CA file is a bundle of several CAs (the corporate roots, the
// remote's CA in the middle): healthy.
func TestR2CABundle(t *testing.T) {
	tp := newTopo(t, style{def: "yml-flat"})
	bundle := certgen.PEMCerts(mustCA(t, "Corporate Root CA G1").Cert, tp.remoteCA.Cert, mustCA(t, "Corporate Root CA G2").Cert)
	for _, l := range tp.local {
		l.files["remote-cluster-ca.crt"] = bundle
	}
	expect(t, tp.s.analyze())
}

// Seeds by host name, remote certificates with a wildcard name
// (*.example.test): the names match one label only.
func TestR2WildcardCertificate(t *testing.T) {
	for _, deep := range []bool{false, true} {
		t.Run(fmt.Sprintf("deep=%v", deep), func(t *testing.T) {
			tp := newTopo(t, style{def: "settings-nested", hosts: "names"})
			for _, r := range tp.remote {
				tp.serverOn(r, certgen.DNS("*.example.test"), certgen.IPs(r.ip))
			}
			if !deep {
				expect(t, tp.s.analyze())
				return
			}
			// remote-1 is reached as remote-1.eu.example.test: two labels
			// below the wildcard's domain.
			r1 := tp.n("remote-1")
			r1.set("network.publish_host", "remote-1.eu.example.test")
			tp.defineSeeds([]string{"remote-1.eu.example.test:9443", tp.n("remote-2").rcAddr()})
			expect(t, tp.s.analyze(), "tls-hostname-mismatch [local,remote] alias=my fix=remote/remote-1")
		})
	}
}
