package certs

import (
	"crypto/x509"
	"encoding/asn1"
	"net"
	"strings"
)

// MatchesHost reports whether c is valid for host the way the JDK's
// HostnameChecker does for endpoint identification "HTTPS" (what
// Elasticsearch sets for verification_mode: full):
//   - an IP literal (IPv4, IPv6, [IPv6]) matches only an IP SAN with the
//     same address; there is no fallback to the subject CN;
//   - a name matches a DNS SAN, case-insensitively, ignoring one trailing
//     dot; a "*" in a label matches within that label only (so
//     "*.example.com" matches "a.example.com", not "example.com" nor
//     "a.b.example.com");
//   - only when the certificate has no DNS SAN at all is the most specific
//     subject CN tried instead.
func MatchesHost(c *x509.Certificate, host string) bool {
	if c == nil {
		return false
	}
	host = strings.TrimSuffix(strings.TrimPrefix(strings.TrimSuffix(host, "]"), "["), ".")
	if ip := net.ParseIP(host); ip != nil {
		for _, san := range c.IPAddresses {
			if san.Equal(ip) {
				return true
			}
		}
		return false
	}
	if len(c.DNSNames) > 0 {
		for _, name := range c.DNSNames {
			if matchDNS(host, name) {
				return true
			}
		}
		return false
	}
	if cn := mostSpecificCN(c.RawSubject); cn != "" {
		return matchDNS(host, cn)
	}
	return false
}

// matchDNS compares host with a DNS template label by label; every "*" in
// a template label matches any run of characters within the label.
func matchDNS(host, template string) bool {
	host = strings.ToLower(strings.TrimSuffix(host, "."))
	template = strings.ToLower(strings.TrimSuffix(template, "."))
	if host == "" || template == "" {
		return false
	}
	hl := strings.Split(host, ".")
	tl := strings.Split(template, ".")
	if len(hl) != len(tl) {
		return false
	}
	for i := range hl {
		if !matchLabel(hl[i], tl[i]) {
			return false
		}
	}
	return true
}

// matchLabel is a glob match with "*" only, in O(len(label)·len(pattern))
// at worst (a hostile peer certificate cannot make it explode).
func matchLabel(label, pattern string) bool {
	li, pi := 0, 0
	star, mark := -1, 0
	for li < len(label) {
		switch {
		case pi < len(pattern) && pattern[pi] == '*':
			star, mark = pi, li
			pi++
		case pi < len(pattern) && pattern[pi] == label[li]:
			li++
			pi++
		case star >= 0:
			mark++
			li, pi = mark, star+1
		default:
			return false
		}
	}
	for pi < len(pattern) && pattern[pi] == '*' {
		pi++
	}
	return pi == len(pattern)
}

var oidCommonName = asn1.ObjectIdentifier{2, 5, 4, 3}

// mostSpecificCN is the last CN in encoding order (X500Name's
// findMostSpecificAttribute).
func mostSpecificCN(rawName []byte) string {
	var seq []rawRDNSET
	if _, err := asn1.Unmarshal(rawName, &seq); err != nil {
		return ""
	}
	for i := len(seq) - 1; i >= 0; i-- {
		for _, atv := range seq[i] {
			if atv.Type.Equal(oidCommonName) && isDirectoryString(atv.Value) {
				return decodeUTF8Lossy(atv.Value.Bytes)
			}
		}
	}
	return ""
}
