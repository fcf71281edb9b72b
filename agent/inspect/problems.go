package inspect

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/esdoctor/esdoctor/shared/catalog"
	"github.com/esdoctor/esdoctor/shared/event"
)

const codeKeystoreUnreadable = string(catalog.KeystoreUnreadable)

// ExpiryWarning is how close to expiry a certificate is reported.
const ExpiryWarning = 30 * 24 * time.Hour

func (n *nodeState) problems() {
	n.certificateExpiry()
	n.changedSinceStart()
	n.apiKeyPrerequisites()
	n.secureSettingsInYML()
}

// secureSettingsInYML reports keystore-only settings written in
// elasticsearch.yml, which Elasticsearch refuses at start-up ("is a secure
// setting and must be stored inside the Elasticsearch keystore"). Only those
// of remote clusters are reported here (api-key-prerequisites).
func (n *nodeState) secureSettingsInYML() {
	if n.yml == nil {
		return
	}
	for _, k := range n.yml.Keys() {
		remote := (strings.HasPrefix(k, "cluster.remote.") && strings.HasSuffix(k, ".credentials")) ||
			((strings.HasPrefix(k, "xpack.security.remote_cluster_server.ssl.") || strings.HasPrefix(k, "xpack.security.remote_cluster_client.ssl.")) &&
				(strings.HasSuffix(k, "secure_password") || strings.HasSuffix(k, "secure_key_passphrase")))
		if !remote {
			continue
		}
		n.problem(event.Problem{Code: string(catalog.APIKeyPrerequisites), Severity: "error", Setting: k,
			Message: fmt.Sprintf("%s is a secure setting and is written in elasticsearch.yml, which Elasticsearch refuses at start-up: move it to the keystore (elasticsearch-keystore add %s)", k, k),
			Facts:   map[string]string{"setting": k, "use": k}})
	}
}

// certificateExpiry reports expired, not yet valid and soon expiring
// certificates, once per (file, certificate).
func (n *nodeState) certificateExpiry() {
	now := n.snap.InspectedAt
	seen := map[string]bool{}
	for _, f := range n.snap.Certificates {
		for _, c := range f.Certificates {
			key := f.Path + "\x00" + c.SHA256
			if seen[key] {
				continue
			}
			seen[key] = true
			facts := map[string]string{
				"subject": c.Subject, "sha1": c.SHA1, "not_before": c.NotBefore.Format(time.RFC3339),
				"not_after": c.NotAfter.Format(time.RFC3339), "path": f.Path, "setting": f.Setting,
			}
			switch {
			case now.After(c.NotAfter):
				n.problem(event.Problem{Code: string(catalog.TLSCertificateExpired), Severity: "error", Setting: f.Setting, File: f.Path, Facts: facts,
					Message: fmt.Sprintf("certificate [%s] in %s (%s) expired on %s", c.Subject, f.Path, f.Setting, c.NotAfter.Format(time.RFC3339))})
			case now.Before(c.NotBefore):
				n.problem(event.Problem{Code: string(catalog.TLSCertificateExpired), Severity: "error", Setting: f.Setting, File: f.Path, Facts: facts,
					Message: fmt.Sprintf("certificate [%s] in %s (%s) is not valid before %s", c.Subject, f.Path, f.Setting, c.NotBefore.Format(time.RFC3339))})
			case c.NotAfter.Sub(now) < ExpiryWarning:
				days := int(c.NotAfter.Sub(now).Hours() / 24)
				facts["days_left"] = strconv.Itoa(days)
				n.problem(event.Problem{Code: string(catalog.TLSCertificateExpired), Severity: "warning", Setting: f.Setting, File: f.Path, Facts: facts,
					Message: fmt.Sprintf("certificate [%s] in %s (%s) expires on %s, in %d days", c.Subject, f.Path, f.Setting, c.NotAfter.Format(time.RFC3339), days)})
			}
		}
	}
}

