package inspect

import (
	"crypto/x509"
	"path/filepath"

	"github.com/esdoctor/esdoctor/agent/collector/certs"
	"github.com/esdoctor/esdoctor/agent/collector/config"
	"github.com/esdoctor/esdoctor/shared/secret"
)

type certsX509 = x509.Certificate

// SSLPrefixes are the TLS contexts esdoctor inspects, in report order.
var SSLPrefixes = []string{
	"xpack.security.transport",
	"xpack.security.remote_cluster_server",
	"xpack.security.remote_cluster_client",
	"xpack.security.http",
}

// fileRef is one file an ssl setting names.
type fileRef struct {
	setting  string
	path     string
	format   certs.Format
	password secret.Bytes
	source   string
	// unknown is set when the password would come from a keystore that
	// could not be opened: whether it opens the file cannot be told.
	unknown bool
}

// refs lists the files of one TLS context with the password ES would use:
// the keystore's secure setting first, else the legacy yml setting.
func (n *nodeState) refs(c config.SSLContext) []fileRef {
	p := c.Prefix + ".ssl."
	var out []fileRef
	resolve := func(path string) string {
		if path == "" || filepath.IsAbs(path) {
			return path
		}
		return filepath.Join(n.opts.PathConf, path)
	}
	pw := func(secureName, legacyName string) (secret.Bytes, string, bool) {
		if v, ok := n.keystoreSecret(p + secureName); ok {
			return v, p + secureName, false
		}
		if n.yml != nil {
			if v, ok := n.yml.SecretValue(p + legacyName); ok {
				return v, p + legacyName, false
			}
		}
		// A keystore that could not be opened may hold the password.
		locked := n.snap.Keystore != nil && !n.snap.Keystore.Opened
		return secret.Bytes{}, "", locked
	}
	if c.KeystorePath != "" {
		v, src, unk := pw("keystore.secure_password", "keystore.password")
		out = append(out, fileRef{p + "keystore.path", resolve(c.KeystorePath), certs.InferFormat(p+"keystore.path", c.KeystorePath, c.KeystoreType), v, src, unk})
	}
	if c.TruststorePath != "" {
		v, src, unk := pw("truststore.secure_password", "truststore.password")
		out = append(out, fileRef{p + "truststore.path", resolve(c.TruststorePath), certs.InferFormat(p+"truststore.path", c.TruststorePath, c.TruststoreType), v, src, unk})
	}
	if c.Certificate != "" {
		out = append(out, fileRef{setting: p + "certificate", path: resolve(c.Certificate), format: certs.PEM})
	}
	if c.Key != "" {
		v, src, unk := pw("secure_key_passphrase", "key_passphrase")
		out = append(out, fileRef{p + "key", resolve(c.Key), certs.PEM, v, src, unk})
	}
	for _, ca := range c.CertificateAuthorities {
		out = append(out, fileRef{setting: p + "certificate_authorities", path: resolve(ca), format: certs.PEM})
	}
	return out
}

func (n *nodeState) readCertificates() {
	n.parsed = map[int][]*certsX509{}
	for _, prefix := range SSLPrefixes {
		c := n.view.SSL(prefix)
		for _, r := range n.refs(c) {
			o, err := certs.LoadBudget(r.setting, r.path, r.format, r.password, r.source, n.kdf)
			if o == nil {
				if err != nil {
					n.fileError(r.path, err)
				}
				continue
			}
			if r.unknown && o.File.PasswordOK != nil && !*o.File.PasswordOK {
				// The password is in a keystore we could not open: say so
				// instead of "wrong password".
				o.File.PasswordOK = nil
				o.File.Error = ""
				o.File.PasswordSource = "unknown (the keystore that may hold it could not be opened)"
				err = nil
			}
			idx := len(n.snap.Certificates)
			n.snap.Certificates = append(n.snap.Certificates, o.File)
			n.parsed[idx] = o.Certs
			if o.File.Error != "" {
				n.fileError(r.path, errorString(o.File.Error))
			} else if err != nil {
				n.fileError(r.path, err)
			}
			n.fileInfo(r.path, "certificate")
		}
	}
}

type errorString string

func (e errorString) Error() string { return string(e) }
