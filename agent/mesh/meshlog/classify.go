package meshlog

import (
	"net"
	"regexp"
	"strconv"
	"strings"

	"github.com/esdoctor/esdoctor/shared/catalog"
)

// Match is the symptom of one line.
type Match struct {
	Code   catalog.SymptomCode
	Fields map[string]string
}

// istiodScopes are scopes only istiod logs under (pilot-agent has its own:
// xdsproxy, sds, cache, citadelclient, envoy ...).
var istiodScopes = map[string]bool{"serverca": true, "ads": true, "model": true, "validationController": true, "validationServer": true,
	"injection": true, "kube": true, "wle": true, "controllers": true, "status": true, "delta": true, "pkica": true, "ca": true,
	"spiffe": true, "authorization": true, "authn": true, "security": true, "leader": true, "analysis": true, "klog": false}

// proxyScopes are scopes of pilot-agent and of Envoy in Istio's layout.
func proxyScope(s string) bool {
	return strings.HasPrefix(s, "envoy ") || s == "xdsproxy" || s == "sds" || s == "cache" || s == "citadelclient" || s == "healthcheck" || s == "dns"
}

var (
	reHandshakeFrom = regexp.MustCompile(`TLS handshake error from (\S+?):? `)
	reForbiddenUser = regexp.MustCompile(`User "system:serviceaccount:([^:"]+):([^"]+)" ?cannot list resource "([^"]*)"(?: in API group "([^"]*)")?(?: (at the cluster scope|in the namespace "[^"]*"))?`)
	reAuthFailedOld = regexp.MustCompile(`Authentication failed for (\S+?): (.*)$`)
	reAuthFailedNew = regexp.MustCompile(`Failed to authenticate client from (\S+?): (.*)$`)
	reAuthFailedBar = regexp.MustCompile(`Authentication failed: (.*)$`)
	reMatchedPolicy = regexp.MustCompile(`(?:rbac_access_denied_matched_policy\[|matched policy )(ns\[([^\]]*)\]-policy\[([^\]]*)\]-rule\[([^\]]*)\]|none|[^\]\s,]+)`)
	reTLSReason     = regexp.MustCompile(`TLS[_ ]error:[ |_]*(?:\d+:)?(?:SSL[_ ]routines:)?(?:OPENSSL_internal:)?([A-Z][A-Z0-9_]+)`)
	reAllTLSReasons = regexp.MustCompile(`OPENSSL_internal:([A-Z][A-Z0-9_]+)`)
)

// isIstiod says whether a line in this component is istiod's.
func isIstiod(l *Line, comp Component) bool {
	switch comp {
	case Istiod:
		return true
	case Proxy, Other:
		return false
	}
	switch l.Format {
	case FormatIstio:
		// Istio's own text layout: istiod unless a pilot-agent/Envoy scope.
		return !proxyScope(l.Scope)
	case FormatIstioJSON:
		// The JSON layout is shared with other users of Istio's log
		// package (cert-manager's istio-csr); only an istiod scope says.
		return istiodScopes[l.Scope] || l.Scope == "klog"
	}
	return false
}

// isIstioProxy says whether a line is an Istio sidecar's or gateway's.
func isIstioProxy(l *Line, comp Component) bool {
	switch comp {
	case Proxy:
		return true
	case Istiod, Other:
		return false
	}
	switch l.Format {
	case FormatIstio, FormatIstioJSON:
		return proxyScope(l.Scope)
	case FormatAccess:
		return true // Istio's default access log layout
	case FormatAccessJSON:
		return istioCluster(l.Access.UpstreamCluster) || l.Access.UpstreamCluster == "" || l.Access.UpstreamCluster == "-"
	}
	return false
}

// istioCluster: Istio names Envoy clusters "outbound|port|subset|host",
// "inbound|port||", PassthroughCluster, BlackHoleCluster.
func istioCluster(c string) bool {
	return strings.HasPrefix(c, "outbound|") || strings.HasPrefix(c, "inbound|") || c == "PassthroughCluster" ||
		c == "InboundPassthroughClusterIpv4" || c == "InboundPassthroughClusterIpv6" || c == "BlackHoleCluster"
}

