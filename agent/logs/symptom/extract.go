package symptom

import (
	"regexp"
	"strconv"
	"strings"
)

// extractors fill fields from a matched record's text. Each is named in the
// rule table's Extract column. An extractor never overwrites a field that is
// already set (by the rule's Pattern or an earlier extractor).
var extractors = map[string]func(c *matchCtx, f map[string]string){
	"remote":        extractRemote,
	"exception":     extractException,
	"channel":       extractChannel,
	"trust":         extractTrust,
	"apikey-user":   func(c *matchCtx, f map[string]string) { setIf(f, "api_key_id", f["user"]) },
	"apikey-reason": extractAPIKeyReason,
	"authz":         extractAuthz,
	"s3":            extractS3,
	"node":          extractNode,
	"publish":       extractPublish,
	"closed":        extractClosed,
	"mesh":          extractMesh,
	"sslfile":       extractSSLFile,
	"audit":         extractAudit,
	"disconnected":  extractDisconnected,
}

var (
	reSSLFile      = regexp.MustCompile(`\[((?:/|[A-Za-z]:\\)[^\]\n]+)\]`)
	reSSLReloaded  = regexp.MustCompile(`reloaded \[([^\]\n]+)\]`)
	reCCSCluster   = regexp.MustCompile(`CCS remote cluster failure\. Cluster \[([^\]]+)\]`)
	reDisconnected = regexp.MustCompile(`\[([^\]\[]*)\]\[([^\]\[]+:\d+)\]\[([^\s]+?)\] disconnected`)
	reCCSIndex     = regexp.MustCompile(`path: /([^\s/,:]+):[^\s/,]+/_(?:async_)?search`)
)

var reAuditField = regexp.MustCompile(`"(action|user\.name|apikey\.id|apikey\.name|origin\.address|request\.name|node\.name|cluster\.name)"\s*:\s*"([^"]*)"`)

// extractAudit reads an audit event: action, user, api_key_id, indices
// (comma-joined), origin address, and the alias of "alias:index" indices.
func extractAudit(c *matchCtx, f map[string]string) {
	for _, m := range reAuditField.FindAllStringSubmatch(c.text, -1) {
		switch m[1] {
		case "action":
			setIf(f, "action", m[2])
		case "user.name":
			setIf(f, "user", m[2])
		case "apikey.id":
			setIf(f, "api_key_id", m[2])
		case "origin.address":
			setIf(f, "origin_address", normAddr(m[2]))
		case "node.name":
			setIf(f, "audit_node", m[2])
		}
	}
	if m := reAuditIndices.FindStringSubmatch(c.text); m != nil {
		var idx []string
		for _, x := range strings.Split(m[1], ",") {
			if x = strings.Trim(strings.TrimSpace(x), `"`); x != "" {
				idx = append(idx, x)
				if a, _, ok := strings.Cut(x, ":"); ok && f["alias"] == "" && !strings.ContainsAny(a, "*") {
					f["alias"] = a
				}
			}
		}
		setIf(f, "indices", strings.Join(idx, ","))
	}
}

// extractSSLFile: the file a failed SSL reload names, if the cause does.
func extractSSLFile(c *matchCtx, f map[string]string) {
	if p := first(reSSLFile, c.text); p != "" {
		setIf(f, "path", p)
	}
	setIf(f, "path", first(reSSLReloaded, c.text))
}

// extractDisconnected: the alias, remote node, address and action of a
// cross-cluster search failure on a NodeDisconnectedException.
func extractDisconnected(c *matchCtx, f map[string]string) {
	setIf(f, "alias", first(reCCSCluster, c.text))
	setIf(f, "alias", first(reCCSIndex, c.text))
	if m := reDisconnected.FindStringSubmatch(c.text); m != nil {
		setIf(f, "remote_node", m[1])
		setIf(f, "address", normAddr(m[2]))
		setIf(f, "action", m[3])
	}
}

// setIf sets f[k] = v unless v is empty or f[k] is already set.
func setIf(f map[string]string, k, v string) {
	v = strings.TrimSpace(v)
	if v == "" {
		return
	}
	if _, ok := f[k]; ok {
		return
	}
	f[k] = v
}