// changedSinceStart reports the yml and keystore modified after the ES
// process started. Certificate, key and CA files are not inputs of this
// check: ES polls the files its ssl settings name (every 5 s) and reloads
// them itself when they are replaced under the same name.
//
// A start known only from the log (no process found) is trusted while the
// log shows no stop after it: the node is taken to be still running the
// configuration it read at that start ("no restart logged since the
// change"). A logged stop makes the log silent about the present, and so
// does a log that ended more than LogSilenceHorizon before the change (the
// server log rolls daily and a running node logs at least its daily
// housekeeping: a log years older than the files is a copy, not a node).
func (n *nodeState) changedSinceStart() {
	if n.snap.StartedAt == nil {
		return
	}
	start := *n.snap.StartedAt
	fromLog := n.snap.StartSource == "log"
	if fromLog && !n.logStopped.IsZero() {
		return
	}
	for _, f := range n.snap.Files {
		if f.Role != "yml" && f.Role != "keystore" {
			continue
		}
		if !f.ModTime.After(start) {
			continue
		}
		if fromLog && f.ModTime.Sub(n.lastLog) > LogSilenceHorizon {
			continue
		}
		since := "after Elasticsearch started at " + start.Format(time.RFC3339)
		if fromLog {
			since = "after the node's last logged start at " + start.Format(time.RFC3339) + " (no restart logged since the change)"
		}
		msg := fmt.Sprintf("%s was modified at %s, %s: the running node still uses the old %s; restart it",
			f.Path, f.ModTime.Format(time.RFC3339), since, f.Role)
		if f.Role == "keystore" {
			msg = fmt.Sprintf("%s was modified at %s, %s: reloadable entries (cluster.remote.*.credentials, s3.client.*) take effect after POST _nodes/reload_secure_settings; other entries need a restart",
				f.Path, f.ModTime.Format(time.RFC3339), since)
		}
		facts := map[string]string{"role": f.Role, "mtime": f.ModTime.Format(time.RFC3339), "started_at": start.Format(time.RFC3339), "start_source": n.snap.StartSource}
		n.problem(event.Problem{Code: string(catalog.ConfigChangedSinceStart), Severity: "warning", File: f.Path, Message: msg, Facts: facts})
	}
}

// LogSilenceHorizon: a start known only from the log speaks for changes made
// at most this long after the log's last record.
const LogSilenceHorizon = 7 * 24 * time.Hour

// apiKeyPrerequisites checks what the API-key model needs on this node.
func (n *nodeState) apiKeyPrerequisites() {
	code := string(catalog.APIKeyPrerequisites)
	server := n.view.RemoteClusterServerEnabled()
	var credAliases []string
	for _, r := range n.snap.Remotes {
		if r.HasCredentials {
			credAliases = append(credAliases, r.Alias)
		}
	}
	client := len(credAliases) > 0
	if !server && !client {
		return
	}
	role := "remote cluster server"
	if !server {
		role = "API-key remote cluster client (credentials for " + strings.Join(credAliases, ", ") + ")"
	}
	if !n.view.SecurityEnabled() {
		n.problem(event.Problem{Code: code, Severity: "error", Setting: "xpack.security.enabled",
			Message: "xpack.security.enabled is false on a node used as " + role + ": API-key remote clusters need security enabled on every node",
			Facts:   map[string]string{"missing": "xpack.security.enabled: true"}})
	}
	if v := n.snap.ESVersion; v != "" && versionBefore(v, 8, 10) {
		n.problem(event.Problem{Code: code, Severity: "error",
			Message: "Elasticsearch " + v + " on a node used as " + role + ": API-key remote clusters need 8.10 or later",
			Facts:   map[string]string{"es_version": v, "required": "8.10"}})
	}
	if client {
		c := n.view.SSL("xpack.security.remote_cluster_client")
		if c.Enabled && len(c.CertificateAuthorities) == 0 && c.TruststorePath == "" {
			n.problem(event.Problem{Code: code, Severity: "warning", Setting: "xpack.security.remote_cluster_client.ssl.certificate_authorities",
				Message: "xpack.security.remote_cluster_client.ssl is enabled but no certificate_authorities are set: only the JDK's public CAs are trusted, so a remote cluster server with a private CA will fail the TLS handshake",
				Facts:   map[string]string{"missing": "xpack.security.remote_cluster_client.ssl.certificate_authorities"}})
		}
		n.legacyPasswords(c)
	}
	if server {
		c := n.view.SSL("xpack.security.remote_cluster_server")
		n.legacyPasswords(c)
		if c.Enabled {
			switch {
			case c.KeystorePath == "" && (c.Key == "" || c.Certificate == ""):
				n.problem(event.Problem{Code: code, Severity: "error", Setting: "xpack.security.remote_cluster_server.ssl.keystore.path",
					Message: "remote_cluster_server.enabled is true and xpack.security.remote_cluster_server.ssl is enabled (the default) but neither ssl.keystore.path nor ssl.key + ssl.certificate is set: the node will not start",
					Facts:   map[string]string{"missing": "xpack.security.remote_cluster_server.ssl.keystore.path"}})
			case c.KeystorePath != "":
				n.serverKeystorePassword()
			}
		}
	}
}

