package config

import (
	"strings"
)

// SSL context prefixes.
const (
	SSLTransport           = "xpack.security.transport"
	SSLHTTP                = "xpack.security.http"
	SSLRemoteClusterServer = "xpack.security.remote_cluster_server"
	SSLRemoteClusterClient = "xpack.security.remote_cluster_client"
)

// SSLContexts lists the four contexts in a stable order.
var SSLContexts = []string{SSLTransport, SSLHTTP, SSLRemoteClusterServer, SSLRemoteClusterClient}

// SSLContext is one <prefix>.ssl.* context with Elasticsearch's defaults
// filled in. Paths are as written; relative ones are relative to the config
// directory.
type SSLContext struct {
	Prefix           string
	Enabled          bool
	EnabledIsDefault bool

	Key, Certificate       string
	CertificateAuthorities []string

	// KeystoreType and TruststoreType are inferred from the path's extension
	// when unset, as Elasticsearch does: .p12/.pfx/.pkcs12 → "PKCS12",
	// anything else → "JKS".
	KeystorePath, KeystoreType, TruststorePath, TruststoreType string
	KeystoreTypeInferred, TruststoreTypeInferred               bool

	// VerificationMode defaults to "full"; ClientAuthentication to
	// "required" (transport), "none" (http, remote_cluster_server), ""
	// (remote_cluster_client: not applicable). Both lower-cased.
	VerificationMode, ClientAuthentication string

	// Legacy yml passwords (values via YML.SecretValue under
	// <prefix>.ssl.keystore.password, .truststore.password, .key_passphrase,
	// .keystore.key_password). Elasticsearch 8.x accepts them, deprecated,
	// for transport and http only.
	LegacyKeystorePassword, LegacyTruststorePassword, LegacyKeyPassphrase, LegacyKeystoreKeyPassword bool
}

// sslDefaults holds the default enabled and client_authentication per
// context (8.x).
func sslDefaults(prefix string) (enabled bool, clientAuth string) {
	switch prefix {
	case SSLTransport:
		return false, "required"
	case SSLHTTP:
		return false, "none"
	case SSLRemoteClusterServer:
		return true, "none"
	case SSLRemoteClusterClient:
		return true, ""
	}
	return false, ""
}

// normalizeSSLPrefix accepts "xpack.security.http", "http" and a trailing
// ".ssl" or ".".
func normalizeSSLPrefix(prefix string) string {
	p := strings.TrimSuffix(strings.TrimSuffix(prefix, "."), ".ssl")
	if !strings.HasPrefix(p, "xpack.security.") {
		p = "xpack.security." + p
	}
	return p
}

// SSL returns the TLS context under prefix ("xpack.security.transport",
// "xpack.security.http", "xpack.security.remote_cluster_server",
// "xpack.security.remote_cluster_client"; the short forms "transport" etc.
// also work).
func (v *View) SSL(prefix string) SSLContext {
	p := normalizeSSLPrefix(prefix)
	k := p + ".ssl."
	defEnabled, defClientAuth := sslDefaults(p)
	c := SSLContext{
		Prefix:                    p,
		Enabled:                   v.bool(k+"enabled", defEnabled),
		EnabledIsDefault:          !v.has(k + "enabled"),
		Key:                       v.str(k+"key", ""),
		Certificate:               v.str(k+"certificate", ""),
		KeystorePath:              v.str(k+"keystore.path", ""),
		KeystoreType:              v.str(k+"keystore.type", ""),
		TruststorePath:            v.str(k+"truststore.path", ""),
		TruststoreType:            v.str(k+"truststore.type", ""),
		VerificationMode:          strings.ToLower(v.str(k+"verification_mode", "full")),
		ClientAuthentication:      strings.ToLower(v.str(k+"client_authentication", defClientAuth)),
		LegacyKeystorePassword:    v.inYML(k + "keystore.password"),
		LegacyTruststorePassword:  v.inYML(k + "truststore.password"),
		LegacyKeyPassphrase:       v.inYML(k + "key_passphrase"),
		LegacyKeystoreKeyPassword: v.inYML(k + "keystore.key_password"),
	}
	if val, _, ok := v.Get(k + "certificate_authorities"); ok {
		c.CertificateAuthorities = append([]string(nil), val.Items()...)
	}
	if c.KeystorePath != "" && c.KeystoreType == "" {
		c.KeystoreType, c.KeystoreTypeInferred = InferKeystoreType(c.KeystorePath), true
	}
	if c.TruststorePath != "" && c.TruststoreType == "" {
		c.TruststoreType, c.TruststoreTypeInferred = InferKeystoreType(c.TruststorePath), true
	}
	return c
}

// InferKeystoreType is Elasticsearch's inference of a keystore's type from
// its file name: .p12, .pfx and .pkcs12 (any case) are PKCS12, anything
// else JKS.
func InferKeystoreType(path string) string {
	p := strings.ToLower(path)
	for _, ext := range []string{".p12", ".pfx", ".pkcs12"} {
		if strings.HasSuffix(p, ext) {
			return "PKCS12"
		}
	}
	return "JKS"
}

func (v *View) inYML(key string) bool {
	if v.yml == nil {
		return false
	}
	_, ok := v.yml.Values[key]
	return ok
}
