package scenario

import (
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/esdoctor/esdoctor/internal/testkit/certgen"
)

// Passwords used by the standard setups (they are not secrets of a real
// site; the keystore holds them as ES would).
const (
	TransportPassword = "CANARY-SECRET-transport-pw"
	RemotePassword    = "CANARY-SECRET-cross-cluster-pw"
)

// TransportTLS gives every node a transport certificate from the cluster's
// transport CA in certs/transport.p12 (entries transport + CA), as ES 8
// auto-configuration does, with its password in the keystore.
func (c *Cluster) TransportTLS() *Cluster {
	for _, n := range c.Nodes {
		leaf, err := c.TransportCA.Issue(n.Name, certgen.DNS(n.Name, "localhost"), certgen.IPs(n.Host))
		if err != nil {
			c.W.T.Fatal(err)
		}
		p12, err := certgen.EncodePKCS12(TransportPassword, certgen.KeyEntry("transport", leaf), certgen.AuthorityEntry("transport_ca", c.TransportCA))
		if err != nil {
			c.W.T.Fatal(err)
		}
		n.File("certs/transport.p12", p12).
			Secure("xpack.security.transport.ssl.keystore.secure_password", TransportPassword).
			Secure("xpack.security.transport.ssl.truststore.secure_password", TransportPassword).
			YML("xpack.security.enabled: true",
				"xpack.security.transport.ssl:",
				"  enabled: true",
				"  verification_mode: certificate",
				"  keystore.path: certs/transport.p12",
				"  truststore.path: certs/transport.p12")
	}
	return c
}

// RemoteClusterServer enables the remote cluster server on every node with
// a certificate from the cluster's remote CA (cross-cluster.p12, as
// elasticsearch-certutil makes it, CA included), per guide 003.
func (c *Cluster) RemoteClusterServer() *Cluster {
	for _, n := range c.Nodes {
		c.RemoteServerOn(n)
	}
	return c
}

// RemoteServerOn enables the remote cluster server on one node.
func (c *Cluster) RemoteServerOn(n *Node, opts ...certgen.Option) {
	if len(opts) == 0 {
		opts = []certgen.Option{certgen.DNS(n.Name, "localhost"), certgen.IPs(n.Host)}
	}
	leaf, err := c.RemoteCA.Issue(n.Name, opts...)
	if err != nil {
		c.W.T.Fatal(err)
	}
	p12, err := certgen.EncodePKCS12(RemotePassword, certgen.KeyEntry("instance", leaf), certgen.AuthorityEntry("ca", c.RemoteCA))
	if err != nil {
		c.W.T.Fatal(err)
	}
	n.File("cross-cluster.p12", p12).
		Secure("xpack.security.remote_cluster_server.ssl.keystore.secure_password", RemotePassword).
		YML("remote_cluster_server.enabled: true",
			"remote_cluster.host: "+n.Host,
			"xpack.security.remote_cluster_server.ssl.enabled: true",
			"xpack.security.remote_cluster_server.ssl.keystore.path: cross-cluster.p12")
}

// Link configures c (the local cluster) to reach remote under alias with a
// cross-cluster API key, per guide 003: the remote's CA as
// remote-cluster-ca.crt, remote_cluster_client TLS, the key in every node's
// keystore, and the remote defined in cluster settings with seeds on
// host:port of every remote node.
func (c *Cluster) Link(remote *Cluster, alias string, key APIKey, port int) *Cluster {
	var seeds []string
	for _, rn := range remote.Nodes {
		seeds = append(seeds, fmt.Sprintf("%s:%d", rn.Host, port))
	}
	c.Settings["cluster.remote."+alias+".seeds"] = seeds
	for _, n := range c.Nodes {
		n.File("remote-cluster-ca.crt", certgen.PEMCerts(remote.RemoteCA.Cert)).
			Secure("cluster.remote."+alias+".credentials", key.Encoded()).
			YML("xpack.security.remote_cluster_client.ssl.enabled: true",
				`xpack.security.remote_cluster_client.ssl.certificate_authorities: [ "remote-cluster-ca.crt" ]`)
	}
	return c
}

// LinkCertificates configures the certificate (legacy) model: the remote's
// transport CA trusted by the local transport context, seeds on the
// transport port, no credentials.
func (c *Cluster) LinkCertificates(remote *Cluster, alias string) *Cluster {
	var seeds []string
	for _, rn := range remote.Nodes {
		seeds = append(seeds, rn.Host+":9300")
	}
	c.Settings["cluster.remote."+alias+".seeds"] = seeds
	for _, n := range c.Nodes {
		n.File("remote-transport-ca.crt", certgen.PEMCerts(remote.TransportCA.Cert))
	}
	return c
}

func clusterSettingsJSON(persistent map[string]any) []byte {
	b, _ := json.MarshalIndent(map[string]any{"persistent": persistent, "transient": map[string]any{}}, "", "  ")
	return b
}

// Plain renders one record in ES's plain layout
// ([%d{ISO8601}][%-5p][%-25c{1.}] [%node_name]%marker %m%n); more are the
// continuation lines (exception and stack frames).
func Plain(t time.Time, level, logger, node, msg string, more ...string) string {
	var b strings.Builder
	fmt.Fprintf(&b, "[%s][%-5s][%-25s] [%s] %s", t.UTC().Format("2006-01-02T15:04:05,000"), level, logger, node, msg)
	for _, m := range more {
		b.WriteByte('\n')
		b.WriteString(m)
	}
	return b.String()
}

// ECS renders one record in the 8.x ECS JSON layout.
func ECS(t time.Time, level, logger, node, cluster, msg string, errType, errMsg, stack string) string {
	m := map[string]any{
		"@timestamp": t.UTC().Format("2006-01-02T15:04:05.000Z"), "log.level": level, "message": msg,
		"ecs.version": "1.2.0", "service.name": "ES_ECS", "event.dataset": "elasticsearch.server",
		"process.thread.name": "elasticsearch[" + node + "][transport_worker][T#1]", "log.logger": logger,
		"elasticsearch.node.name": node, "elasticsearch.cluster.name": cluster,
	}
	if errType != "" {
		m["error.type"], m["error.message"], m["error.stack_trace"] = errType, errMsg, stack
	}
	b, _ := json.Marshal(m)
	return string(b)
}

// Frames is a plausible tail of Java stack frames.
var Frames = []string{
	"\tat org.elasticsearch.transport.TcpTransport$ChannelsConnectedListener.onFailure(TcpTransport.java:1144) ~[elasticsearch-8.13.4.jar:?]",
	"\tat org.elasticsearch.action.support.SubscribableListener$FailureResult.complete(SubscribableListener.java:390) ~[elasticsearch-8.13.4.jar:?]",
	"\tat java.lang.Thread.run(Thread.java:1583) ~[?:?]",
}
