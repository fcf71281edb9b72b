// Package meshlog recognises the symptoms of guide 002 in istiod and
// istio-proxy (Envoy) logs.
//
// The guide's regexes ("TLS handshake error.*bad certificate", "error.*cannot
// list resource", "serverca.*Authentication failed:.*JWT") are where it
// starts, not the rule: the same Go "http: TLS handshake error ... bad
// certificate" is written by the Kubernetes API server, the kubelet,
// cert-manager, Linkerd's controllers and any Go HTTPS server, and istiod's
// own wording changed between releases. So a line is first attributed to a
// component — by its source (the /var/log/containers or /var/log/pods file
// name, a `kubectl logs --prefix` prefix), by Istio's own log layouts
// (`<RFC 3339 µs>Z\t<level>\t<scope>\t<msg>` and its JSON twin, the Envoy
// access log in Istio's default format), or by what the file said earlier
// (istiod-only scopes, Envoy lines) — and only then matched against the
// wording of each release:
//
//   - CA server JWT failures: "Authentication failed for <addr>: Authenticator
//     ... at index N got error: ..." (serverca, up to 1.12) and the shared
//     "Failed to authenticate client from <addr>: Authenticator X: ...; ..."
//     (1.12 and later, serverca and ads);
//   - Envoy upstream TLS failures: "TLS error: 268435581:SSL
//     routines:OPENSSL_internal:CERTIFICATE_VERIFY_FAILED" (before 1.22) and
//     "TLS_error:|268435581:SSL routines:...:CERTIFICATE_VERIFY_FAILED:TLS_error_end"
//     (later), in the 503 body, the access log's UPSTREAM_TRANSPORT_FAILURE_REASON
//     or the debug log;
//   - RBAC denials: 403 with response code details
//     rbac_access_denied_matched_policy[ns[N]-policy[P]-rule[R]] (1.9 and
//     later), the bare rbac_access_denied, Envoy's "enforced denied, matched
//     policy ..." debug line and the "RBAC: access denied" body.
//
// Lines of container runtimes' CRI files ("<RFC 3339 ns> stdout|stderr P|F
// <payload>") are unwrapped first, and partial lines (P) are joined.
package meshlog