// first returns group 1 of the first match of re in s.
func first(re *regexp.Regexp, s string) string {
	m := re.FindStringSubmatch(s)
	if len(m) < 2 {
		return ""
	}
	return m[1]
}

// normAddr turns "/10.0.0.1:9300", "host/10.0.0.1:9300", "0.0.0.0/0.0.0.0:9300"
// into "10.0.0.1:9300" / "0.0.0.0:9300".
func normAddr(s string) string {
	s = strings.TrimSpace(s)
	if i := strings.LastIndexByte(s, '/'); i >= 0 {
		s = s[i+1:]
	}
	return s
}

// guarded is a regexp run only when its literal occurs (cheap first).
type guarded struct {
	lit string
	re  *regexp.Regexp
}

func (g guarded) find(s string) []string {
	if !strings.Contains(s, g.lit) {
		return nil
	}
	return g.re.FindStringSubmatch(s)
}

func (g guarded) first(s string) string {
	if m := g.find(s); len(m) > 1 {
		return m[1]
	}
	return ""
}

var (
	reAliases = []guarded{
		{"proxy connections to cluster [", regexp.MustCompile(`proxy connections to cluster \[([^\]]*)\]`)},
		{"fetching nodes from external cluster [", regexp.MustCompile(`fetching nodes from external cluster \[([^\]]*)\]`)},
		{"fetching nodes from external cluster ", regexp.MustCompile(`fetching nodes from external cluster (\S+) failed`)},
		{"no seed node left for cluster: [", regexp.MustCompile(`no seed node left for cluster: \[([^\]]*)\]`)},
		{"any connections to remote cluster [", regexp.MustCompile(`any connections to remote cluster \[([^\]]*)\]`)},
		{"failed to update seed list for cluster: ", regexp.MustCompile(`failed to update seed list for cluster: (\S+)`)},
		{"remote cluster connection [", regexp.MustCompile(`remote cluster connection \[([^\]]*)\]`)},
		{"[remote cluster: ", regexp.MustCompile(`\[remote cluster: ([^,\]]+)`)},
		{"towards remote cluster [", regexp.MustCompile(`towards remote cluster \[([^\]]*)\]`)},
		{"] failed to ", regexp.MustCompile(`\[([^\]\s]+)\] failed to (?:open managed connection|handshake with seed node)`)},
	}
	reConnectTransport = guarded{"ConnectTransportException: [", regexp.MustCompile(`ConnectTransportException: \[([^\]]*)\]\[([^\]]*)\]`)}
	reAtAddress        = guarded{"at address [", regexp.MustCompile(`at address \[([^\]]+)\]`)}
	reAddressColon     = guarded{"address: ", regexp.MustCompile(`\baddress: ([^\],\s]+)`)}
	reRemoteTransport  = guarded{"RemoteTransportException: [", regexp.MustCompile(`RemoteTransportException: \[([^\]]*)\]\[([^\]]*)\]\[([^\]]*)\]`)}
	reRefused          = []guarded{
		{"Connection refused: ", regexp.MustCompile(`Connection refused: (\S+)`)},
		{"No route to host: ", regexp.MustCompile(`No route to host: (\S+)`)},
		{"onnection timed out: ", regexp.MustCompile(`[Cc]onnection timed out: (\S+)`)},
	}
)

// extractRemote: alias, address, remote_node, action.
func extractRemote(c *matchCtx, f map[string]string) {
	t := c.text
	for _, g := range reAliases {
		if a := g.first(t); a != "" {
			setIf(f, "alias", a)
			break
		}
	}
	if m := reConnectTransport.find(t); m != nil {
		setIf(f, "remote_node", m[1])
		setIf(f, "address", normAddr(m[2]))
	}
	setIf(f, "address", normAddr(reAtAddress.first(t)))
	setIf(f, "address", normAddr(reAddressColon.first(t)))
	if m := reRemoteTransport.find(t); m != nil {
		setIf(f, "remote_node", m[1])
		setIf(f, "address", normAddr(m[2]))
		setIf(f, "action", m[3])
	}
	for _, g := range reRefused {
		setIf(f, "address", normAddr(g.first(t)))
	}
}