// Classify returns the mesh symptom of a line written by comp (Unknown
// when nothing but the line itself says), if any.
func Classify(l Line, comp Component) (Match, bool) {
	if comp == Unknown && l.Container != "" {
		comp = pickComponent(l.Pod, l.Container)
	}
	if comp == Other {
		return Match{}, false
	}
	msg := l.Msg
	switch {
	case strings.Contains(msg, "TLS handshake error") && strings.Contains(msg, "bad certificate"):
		if !isIstiod(&l, comp) {
			return Match{}, false
		}
		f := map[string]string{"component": "istiod"}
		setIf(f, "remote_address", first(reHandshakeFrom, msg))
		return Match{catalog.SymMeshBadCertificate, f}, true

	case strings.Contains(msg, "cannot list resource"):
		m := reForbiddenUser.FindStringSubmatch(msg)
		if m == nil || !istioServiceAccount(m[2]) || !(isIstiod(&l, comp) || comp == Unknown && l.Format == FormatKlog) {
			return Match{}, false
		}
		if l.Level == "info" || l.Level == "debug" {
			return Match{}, false
		}
		f := map[string]string{"component": "istiod", "service_account_namespace": m[1], "service_account": m[2], "resource": m[3], "api_group": m[4],
			"user": "system:serviceaccount:" + m[1] + ":" + m[2]}
		switch {
		case m[5] == "at the cluster scope":
			f["scope"] = "cluster"
		case m[5] != "":
			f["scope"] = "namespace"
		}
		return Match{catalog.SymMeshCannotListResource, f}, true

	case strings.Contains(msg, "Authentication failed") || strings.Contains(msg, "Failed to authenticate client from"):
		if !strings.Contains(msg, "JWT") || !isIstiod(&l, comp) {
			return Match{}, false
		}
		// The guide's regex wants the serverca scope; the shared
		// authenticator of newer releases logs under the caller's scope.
		if l.Scope != "" && l.Scope != "serverca" && l.Scope != "ads" && l.Scope != "klog" {
			return Match{}, false
		}
		f := map[string]string{"component": "istiod"}
		var cause string
		switch {
		case reAuthFailedNew.MatchString(msg):
			m := reAuthFailedNew.FindStringSubmatch(msg)
			f["remote_address"], cause, f["wording"] = m[1], m[2], "failed-to-authenticate-client"
		case reAuthFailedOld.MatchString(msg):
			m := reAuthFailedOld.FindStringSubmatch(msg)
			f["remote_address"], cause, f["wording"] = m[1], m[2], "authentication-failed-for"
		case reAuthFailedBar.MatchString(msg):
			cause, f["wording"] = reAuthFailedBar.FindStringSubmatch(msg)[1], "authentication-failed"
		default:
			return Match{}, false
		}
		setIf(f, "scope", l.Scope)
		f["reason"] = jwtReason(cause)
		f["cause"] = clip(cause, 512)
		return Match{catalog.SymMeshJwtAuthenticationFailed, f}, true
	}

	// The sidecars.
	if a := l.Access; a != nil {
		if !isIstioProxy(&l, comp) {
			return Match{}, false
		}
		return classifyAccess(a)
	}
	switch {
	case strings.Contains(msg, "RBAC: access denied"):
		if comp == Istiod || !(isIstioProxy(&l, comp) || l.Format == FormatText) {
			return Match{}, false
		}
		return Match{catalog.SymMeshRbacDenied, map[string]string{"component": "istio-proxy", "source": "response"}}, true

	case strings.Contains(msg, "enforced denied"):
		m := reMatchedPolicy.FindStringSubmatch(msg)
		// Envoy's RBAC filter in any Envoy; Istio's by its policy names.
		if comp == Istiod || !(isIstioProxy(&l, comp) || m != nil && m[2] != "") {
			return Match{}, false
		}
		f := map[string]string{"component": "istio-proxy", "source": "rbac-filter"}
		policyFields(m, f)
		return Match{catalog.SymMeshRbacDenied, f}, true

	case strings.Contains(msg, "upstream connect error or disconnect/reset before headers") && tlsError(msg):
		if comp == Istiod || strings.Contains(msg, "config stream") || strings.Contains(msg, "local_agent") ||
			!(isIstioProxy(&l, comp) || l.Format == FormatText) {
			return Match{}, false
		}
		f := map[string]string{"component": "istio-proxy", "source": "response"}
		tlsFields(msg, f)
		return Match{catalog.SymMeshUpstreamTLSError, f}, true

	case tlsError(msg) && (l.Format == FormatIstio || l.Format == FormatIstioJSON || l.Format == FormatEnvoy):
		// Envoy's connection-pool debug line in Istio's layout.
		if !isIstioProxy(&l, comp) || !upstreamScope(l.Scope) || strings.Contains(msg, "config stream") {
			return Match{}, false
		}
		f := map[string]string{"component": "istio-proxy", "source": "envoy-log"}
		tlsFields(msg, f)
		return Match{catalog.SymMeshUpstreamTLSError, f}, true
	}
	return Match{}, false
}