// serverKeystorePassword checks the remote cluster server's keystore file
// against the password in the ES keystore.
func (n *nodeState) serverKeystorePassword() {
	if n.snap.Keystore != nil && !n.snap.Keystore.Opened {
		return // the password may be in the keystore we could not open
	}
	code := string(catalog.APIKeyPrerequisites)
	const setting = "xpack.security.remote_cluster_server.ssl.keystore.path"
	const pwEntry = "xpack.security.remote_cluster_server.ssl.keystore.secure_password"
	for _, f := range n.snap.Certificates {
		if f.Setting != setting {
			continue
		}
		facts := map[string]string{"path": f.Path}
		if f.PasswordOK != nil && !*f.PasswordOK {
			if f.PasswordSource == "" {
				n.problem(event.Problem{Code: code, Severity: "error", Setting: pwEntry, File: f.Path, Facts: mergeFacts(facts, "missing", pwEntry),
					Message: fmt.Sprintf("%s needs a password and %s is not in the keystore: add it with elasticsearch-keystore add %s", f.Path, pwEntry, pwEntry)})
			} else {
				n.problem(event.Problem{Code: code, Severity: "error", Setting: pwEntry, File: f.Path, Facts: mergeFacts(facts, "password_source", f.PasswordSource),
					Message: fmt.Sprintf("the password in %s does not open %s", f.PasswordSource, f.Path)})
			}
		}
		if f.Error != "" && len(f.Certificates) == 0 && f.PasswordOK == nil {
			n.problem(event.Problem{Code: code, Severity: "error", Setting: setting, File: f.Path, Facts: facts,
				Message: "the remote cluster server keystore cannot be used: " + f.Error})
		}
	}
}

// legacyPasswords reports yml passwords on the remote-cluster TLS contexts,
// which ES rejects at start-up (only secure settings are accepted there).
func (n *nodeState) legacyPasswords(c configSSL) {
	for name, set := range map[string]bool{
		"keystore.password": c.LegacyKeystorePassword, "truststore.password": c.LegacyTruststorePassword, "key_passphrase": c.LegacyKeyPassphrase,
	} {
		if !set {
			continue
		}
		key := c.Prefix + ".ssl." + name
		secure := strings.Replace(key, ".keystore.password", ".keystore.secure_password", 1)
		secure = strings.Replace(secure, ".truststore.password", ".truststore.secure_password", 1)
		secure = strings.Replace(secure, ".key_passphrase", ".secure_key_passphrase", 1)
		n.problem(event.Problem{Code: string(catalog.APIKeyPrerequisites), Severity: "error", Setting: key,
			Message: fmt.Sprintf("%s is set in elasticsearch.yml, which Elasticsearch rejects for this context: store it in the keystore as %s", key, secure),
			Facts:   map[string]string{"setting": key, "use": secure}})
	}
}

func mergeFacts(m map[string]string, k, v string) map[string]string {
	out := map[string]string{k: v}
	for a, b := range m {
		out[a] = b
	}
	return out
}

// versionBefore reports whether "8.9.1" < major.minor.
func versionBefore(v string, major, minor int) bool {
	parts := strings.SplitN(v, ".", 3)
	if len(parts) < 2 {
		return false
	}
	ma, err1 := strconv.Atoi(parts[0])
	mi, err2 := strconv.Atoi(strings.TrimLeftFunc(parts[1], func(r rune) bool { return r < '0' || r > '9' }))
	if err1 != nil || err2 != nil {
		return false
	}
	return ma < major || (ma == major && mi < minor)
}