// exceptionAt reads a Java exception class at the start of s ("a.b.CException",
// "a.b.C$DError", ending in Exception, Error or Wrapper) followed by ":" or
// the end of the line; it returns the class and its message.
func exceptionAt(s string) (class, msg string, ok bool) {
	i := 0
	dots := 0
	for i < len(s) {
		c := s[i]
		if c == '.' {
			dots++
		} else if !(c == '_' || c == '$' || c >= '0' && c <= '9' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z') {
			break
		}
		i++
	}
	class = s[:i]
	if dots == 0 || !(strings.HasSuffix(class, "Exception") || strings.HasSuffix(class, "Error") || strings.HasSuffix(class, "Wrapper")) {
		return "", "", false
	}
	if last := strings.LastIndexByte(class, '.'); last < 0 || last+1 >= len(class) || class[last+1] < 'A' || class[last+1] > 'Z' {
		return "", "", false
	}
	rest := s[i:]
	switch {
	case rest == "" || rest[0] == '\n':
		return class, "", true
	case rest[0] == ':':
		msg = strings.TrimLeft(rest[1:], " \t")
		if j := strings.IndexByte(msg, '\n'); j >= 0 {
			msg = msg[:j]
		}
		return class, msg, true
	}
	return "", "", false
}

// maxExceptionLines bounds how many lines extractException reads.
const maxExceptionLines = 2000

// extractException: exception = the first exception class (at a line start
// after "Caused by: "/"Suppressed: ", or after a space in the message line),
// cause = the innermost "Caused by:" message (or the first exception's).
func extractException(c *matchCtx, f map[string]string) {
	t := c.text
	var firstClass, firstMsg, cause, causeClass string
	found := false
	for n := 0; t != "" && n < maxExceptionLines; n++ {
		line := t
		if j := strings.IndexByte(t, '\n'); j >= 0 {
			line, t = t[:j], t[j+1:]
		} else {
			t = ""
		}
		l := strings.TrimLeft(line, " \t")
		causedBy := strings.HasPrefix(l, "Caused by: ")
		l = strings.TrimPrefix(strings.TrimPrefix(l, "Caused by: "), "Suppressed: ")
		class, msg, ok := exceptionAt(l)
		if !ok && n == 0 {
			// The message line may end with the exception ("... failed a.b.CException: x").
			for k := strings.IndexByte(line, ' '); k >= 0 && !ok; {
				class, msg, ok = exceptionAt(line[k+1:])
				next := strings.IndexByte(line[k+1:], ' ')
				if next < 0 {
					break
				}
				k += next + 1
			}
		}
		if !ok {
			continue
		}
		if !found {
			firstClass, firstMsg, found = class, msg, true
		}
		if causedBy {
			cause, causeClass = msg, class
		}
	}
	if !found {
		return
	}
	setIf(f, "exception", firstClass)
	if causeClass == "" {
		cause, causeClass = firstMsg, firstClass
	}
	if cause == "" {
		cause = causeClass
	}
	if len(cause) > 512 {
		cause = cause[:512]
	}
	setIf(f, "cause", cause)
}

var (
	reChannel      = regexp.MustCompile(`(?:TcpChannel|TcpNioSocketChannel|NioSocketChannel)\{localAddress=([^,}]*), remoteAddress=([^,}]*)(?:, profile=([^,}]*))?`)
	reNettyChannel = regexp.MustCompile(`L:([^\s\]]+) [-!] R:([^\s\]]+)`)
)

// extractChannel: local_address, remote_address, profile of a transport channel.
func extractChannel(c *matchCtx, f map[string]string) {
	if m := reChannel.FindStringSubmatch(c.text); m != nil {
		setIf(f, "local_address", normAddr(m[1]))
		setIf(f, "remote_address", normAddr(m[2]))
		setIf(f, "profile", m[3])
		return
	}
	if m := reNettyChannel.FindStringSubmatch(c.text); m != nil {
		setIf(f, "local_address", normAddr(m[1]))
		setIf(f, "remote_address", normAddr(m[2]))
	}
}