// classifyAccess reads an Istio access log entry.
func classifyAccess(a *Access) (Match, bool) {
	base := func(f map[string]string) map[string]string {
		f["component"] = "istio-proxy"
		f["source"] = "access-log"
		setIf(f, "upstream_cluster", dash(a.UpstreamCluster))
		setIf(f, "upstream_host", dash(a.UpstreamHost))
		setIf(f, "authority", dash(a.Authority))
		setIf(f, "downstream_local_address", dash(a.DownstreamLocal))
		// The client's host without its ephemeral port, so that repeats
		// fold into one event.
		setIf(f, "downstream_remote_address", hostOnly(dash(a.DownstreamRemote)))
		setIf(f, "response_flags", dash(a.Flags))
		return f
	}
	flags := "," + a.Flags + ","
	switch {
	case a.Code == 403 && (strings.HasPrefix(a.Details, "rbac_access_denied") || strings.Contains(flags, ",RBAC,")):
		f := base(map[string]string{"response_code": "403"})
		setIf(f, "path", dash(a.Path))
		setIf(f, "method", dash(a.Method))
		policyFields(reMatchedPolicy.FindStringSubmatch(a.Details), f)
		return Match{catalog.SymMeshRbacDenied, f}, true
	case strings.Contains(flags, ",NR,") && strings.Contains(a.Details, "filter_chain_not_found"):
		// The inbound listener found no filter chain for a plaintext
		// connection: only mTLS chains under STRICT.
		f := base(map[string]string{"details": "filter_chain_not_found"})
		return Match{catalog.SymMeshPlaintextRefused, f}, true
	case a.Code >= 200 && a.Code < 400 && strings.HasPrefix(a.UpstreamCluster, "inbound|"):
		// A request let in. Only its destination is kept (namespace and
		// host), so that the repeats of a busy service fold into one event
		// per window.
		ns, host := authorityNamespace(a.Authority)
		if ns == "" {
			return Match{}, false
		}
		return Match{catalog.SymMeshRequestAllowed, map[string]string{"component": "istio-proxy", "source": "access-log",
			"namespace": ns, "authority": host}}, true
	case strings.Contains(flags, ",UF,") && (tlsError(a.TransportFailure) || tlsError(a.Details)):
		f := base(map[string]string{})
		if a.Code > 0 {
			f["response_code"] = itoa(a.Code)
		}
		tlsFields(a.TransportFailure+" "+a.Details, f)
		return Match{catalog.SymMeshUpstreamTLSError, f}, true
	}
	return Match{}, false
}

// istioServiceAccount: istiod's own service accounts across releases and
// installers (istiod, istiod-<revision>, istiod-service-account,
// istio-pilot-service-account, istio-reader-service-account for remote
// clusters).
func istioServiceAccount(sa string) bool {
	return strings.HasPrefix(sa, "istiod") || strings.HasPrefix(sa, "istio-pilot") || strings.HasPrefix(sa, "istio-reader")
}

// jwtReason names the cause in the authenticator's message.
func jwtReason(cause string) string {
	c := strings.ToLower(cause)
	switch {
	case strings.Contains(c, "expired"):
		return "expired-token"
	case strings.Contains(c, "audience"):
		return "audience"
	case strings.Contains(c, "issuer"), strings.Contains(c, "cryptographic primitive"), strings.Contains(c, "signature"):
		return "issuer"
	case strings.Contains(c, "does not match claim"), strings.Contains(c, "not found"):
		return "stale-token"
	case strings.Contains(c, "kube client"):
		return "no-kube-client"
	}
	return "invalid-token"
}

func tlsError(s string) bool {
	return strings.Contains(s, "TLS error") || strings.Contains(s, "TLS_error")
}

func upstreamScope(s string) bool {
	switch strings.TrimPrefix(s, "envoy ") {
	case "pool", "client", "upstream", "router", "connection", "http":
		return true
	}
	return false
}

func tlsFields(s string, f map[string]string) {
	if m := reAllTLSReasons.FindAllStringSubmatch(s, -1); len(m) > 0 {
		f["tls_reason"] = m[len(m)-1][1]
	} else if m := reTLSReason.FindStringSubmatch(s); m != nil {
		f["tls_reason"] = m[1]
	}
}

func policyFields(m []string, f map[string]string) {
	if m == nil {
		return
	}
	if m[2] != "" || m[3] != "" {
		f["policy_namespace"], f["policy"], f["policy_rule"] = m[2], m[3], m[4]
		return
	}
	if m[1] != "" && m[1] != "none" {
		f["policy"] = m[1]
	}
}

func dash(s string) string {
	if s == "-" {
		return ""
	}
	return s
}

func setIf(f map[string]string, k, v string) {
	if v != "" {
		f[k] = v
	}
}

func first(re *regexp.Regexp, s string) string {
	if m := re.FindStringSubmatch(s); m != nil {
		return m[1]
	}
	return ""
}

func itoa(i int) string { return strconv.Itoa(i) }

// authorityNamespace reads the namespace of a Kubernetes service name in
// an authority: "svc.ns[:port]", "svc.ns.svc[.cluster.local][:port]".
func authorityNamespace(authority string) (ns, host string) {
	host = authority
	if h, _, ok := strings.Cut(authority, ":"); ok {
		host = h
	}
	parts := strings.Split(host, ".")
	if len(parts) < 2 || parts[0] == "" || parts[1] == "" || net.ParseIP(host) != nil {
		return "", ""
	}
	if len(parts) > 2 && parts[2] != "svc" {
		return "", "" // an external name
	}
	return parts[1], host
}

// hostOnly drops the port of "host:port".
func hostOnly(addr string) string {
	if h, _, err := net.SplitHostPort(addr); err == nil {
		return h
	}
	return addr
}