var (
	reTrustPeer     = regexp.MustCompile(`failed to establish trust with (server|client) at \[([^\]]*)\]`)
	reTrustSubject  = regexp.MustCompile(`provided a certificate with subject name \[([^\]]*)\](?:,| and) fingerprint \[([0-9a-fA-F]+)\]`)
	reTrustSANs     = regexp.MustCompile(`has subject alternative names \[([^\]]*)\]`)
	reTrustIssuer   = regexp.MustCompile(`the certificate is issued by \[([^\]]*)\]`)
	reOnlyTrusts    = regexp.MustCompile(`it only trusts the issuer \[([^\]]*)\] with fingerprint \[([0-9a-fA-F]+)\]`)
	reOtherIssuers  = regexp.MustCompile(`but trusts \[(\d+)\] other issuers(?: \(\[?([^\n]*?)\]?\))?(?:;|$|\n)`)
	reSameSubject   = regexp.MustCompile(`does trust a certificate with subject \[([^\]]*)\] but the trusted certificate has fingerprint \[([0-9a-fA-F]+)\]`)
	reSigMismatch   = regexp.MustCompile(`trusts \[(\d+)\] certificates? with subject name \[([^\]]*)\] and fingerprint \[([0-9a-fA-F]+)\] but the signatures do not match`)
	reIssuingFP     = regexp.MustCompile(`the issuing certificate with fingerprint \[([0-9a-fA-F]+)\] is trusted`)
	reSignedByTrust = regexp.MustCompile(`fingerprint \[([0-9a-fA-F]+)\] \{trusted issuer\}`)
)

// issuerTrusted tells from a DiagnosticTrustManager message whether the
// issuer (or the self-issued certificate) is trusted: "true", "false" or "".
func issuerTrusted(t string) string {
	switch {
	case strings.Contains(t, "is not configured to trust that issuer"), strings.Contains(t, "certificate is not trusted in this ssl context"),
		strings.Contains(t, "but the signatures do not match"), strings.Contains(t, "but the trusted certificate has fingerprint"):
		return "false"
	case strings.Contains(t, "is trusted in this ssl context"), strings.Contains(t, "{trusted issuer}"):
		return "true"
	}
	return ""
}

// extractTrust reads the DiagnosticTrustManager message.
func extractTrust(c *matchCtx, f map[string]string) {
	t := c.text
	if m := reTrustPeer.FindStringSubmatch(t); m != nil {
		setIf(f, "peer", m[1])
		setIf(f, "server_address", m[2])
	}
	if m := reTrustSubject.FindStringSubmatch(t); m != nil {
		setIf(f, "subject", m[1])
		setIf(f, "fingerprint", strings.ToLower(m[2]))
	}
	if m := reValidDates.FindStringSubmatch(t); m != nil {
		setIf(f, "not_before", m[1])
		setIf(f, "not_after", m[2])
	}
	if m := reTrustSANs.FindStringSubmatch(t); m != nil {
		setIf(f, "sans", m[1])
	}
	if iss := first(reTrustIssuer, t); iss != "" {
		setIf(f, "issuer", iss)
	} else if strings.Contains(t, "the certificate is self-issued") {
		setIf(f, "issuer", f["subject"])
	}
	if m := reTrustCtx.FindStringSubmatch(t); m != nil {
		ctx := m[1]
		if i := strings.Index(ctx, " (with trust configuration: "); i >= 0 {
			setIf(f, "trust_config", strings.TrimSuffix(ctx[i+len(" (with trust configuration: "):], ")"))
			ctx = ctx[:i]
		}
		setIf(f, "ssl_context", ctx)
	}
	reason := ""
	switch {
	case strings.Contains(t, "did not provide a certificate"):
		reason = "no-certificate"
	case reSameSubject.MatchString(t):
		m := reSameSubject.FindStringSubmatch(t)
		setIf(f, "trusted_issuers", m[1])
		setIf(f, "trusted_issuer_fingerprint", strings.ToLower(m[2]))
		reason = "same-subject-different-fingerprint"
	case reSigMismatch.MatchString(t):
		m := reSigMismatch.FindStringSubmatch(t)
		setIf(f, "trusted_count", m[1])
		setIf(f, "trusted_issuers", m[2])
		setIf(f, "trusted_issuer_fingerprint", strings.ToLower(m[3]))
		reason = "signature-mismatch"
	}
	if m := reOnlyTrusts.FindStringSubmatch(t); m != nil {
		setIf(f, "trusted_issuers", m[1])
		setIf(f, "trusted_issuer_fingerprint", strings.ToLower(m[2]))
		setIf(f, "trusted_count", "1")
	}
	if m := reOtherIssuers.FindStringSubmatch(t); m != nil {
		setIf(f, "trusted_count", m[1])
		setIf(f, "trusted_issuers", m[2])
	}
	if strings.Contains(t, "not configured to trust that issuer or any other issuer") {
		setIf(f, "trusted_count", "0")
	}
	if fp := first(reIssuingFP, t); fp != "" {
		setIf(f, "trusted_issuer_fingerprint", strings.ToLower(fp))
	} else if fp := first(reSignedByTrust, t); fp != "" {
		setIf(f, "trusted_issuer_fingerprint", strings.ToLower(fp))
	}
	trusted := issuerTrusted(t)
	setIf(f, "issuer_trusted", trusted)
	if reason == "" && trusted == "false" {
		reason = "issuer-not-trusted"
	}
	setIf(f, "reason", reason)
}

var (
	reAPIKeyID = []*regexp.Regexp{
		regexp.MustCompile(`(?i)api key \[([^\]]+)\]`),
		regexp.MustCompile(`apikey with id (\S+)`),
		regexp.MustCompile(`API key id \[([^\]]+)\]`),
	}
)

// extractAPIKeyReason: api_key_id and a normalised reason.
func extractAPIKeyReason(c *matchCtx, f map[string]string) {
	for _, re := range reAPIKeyID {
		if id := first(re, c.text); id != "" {
			setIf(f, "api_key_id", id)
			break
		}
	}
	cause := f["cause"]
	reason := "other"
	switch {
	case strings.Contains(cause, "invalid credentials"):
		reason = "invalid-credentials"
	case strings.Contains(cause, "invalidated"):
		reason = "invalidated"
	case strings.Contains(cause, "expired"):
		reason = "expired"
	case strings.Contains(cause, "unable to find apikey"):
		reason = "not-found"
	}
	setIf(f, "reason", reason)
}

var (
	reAuthzAction  = regexp.MustCompile(`action \[([^\]]*)\] towards remote cluster(?: \[([^\]]*)\])? is unauthorized for (?:API key id \[([^\]]*)\] of )?(?:user|service account) \[([^\]]*)\]`)
	reAuthzRoles   = regexp.MustCompile(`(?:effective|assigned) roles \[([^\]]*)\]`)
	reAuthzAPIKey  = regexp.MustCompile(`authenticated by API key id \[([^\]]*)\]`)
	reAuthzIndices = regexp.MustCompile(`on indices \[([^\]]*)\]`)
)

// extractAuthz: action, alias, user, roles, api_key_id, indices.
func extractAuthz(c *matchCtx, f map[string]string) {
	t := c.text
	if m := reAuthzAction.FindStringSubmatch(t); m != nil {
		setIf(f, "action", m[1])
		setIf(f, "alias", m[2])
		setIf(f, "api_key_id", m[3])
		setIf(f, "user", m[4])
	}
	setIf(f, "roles", first(reAuthzRoles, t))
	setIf(f, "api_key_id", first(reAuthzAPIKey, t))
	setIf(f, "indices", first(reAuthzIndices, t))
}

var (
	reS3Path  = regexp.MustCompile(`\bpath: (/[^\s,]*)`)
	reS3Code  = regexp.MustCompile(`Error Code: (\w+)`)
	reS3Cause = regexp.MustCompile(`((?:The AWS Access Key Id you provided does not exist in our records|The request signature we calculated does not match the signature you provided)[^\n(]*)`)
)

// extractS3: request_path, aws_error_code (when the text names it), cause.
func extractS3(c *matchCtx, f map[string]string) {
	setIf(f, "request_path", first(reS3Path, c.text))
	if code := first(reS3Code, c.text); code != "" {
		f["aws_error_code"] = code
	}
	setIf(f, "cause", first(reS3Cause, c.text))
}

var (
	reVersion  = regexp.MustCompile(`version\[([^\]]+)\]`)
	rePid      = regexp.MustCompile(`pid\[(\d+)\]`)
	reNodeID   = regexp.MustCompile(`node ID \[([^\]]+)\]`)
	reStarted  = regexp.MustCompile(`^started \{[^}]*\}\{([^}]*)\}`)
	reRoles    = regexp.MustCompile(`roles \[([^\]]*)\]`)
	reClusterN = regexp.MustCompile(`cluster name \[([^\]]+)\]`)
)

// extractNode: es_version, pid, node_id, roles, cluster_name.
func extractNode(c *matchCtx, f map[string]string) {
	msg := c.r.Message
	setIf(f, "es_version", first(reVersion, msg))
	setIf(f, "pid", first(rePid, msg))
	setIf(f, "node_id", first(reNodeID, msg))
	setIf(f, "node_id", first(reStarted, msg))
	setIf(f, "roles", first(reRoles, msg))
	setIf(f, "cluster_name", first(reClusterN, msg))
}

// extractPublish: profile by prefix, else by logger (http or transport);
// bound_addresses without braces.
func extractPublish(c *matchCtx, f map[string]string) {
	if _, ok := f["profile"]; !ok {
		if c.isHTTP() || strings.Contains(strings.ToLower(c.r.Logger), "http") {
			f["profile"] = "http"
		} else {
			f["profile"] = "transport"
		}
	}
	if b, ok := f["bound_addresses"]; ok {
		b = strings.NewReplacer("{", "", "}", "").Replace(b)
		f["bound_addresses"] = strings.TrimSpace(b)
	}
}

var reBraced = regexp.MustCompile(`\{([^{}]*)\}`)

// extractClosed: remote_node and address from the node description
// "{name}{id}{ephemeral}{host}{ip}{ip:port}..." or "{alias#ip:port}".
func extractClosed(c *matchCtx, f map[string]string) {
	desc := f["node_description"]
	parts := reBraced.FindAllStringSubmatch(desc, -1)
	if len(parts) == 0 {
		return
	}
	name := parts[0][1]
	if i := strings.IndexByte(name, '#'); i >= 0 {
		setIf(f, "alias", name[:i])
		setIf(f, "address", normAddr(name[i+1:]))
	}
	setIf(f, "remote_node", name)
	for _, p := range parts[1:] {
		v := p[1]
		if i := strings.LastIndexByte(v, ':'); i > 0 {
			if _, err := strconv.Atoi(v[i+1:]); err == nil && strings.ContainsAny(v[:i], ".:") {
				setIf(f, "address", normAddr(v))
				break
			}
		}
	}
}

var (
	reMeshFrom     = regexp.MustCompile(`TLS handshake error from (\S+?):? `)
	reMeshResource = regexp.MustCompile(`cannot list resource \\?"([^"\\]+)\\?"`)
	reMeshUser     = regexp.MustCompile(`User \\?"([^"\\]+)\\?"`)
	reMeshAuth     = regexp.MustCompile(`Authentication failed: ([^\n]*)`)
)

// extractMesh: remote_address, resource, user, cause.
func extractMesh(c *matchCtx, f map[string]string) {
	setIf(f, "remote_address", first(reMeshFrom, c.text))
	setIf(f, "resource", first(reMeshResource, c.text))
	setIf(f, "user", first(reMeshUser, c.text))
	cause := first(reMeshAuth, c.text)
	if len(cause) > 512 {
		cause = cause[:512]
	}
	setIf(f, "cause", cause)
}
